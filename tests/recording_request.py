"""A python-telegram-bot request class that answers like the Bot API and records every call (no network)."""
from __future__ import annotations

import json
import time
from itertools import count

from telegram.request import BaseRequest, RequestData

BOT = {"id": 123456, "is_bot": True, "first_name": "Coach UMKM", "username": "umkm_coach_bot"}


class RecordingRequest(BaseRequest):
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
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
        self.calls.append((name, params))
        if name == "getMe":
            result = BOT
        elif name in ("sendMessage", "editMessageText"):
            markup = params.get("reply_markup")
            result = {"message_id": params.get("message_id") or next(self._ids), "date": int(time.time()),
                      "chat": {"id": params["chat_id"], "type": "private"}, "from": BOT,
                      "text": params.get("text", "")}
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
