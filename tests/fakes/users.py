"""Simulated users: what they write, the buttons they press, their inline queries, raw updates and blocking the bot."""
from __future__ import annotations

import copy
import json
import time
from typing import Any

from .telegram_html import utf16_len

__all__ = ["UsersMixin", "bot_command_entities"]


def bot_command_entities(text: str) -> list[dict]:
    """Bot commands the way tdlib's match_bot_commands finds them (offsets in UTF-16)."""
    def word(ch: str) -> bool:
        return ch.isalnum() or ch == "_"

    def cmd_char(ch: str) -> bool:
        return ch.isascii() and (ch.isalnum() or ch == "_")

    result = []
    n = len(text)
    pos = 0
    while True:
        pos = text.find("/", pos)
        if pos < 0:
            break
        if pos > 0 and (word(text[pos - 1]) or text[pos - 1] in "/<>"):
            pos += 1
            continue
        start = pos
        pos += 1
        while pos < n and cmd_char(text[pos]):
            pos += 1
        if not 1 <= pos - start - 1 <= 64:
            continue
        end = pos
        if pos < n and text[pos] == "@":
            pos += 1
            mention_begin = pos
            while pos < n and cmd_char(text[pos]):
                pos += 1
            if not 3 <= pos - mention_begin <= 32:
                continue
            end = pos
        if pos < n and (word(text[pos]) or text[pos] in "/<>"):
            continue
        result.append({"type": "bot_command", "offset": utf16_len(text[:start]),
                       "length": utf16_len(text[start:end])})
    return result



class UsersMixin:
    def _user(self, user_id: int, first_name: str = "Budi", username: str | None = None,
              last_name: str | None = None, language_code: str | None = "id") -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        user["username"] = username or f"user{user_id}"
        if language_code:
            user["language_code"] = language_code
        return user

    def _ensure_chat(self, chat_id: int, chat_type: str = "private", user: dict | None = None,
                     title: str | None = None) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_type == "private":
                chat = {"id": chat_id, "type": "private",
                        "first_name": (user or {}).get("first_name", "User")}
                if user and user.get("last_name"):
                    chat["last_name"] = user["last_name"]
                if user and user.get("username"):
                    chat["username"] = user["username"]
            else:
                chat = {"id": chat_id, "type": chat_type, "title": title or "Grup UMKM"}
            self._chats[chat_id] = chat
            self._messages.setdefault(chat_id, {})
            self._next_message_id.setdefault(chat_id, 1)
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def send_text(self, user_id: int, text: str, chat_id: int | None = None, chat_type: str = "private",
                  first_name: str = "Budi", *, username: str | None = None, last_name: str | None = None,
                  language_code: str | None = "id", chat_title: str | None = None,
                  **message_extra: Any) -> int:
        """A user writes `text` (may be "" with e.g. document=... in message_extra). Returns update_id."""
        with self._cond:
            user = self._user(user_id, first_name, username, last_name, language_code)
            self._users[user_id] = user
            if chat_id is None:
                chat_id = user_id if chat_type == "private" else (
                    -(1_000_000_000_000 + user_id) if chat_type == "supergroup" else -user_id)
            chat = self._ensure_chat(chat_id, chat_type, user, chat_title)
            message_id = self._new_message_id(chat_id)
            message: dict[str, Any] = {"message_id": message_id, "from": user, "chat": dict(chat),
                                       "date": int(time.time())}
            if text:
                message["text"] = text
                entities = bot_command_entities(text)
                if entities:
                    message["entities"] = entities
            message.update(copy.deepcopy(message_extra))
            self._messages[chat_id][message_id] = {
                "message_id": message_id, "chat_id": chat_id, "from_bot": False,
                "json": message, "text": text, "kind": "user"}
            return self._enqueue({"message": message})

    def press_button(self, user_id: int, message_id: int, callback_data: str, chat_id: int | None = None,
                     *, strict: bool = True) -> int:
        """The user presses an inline button of bot message `message_id`. Returns update_id.

        With strict (default) the message must currently carry a button with that callback_data,
        as Telegram only produces callback queries for existing buttons.
        """
        with self._cond:
            chat_id = user_id if chat_id is None else chat_id
            rec = self._messages.get(chat_id, {}).get(message_id)
            if rec is None or not rec["from_bot"]:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            if strict:
                datas = [button.get("callback_data")
                         for row in (rec["reply_markup"] or {}).get("inline_keyboard", [])
                         for button in row]
                if callback_data not in datas:
                    raise LookupError(
                        f"message {message_id} in chat {chat_id} has no button with callback_data "
                        f"{callback_data!r}; buttons: {datas}")
            user = self._users.get(user_id) or self._user(user_id)
            self._users[user_id] = user
            query_id = str(4_242_000_000_000_000_000 + next(self._counter))
            self._callback_queries[query_id] = {"answered": False, "chat_id": chat_id,
                                                "message_id": message_id, "data": callback_data}
            query = {"id": query_id, "from": user, "message": self._message_json(rec),
                     "chat_instance": str(-(abs(chat_id) * 7919 % 10**18)), "data": callback_data}
            return self._enqueue({"callback_query": query})

    def send_inline_query(self, user_id: int, query: str, offset: str = "") -> int:
        """The user types `@bot query` in any chat. Returns update_id."""
        with self._cond:
            user = self._users.get(user_id) or self._user(user_id)
            query_id = str(5_353_000_000_000_000_000 + next(self._counter))
            self._inline_queries[query_id] = {"answered": False}
            return self._enqueue({"inline_query": {"id": query_id, "from": user, "query": query,
                                                   "offset": offset, "chat_type": "sender"}})

    def push_update(self, update: dict) -> int:
        """Queue any raw update (a deep copy); update_id is assigned when missing."""
        return self._enqueue(json.loads(json.dumps(update)))

    def block_user(self, chat_id: int) -> None:
        """Later sends to the chat get 403 "Forbidden: bot was blocked by the user"."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)
