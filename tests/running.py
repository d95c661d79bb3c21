"""The Application `umkm-coach telegram` builds, served on an event loop in a thread, so a test can reach into its service."""
from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager, suppress
from pathlib import Path

from telegram.request import HTTPXRequest

from bot.app.service import CoachService
from bot.channels.telegram import build_application, poll
from bot.config import Settings
from bot.storage import Storage
from tests.fakes import FakeBotAPI


@contextmanager
def coach_in_thread(coach, api: FakeBotAPI, db: Path, serve=poll, read_timeout: float = 5.0):
    """`serve(app)` (long polling unless told otherwise) against the fake, with this HTTP read timeout."""
    storage = Storage(db)
    service = CoachService(coach, storage)
    app = build_application(service, Settings(token=api.token, api_url=api.url, db_path=str(db)),
                            request=HTTPXRequest(read_timeout=read_timeout),
                            updates_request=HTTPXRequest(read_timeout=read_timeout))
    loop = asyncio.new_event_loop()
    task = loop.create_task(serve(app))

    def run() -> None:
        asyncio.set_event_loop(loop)
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run, name="bot", daemon=True)
    thread.start()
    try:
        yield service
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=30)
        loop.close()
        storage.close()
