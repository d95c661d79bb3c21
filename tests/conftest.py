"""Shared fixtures: the real knowledge base, coach and storage (SQLite in a temp folder)."""
from __future__ import annotations

import pytest

from bot.core.engine import Coach
from bot.advice.knowledge import load
from bot.app.service import CoachService
from bot.storage import Storage


@pytest.fixture(scope="session")
def kb():
    return load()


@pytest.fixture(scope="session")
def coach(kb):
    return Coach(kb)


@pytest.fixture
def storage(tmp_path):
    store = Storage(tmp_path / "coach.db")
    yield store
    store.close()


@pytest.fixture
def service(coach, storage):
    return CoachService(coach, storage)
