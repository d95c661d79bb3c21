"""The Bot API methods the bot calls, besides updates: getMe, send/edit messages, photos and documents, answers, setMyCommands."""
from __future__ import annotations

import copy
import json
import re
import struct
import time
from typing import Any

from .routing import ApiError, bad
from .telegram_html import (MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH, TelegramParseError,
                            parse_html, trim, utf16_len)

__all__ = ["MethodsMixin"]

_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_COMMAND_SCOPES = frozenset({"default", "all_private_chats", "all_group_chats",
                             "all_chat_administrators", "chat", "chat_administrators", "chat_member"})
_BUTTON_ACTIONS = ("url", "callback_data", "web_app", "login_url", "switch_inline_query",
                   "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                   "copy_text", "callback_game", "pay")


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (the only picture format the bot sends), None when it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


class MethodsMixin:
    # ---------------------------------------------------------------- checks shared by the methods

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name,
                "username": self.bot_username}

    def _chat_for(self, params: dict, *, create: bool = True) -> dict:
        """The chat of params["chat_id"] (an int: the bot never addresses @channels); unknown chats
        are created when sending, like a user who just opened the bot."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if not create or chat_id == 0:
                raise bad("chat not found")
            chat = self._ensure_chat(chat_id, "private" if chat_id > 0 else "group", self._users.get(chat_id))
        return chat

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    @staticmethod
    def _format(text: Any, parse_mode: Any, *, caption: bool = False) -> tuple[str, list[dict]]:
        """(visible text, entities) of a text or caption; parse_mode is HTML or none, as the bot sends."""
        text = "" if text is None else str(text)
        if parse_mode in (None, ""):
            plain, ents = text, []
        elif str(parse_mode).lower() == "html":
            try:
                plain, ents = parse_html(text)
            except TelegramParseError as exc:
                raise bad(f"can't parse entities: {exc}") from None
        else:
            raise bad("unsupported parse_mode")
        plain, ents = trim(plain, ents)
        if caption:
            if utf16_len(plain) > MAX_CAPTION_LENGTH:
                raise bad("message caption is too long")
        else:
            if not plain:
                raise bad("message text is empty")
            if utf16_len(plain) > MAX_MESSAGE_LENGTH:
                raise bad("message is too long")
        return plain, ents

    @staticmethod
    def _markup(value: Any) -> dict | None:
        """An inline keyboard, checked like Telegram does (the bot sends no other reply markup)."""
        if value is None or value == "":
            return None
        if not isinstance(value, dict) or "inline_keyboard" not in value:
            raise bad("can't parse reply keyboard markup JSON object")
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if sum(len(row) for row in rows) > 100:
            raise bad("reply markup is too long")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                if not isinstance(button.get("text"), str):
                    raise bad("can't parse inline keyboard button: Field \"text\" must be of type String")
                if not any(k in button for k in _BUTTON_ACTIONS):
                    raise bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                              "inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not url.strip() or any(ch.isspace() for ch in url):
                        raise bad("BUTTON_URL_INVALID")
        return value

    def _message_json(self, rec: dict) -> dict:
        """The Bot API Message of a stored message (a user's as it was sent, the bot's as it stands)."""
        if not rec["from_bot"]:
            return copy.deepcopy(rec["json"])
        chat = self._chats[rec["chat_id"]]
        m: dict[str, Any] = {"message_id": rec["message_id"], "from": self._bot_user(), "chat": dict(chat),
                             "date": rec["date"]}
        if rec["edit_date"]:
            m["edit_date"] = rec["edit_date"]
        if rec["kind"] == "text":
            m["text"] = rec["plain_text"]
            if rec["entities"]:
                m["entities"] = copy.deepcopy(rec["entities"])
        else:
            f = rec[rec["kind"]]
            if rec["kind"] == "document":
                m["document"] = {"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                                 "file_name": f["filename"], "mime_type": f["mime_type"],
                                 "file_size": len(f["bytes"])}
            else:
                m["photo"] = copy.deepcopy(f["sizes"])
            if rec.get("caption_plain"):
                m["caption"] = rec["caption_plain"]
                if rec["caption_entities"]:
                    m["caption_entities"] = copy.deepcopy(rec["caption_entities"])
        if rec["reply_markup"]:
            m["reply_markup"] = copy.deepcopy(rec["reply_markup"])
        return m

    def _uploaded_file(self, params: dict, kind: str) -> dict:
        """The file uploaded as params[kind] (the bot uploads every file; it never resends a file_id or URL)."""
        value = params.get(kind)
        if not (isinstance(value, dict) and "bytes" in value):
            raise bad("wrong file identifier/HTTP URL specified")
        data = value["bytes"]
        if not data:
            raise bad("file must be non-empty")
        if len(data) > 50 * 1024 * 1024:
            raise ApiError(413, "Request Entity Too Large")
        n = next(self._counter)
        prefix = "AgACAgUAAxkBAAI" if kind == "photo" else "BQACAgUAAxkBAAI"
        return {"file_id": f"{prefix}{n:06d}{self.bot_id}", "file_unique_id": f"AQAD{n:08d}",
                "filename": value["filename"] or kind, "mime_type": value.get("mime_type"), "bytes": data}

    def _new_bot_message(self, chat_id: int, method: str, **fields: Any) -> dict:
        message_id = self._new_message_id(chat_id)
        rec = {"message_id": message_id, "chat_id": chat_id, "from_bot": True,
               "method": method, "date": int(time.time()), "edit_date": None, "edits": 0,
               "text": None, "plain_text": None, "entities": [], "parse_mode": None,
               "reply_markup": None, "kind": "text", "caption": None, "caption_plain": None,
               "caption_entities": []}
        rec.update(fields)
        self._messages.setdefault(chat_id, {})[message_id] = rec
        return rec

    # ---------------------------------------------------------------- the methods

    def _apiGetMe(self, params: dict) -> dict:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _apiSendMessage(self, params: dict) -> dict:
        plain, entities = self._format(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params.get("reply_markup"))
        chat = self._chat_for(params)
        self._check_blocked(chat["id"])
        rec = self._new_bot_message(chat["id"], "sendMessage", text=params.get("text"), plain_text=plain,
                                    entities=entities, parse_mode=params.get("parse_mode"), reply_markup=markup)
        return self._message_json(rec)

    def _send_file(self, params: dict, kind: str, method: str) -> dict:
        caption = params.get("caption")
        caption_plain, caption_entities = self._format(caption, params.get("parse_mode"), caption=True)
        markup = self._markup(params.get("reply_markup"))
        chat = self._chat_for(params)
        info = self._uploaded_file(params, kind)
        if kind == "photo":
            size = _png_size(info["bytes"])
            if size is None:
                raise bad("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * max(min(width, height), 1):
                raise bad("PHOTO_INVALID_DIMENSIONS")
            sizes = []
            for limit in (90, 320, 800, 1280, 2560):
                scale = min(1.0, limit / max(width, height, 1))
                sizes.append({"file_id": f"{info['file_id']}_{limit}", "file_unique_id": f"{info['file_unique_id']}{limit}",
                              "width": max(1, round(width * scale)), "height": max(1, round(height * scale)),
                              "file_size": len(info["bytes"])})
                if scale >= 1.0:
                    break
            sizes[-1]["file_id"] = info["file_id"]
            info["sizes"] = sizes
        self._check_blocked(chat["id"])
        rec = self._new_bot_message(chat["id"], method, kind=kind, caption=caption, caption_plain=caption_plain,
                                    caption_entities=caption_entities, parse_mode=params.get("parse_mode"),
                                    reply_markup=markup, **{kind: info})
        return self._message_json(rec)

    def _apiSendDocument(self, params: dict) -> dict:
        return self._send_file(params, "document", "sendDocument")

    def _apiSendPhoto(self, params: dict) -> dict:
        return self._send_file(params, "photo", "sendPhoto")

    def _apiEditMessageText(self, params: dict) -> dict:
        chat = self._chat_for(params, create=False)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        rec = self._messages.get(chat["id"], {}).get(message_id) if isinstance(message_id, int) else None
        if rec is None:
            raise bad("message to edit not found")
        if not rec["from_bot"]:  # Telegram refuses to edit other users' messages
            raise bad("message can't be edited")
        if rec["kind"] != "text":
            raise bad("there is no text in the message to edit")
        plain, entities = self._format(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params.get("reply_markup"))
        if plain == rec["plain_text"] and entities == rec["entities"] and markup == rec["reply_markup"]:
            raise bad(_NOT_MODIFIED)
        self._check_blocked(rec["chat_id"])
        rec.update(text=params.get("text"), plain_text=plain, entities=entities,
                   parse_mode=params.get("parse_mode"), reply_markup=markup, edit_date=int(time.time()))
        rec["edits"] += 1
        return self._message_json(rec)

    def _apiAnswerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callback_queries.get(query_id)
        if query is None or query["answered"]:
            raise bad(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        self.answered_callbacks.append(query_id)
        self.callback_answers[query_id] = dict(params)
        return True

    def _apiAnswerInlineQuery(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        query = self._inline_queries.get(query_id)
        if query is None or query["answered"]:
            raise bad(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad("can't parse JSON encoded inline query results")
        if len(results) > 50:
            raise bad("RESULTS_TOO_MUCH")
        ids = [r.get("id") for r in results if isinstance(r, dict)]
        if len(ids) != len(results) or any(not isinstance(i, str) or not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad("RESULT_ID_DUPLICATE")
        query["answered"] = True
        self.inline_answers[query_id] = dict(params)
        return True

    # ---------------------------------------------------------------- command menus

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    def _apiSetMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name.lstrip("/"), "description": description})
        scope = params.get("scope")
        if scope is not None:
            if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
                raise bad("can't parse BotCommandScope JSON object")
            if scope["type"] in ("chat", "chat_administrators", "chat_member"):
                self._chat_for(scope, create=False)  # an operator who never opened the bot: "chat not found"
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise bad("invalid language code specified")
        key = self._scope_key(scope, language)
        if clean:
            self.my_commands[key] = clean
        else:
            self.my_commands.pop(key, None)
        return True

    def commands_for(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The command menu the bot set for that scope (default: the default scope) and language."""
        with self._lock:
            return copy.deepcopy(self.my_commands.get(self._scope_key(scope, language_code), []))
