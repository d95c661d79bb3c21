"""The benchmarks keep working: a quick run does the real work and passes its own checks (no timing here)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # runs the benchmark scripts as processes

ROOT = Path(__file__).resolve().parent.parent


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_bench_bot_quick_run_checks_every_owner_and_prints_its_tables():
    result = run("bench_bot.py")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "CHECK FAILED" not in result.stdout
    assert "same calls (replayed)" in result.stdout and "coach / same calls" in result.stdout
    assert "bare PTB (echo only)" in result.stdout and "coach / bare" in result.stdout
    assert "stored / empty" in result.stdout


def test_bench_load_quick_run_gets_every_expected_reply_from_both_bots():
    """Both bots as real processes over HTTP; the run fails its own check if any reply went missing."""
    result = run("bench_load.py")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "CHECK FAILED" not in result.stdout
    assert "bare PTB (echo)" in result.stdout and "coach / bare" in result.stdout


def test_bench_lookup_quick_run_prints_its_table():
    result = run("bench_lookup.py")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "p99" in result.stdout
