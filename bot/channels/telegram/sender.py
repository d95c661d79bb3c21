"""The Telegram channel's sending side: replies formatted for Telegram, sent through the bot with PTB's errors mapped."""
from __future__ import annotations

import logging
from typing import Sequence

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from ...core.model import Button
from ...text.render import to_plain
from ..base import TELEGRAM_OWNERS, Blocked, Message, OutFile, RetryLater, Sent, Unreachable
from .markup import LIMITS, TEXT_LIMIT, keyboard, split_message

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def seconds(value) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class TelegramSender:
    """format() and send() of the channel protocol, for one bot."""
    name = "telegram"
    limits = LIMITS
    owners = TELEGRAM_OWNERS

    def __init__(self, bot: Bot):
        self.bot = bot

    def format(self, text: str, buttons: Sequence[Sequence[Button]], replace: bool,
               source_message_id: int | None) -> list[Message]:
        """Telegram HTML is the rich text itself; long texts are cut; a replacing single part edits in place."""
        parts = split_message(text)
        rows = tuple(tuple((b.label, b.data) for b in row) for row in buttons)
        edit = source_message_id if replace and len(parts) == 1 else None
        return [Message(part, rows if i == len(parts) - 1 else (), edit) for i, part in enumerate(parts)]

    async def send(self, chat_id: int, message: Message, file: OutFile | None = None) -> Sent:
        try:
            return await self._send(chat_id, message, file)
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except RetryAfter as exc:
            raise RetryLater(seconds(exc.retry_after)) from exc
        except NetworkError as exc:   # includes TimedOut (BadRequest is a NetworkError too: handled below)
            if isinstance(exc, BadRequest):
                return await self._refused(chat_id, message, exc)
            raise Unreachable(str(exc)) from exc

    async def _refused(self, chat_id: int, message: Message, exc: BadRequest) -> Sent:
        """Telegram refused a message: it will not take it later either, so it is logged and let go."""
        if message.file:
            log.error("Telegram refused a file (%s); not sent", exc.message)
        elif "not modified" not in exc.message.lower():   # else the owner has it already
            log.error("Telegram refused a reply (%s); sent as plain text instead", exc.message)
            try:
                await self.bot.send_message(chat_id, to_plain(message.text)[:TEXT_LIMIT],
                                            reply_markup=_markup(message))
            except TelegramError as again:
                log.error("plain-text reply refused too: %s", again)
        return Sent()

    async def _send(self, chat_id: int, message: Message, made: OutFile | None) -> Sent:
        bot = self.bot
        if made is not None:
            upload = InputFile(made.data, filename=made.filename)
            if made.picture:
                try:
                    await bot.send_photo(chat_id, upload, caption=made.caption or None, parse_mode=ParseMode.HTML)
                    return Sent()
                except BadRequest as exc:   # e.g. a very tall plan: Telegram limits photos' proportions
                    log.info("picture refused as a photo (%s); sent as a file", exc.message)
                    upload = InputFile(made.data, filename=made.filename)
            await bot.send_document(chat_id, upload, caption=made.caption or None, parse_mode=ParseMode.HTML)
            return Sent()
        if message.file:
            return Sent()   # a file with nothing to show (made elsewhere as None)
        if message.edit:
            try:
                await bot.edit_message_text(message.text, chat_id=chat_id, message_id=message.edit,
                                            parse_mode=ParseMode.HTML, reply_markup=_markup(message),
                                            link_preview_options=NO_PREVIEW)
                return Sent()
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return Sent()
                if "not found" not in exc.message.lower() and "can't be edited" not in exc.message.lower():
                    raise
        sent = await bot.send_message(chat_id, message.text, parse_mode=ParseMode.HTML,
                                      reply_markup=_markup(message), link_preview_options=NO_PREVIEW)
        # in a group (private chats have the user's positive id) only the owner may press its buttons
        return Sent(sent.message_id, ties_owner=bool(message.buttons) and chat_id < 0)


    def checkin_nudge(self) -> None:
        return None   # Telegram has no reply window: check-ins go as they are


def _markup(message: Message):
    return keyboard(message.buttons) if message.buttons else None
