"""The coach's channels (`umkm-coach telegram`, `umkm-coach whatsapp`) served on an event loop in a thread, so a test can reach into the service."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from telegram.request import HTTPXRequest

from bot.app.service import CoachService
from bot.channels.telegram import build_application, poll
from bot.config import Settings, WhatsAppSettings
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def whatsapp_settings(api, port: int, db: Path, template: str = "") -> Settings:
    return Settings(db_path=str(db), port=port, listen_host="127.0.0.1", quiet_hours=None,
                    whatsapp=WhatsAppSettings(token=api.token, phone_number_id=api.phone_number_id,
                                              app_secret=api.app_secret, verify_token="verify-me",
                                              api_url=api.url, checkin_template=template))


@contextmanager
def whatsapp_in_thread(coach, api, db: Path, template: str = "", clock=None):
    """`umkm-coach whatsapp`'s server and loops on an event loop in a thread; yields (service, channel).

    The fake's webhook_url is pointed at it."""
    from bot.channels import whatsapp
    from bot.channels.serve import Stopper, serve

    port = free_port()
    api.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
    storage = Storage(db)
    service = CoachService(coach, storage, quiet_hours=None, **({"clock": clock} if clock else {}))
    settings = whatsapp_settings(api, port, db, template)
    part = whatsapp.part(settings, service, Stopper())
    loop = asyncio.new_event_loop()
    task = loop.create_task(serve(settings, service, [part]))
    thread = threading.Thread(target=lambda: (asyncio.set_event_loop(loop), _until_done(loop, task)),
                              name="whatsapp", daemon=True)
    thread.start()
    _wait_for_port(port)
    try:
        yield service, part.routes[0][2]["channel"]
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=30)
        loop.close()
        storage.close()


def _until_done(loop, task) -> None:
    with suppress(asyncio.CancelledError):
        loop.run_until_complete(task)


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")
