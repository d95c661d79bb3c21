"""A python-telegram-bot request class that answers like the Bot API and records every call (no network)."""
from __future__ import annotations

import json
import time
from collections import Counter
from itertools import count

from telegram.request import BaseRequest, RequestData

BOT = {"id": 123456, "is_bot": True, "first_name": "Coach UMKM", "username": "umkm_coach_bot"}


class RecordingRequest(BaseRequest):
    def __init__(self, keep_calls: bool = True):
        """keep_calls=False only counts calls per method (benchmarks: thousands of kept payloads
        would grow the process by tens of MB and spoil the peak-memory figure)."""
        self.calls: list[tuple[str, dict]] = []
        self.counts: Counter[str] = Counter()
        self.keep_calls = keep_calls
        self._ids = count(1000)

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data: RequestData | None = None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data and request_data.multipart_data:   # uploaded files: (filename, bytes, mime type)
            params.update(request_data.multipart_data)
        self.counts[name] += 1
        if self.keep_calls:
            self.calls.append((name, params))
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto"):
            # The real API echoes the message back, so PTB parses a Message per reply: keep that cost.
            markup = params.get("reply_markup")
            result = {"message_id": params.get("message_id") or next(self._ids), "date": int(time.time()),
                      "chat": {"id": params["chat_id"], "type": "private"}, "from": BOT}
            if "text" in params:
                result["text"] = params["text"]
            if markup:
                result["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        elif name == "getUpdates":
            result = []
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, chat_id: int) -> list[dict]:
        return [p for name, p in self.calls if name in ("sendMessage", "editMessageText")
                and int(p["chat_id"]) == chat_id]

    def files(self, chat_id: int) -> list[tuple[str, bytes]]:
        """(filename, content) of every document or photo sent to the chat."""
        out = []
        for name, params in self.calls:
            if name in ("sendDocument", "sendPhoto") and int(params["chat_id"]) == chat_id:
                field = params.get("document") or params.get("photo")
                out.append((field[0], field[1]))
        return out


def run_offline(service, updates, settings=None, post_init: bool = False) -> tuple[RecordingRequest, list]:
    """Feed update dicts through the real Telegram Application, answered by a RecordingRequest.

    An update may be a callable, built when its turn comes (it can read what earlier ones stored).
    Returns the request (every Bot API call) and the errors the handlers raised.
    """
    import asyncio

    from telegram import Update

    from bot.channels.telegram import build_application
    from bot.config import Settings

    request, errors = RecordingRequest(), []
    app = build_application(service, settings or Settings(token="123:ABC"), request=request, rate_limit=False)

    async def run():
        async def record(update, context):
            errors.append(context.error)
        app.add_error_handler(record)
        await app.initialize()
        if post_init:   # what run_polling would do first (setMyCommands, jobs)
            await app.bot_data["handlers"].post_init(app)
        for update in updates:
            await app.process_update(Update.de_json(update() if callable(update) else update, app.bot))
        await app.shutdown()

    asyncio.run(run())
    return request, errors
