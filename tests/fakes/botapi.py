"""FakeBotAPI: the fake's state, starting and stopping it, and what tests observe of the bot (sent messages, calls, waiting)."""
from __future__ import annotations

import asyncio
import copy
import itertools
import socket
import threading
import time
from typing import Any, Callable

from .faults import FaultsMixin
from .methods import MethodsMixin
from .routing import RoutingMixin, Server
from .updates import UpdatesMixin
from .users import UsersMixin

__all__ = ["FakeBotAPI"]


class FakeBotAPI(RoutingMixin, FaultsMixin, UpdatesMixin, UsersMixin, MethodsMixin):
    """An in-memory Telegram Bot API over real HTTP (standard library only), with only the methods the bot calls.

    Start it, point python-telegram-bot at it, simulate users, and observe what the bot did::

        with FakeBotAPI() as api:
            bot = telegram.Bot(api.token, base_url=f"{api.url}/bot")
            api.send_text(42, "/start")
            api.wait_for_sent(42, 1)

    Requests arrive at ``{url}/bot{token}/{method}``. All state (pending updates, chats, messages,
    commands, webhook) lives in this object, so a bot process can be SIGKILLed and restarted
    against the same server.

    Methods: getMe, getUpdates, setWebhook, deleteWebhook, setMyCommands, sendMessage,
    editMessageText, sendPhoto, sendDocument, answerCallbackQuery, answerInlineQuery; any other
    method is answered 404 "Not Found" (and recorded in `errors`).

    Where this server is stricter than Telegram: a bare ``&`` or an unknown/unterminated entity
    such as ``&nbsp;``/``&lt`` in HTML text is rejected (real Telegram keeps it literally; the
    documentation requires escaping, so a bot passing this is correct for both); parse_mode is
    HTML or none (no Markdown), reply markup an inline keyboard, files are uploads (no file_id or
    URL), photos PNG and chat ids numbers -- all the bot uses. Where it is more lenient: webhooks
    may use plain http and any port; unknown chat ids are accepted (and created); no flood limits
    unless faults are injected (see set_faults).
    """

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "umkm_coach_bot",
                 bot_id: int = 123456, host: str = "127.0.0.1", port: int = 0, *,
                 bot_first_name: str = "UMKM Coach"):
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.bot_first_name = bot_first_name
        self.host = host
        self._httpd = Server((host, port), self)
        self.port = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._started = False

        # observation
        self.calls: list[tuple[str, dict]] = []
        self.errors: list[tuple[str, dict, str]] = []
        self.answered_callbacks: list[str] = []
        self.callback_answers: dict[str, dict] = {}
        self.inline_answers: dict[str, dict] = {}
        self.my_commands: dict[tuple[str, str], list[dict]] = {}

        # state
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._messages: dict[int, dict[int, dict]] = {}
        self._next_message_id: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._callback_queries: dict[str, dict] = {}
        self._inline_queries: dict[str, dict] = {}
        self._counter = itertools.count(1)

        self._init_updates()
        self._init_faults()
        self._init_routing()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> "FakeBotAPI":
        if self._started:
            return self
        self._started = True
        server_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                         name=f"fakebotapi:{self.port}", daemon=True)
        webhook_thread = threading.Thread(target=self._webhook_loop, name=f"fakebotapi-webhook:{self.port}",
                                          daemon=True)
        self._threads = [server_thread, webhook_thread]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        if self._started:
            self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        self._started = False

    def __enter__(self) -> "FakeBotAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _track_connection(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ---------------------------------------------------------------- observing the bot

    @staticmethod
    def _public(rec: dict) -> dict:
        result = {
            "message_id": rec["message_id"], "chat_id": rec["chat_id"], "text": rec["text"],
            "parse_mode": rec["parse_mode"], "reply_markup": copy.deepcopy(rec["reply_markup"]),
            "edits": rec["edits"], "method": rec["method"], "plain_text": rec["plain_text"],
            "entities": copy.deepcopy(rec["entities"]), "date": rec["date"],
        }
        if rec.get("caption") is not None or rec["kind"] != "text":
            result["caption"] = rec.get("caption")
        for key in ("document", "photo"):
            if rec.get(key):
                f = rec[key]
                result[key] = {"filename": f["filename"], "bytes": f["bytes"], "mime_type": f["mime_type"],
                               "file_id": f["file_id"]}
        return result

    def sent(self, chat_id: int) -> list[dict]:
        """The bot's messages in the chat, current state, in order of first sending."""
        with self._lock:
            return [self._public(rec) for rec in self._messages.get(chat_id, {}).values() if rec["from_bot"]]

    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, predicate: Callable[["FakeBotAPI"], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate(self):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))

    def _sent_timeout_message(self, chat_id: int, count: int, timeout: float) -> str:
        with self._lock:
            sent = [(m["message_id"], m["method"], m["text"] if m["text"] is not None else m.get("caption"))
                    for m in self.sent(chat_id)]
            recent = [(name, params) for name, params in self.calls if name != "getUpdates"][-10:]
            return (f"timed out after {timeout}s waiting for {count} bot message(s) in chat {chat_id}; "
                    f"got {len(sent)}: {sent!r}\nlast API calls: {recent!r}\nerrors: {self.errors!r}\n"
                    f"pending updates: {len(self._updates)}")

    def wait_for_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict]:
        if not self.wait_for(lambda api: len(api.sent(chat_id)) >= count, timeout):
            raise AssertionError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    async def wait_for_async(self, predicate: Callable[["FakeBotAPI"], bool], timeout: float = 10.0) -> bool:
        """Like wait_for, but does not block an event loop (for a bot running in the same loop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if predicate(self):
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)

    async def wait_for_sent_async(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict]:
        if not await self.wait_for_async(lambda api: len(api.sent(chat_id)) >= count, timeout):
            raise AssertionError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    def __repr__(self) -> str:
        return f"<FakeBotAPI {self.url} calls={len(self.calls)} pending={len(self._updates)}>"
