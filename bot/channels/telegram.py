"""Telegram channel: a python-telegram-bot Application whose handlers only translate updates to core calls."""
from __future__ import annotations

import asyncio
import logging
import re
import signal
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urlparse

from telegram import (BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardButton,
                      InlineKeyboardMarkup, InlineQueryResultArticle, InputFile, InputTextMessageContent,
                      LinkPreviewOptions, Update)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler,
                          CommandHandler, ContextTypes, InlineQueryHandler, MessageHandler, filters)
from telegram.request import BaseRequest

from .. import render
from ..config import Settings
from ..conversation import COMMANDS, Action
from ..service import CoachService, Outgoing

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 4            # per message per delivery round; what is left waits in the outbox
RETRY_BASE_SECONDS = 0.5
OUTBOX_SWEEP_SECONDS = 5.0   # how often replies stuck by network trouble are tried again
POLL_TIMEOUT_SECONDS = 30    # long polling: how long one getUpdates waits for news
CHECKIN_SECONDS = 30.0        # how often due check-ins are looked for
INLINE_CACHE_SECONDS = 300   # the knowledge changes only with a deploy
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TokenScrubber(logging.Formatter):
    """Blanks the bot token out of every formatted log line, tracebacks included (URLs carry it)."""

    def __init__(self, token: str, fmt: str):
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self.token, "<token>") if self.token else text


def configure_logging(token: str, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level)
    logging.getLogger().setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)   # it logs request URLs, token included
    scrubber = TokenScrubber(token, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setFormatter(scrubber)


def _seconds(value) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _markup(message: Outgoing) -> InlineKeyboardMarkup | None:
    return _keyboard(message.buttons) if message.buttons else None


@lru_cache(maxsize=1024)
def _keyboard(buttons: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    """Keyboards repeat (each question offers the same buttons) and PTB's objects are immutable: build each once."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons])


class TelegramChannel:
    def __init__(self, service: CoachService, settings: Settings):
        self.service = service
        self.settings = settings
        self._locks: dict[int, asyncio.Lock] = {}

    # ---- delivery: the outbox, per owner, in order

    async def deliver(self, bot, owner_id: int) -> None:
        lock = self._locks.setdefault(owner_id, asyncio.Lock())
        async with lock:
            for message in self.service.pending(owner_id):
                if not await self._send(bot, owner_id, message):
                    return   # keep the order: later replies wait behind the stuck one

    async def _send(self, bot, owner_id: int, message: Outgoing) -> bool:
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._send_once(bot, owner_id, message)
            except Forbidden:
                log.info("owner %s blocked the bot; marked inactive", owner_id)
                self.service.storage.set_active(owner_id, False)
                self.service.storage.drop_pending(owner_id)
                return False
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except BadRequest as exc:
                if message.file:
                    log.error("Telegram refused a file (%s); not sent", exc.message)
                elif "not modified" not in exc.message.lower():   # else the owner has it already
                    log.error("Telegram refused a reply (%s); sent as plain text instead", exc.message)
                    try:
                        await bot.send_message(message.chat_id, render.to_plain(message.text)[:4096],
                                               reply_markup=_markup(message))
                    except TelegramError as again:
                        log.error("plain-text reply refused too: %s", again)
            except NetworkError as exc:   # includes TimedOut; the reply stays queued
                log.warning("network trouble sending a reply (attempt %d): %s", attempt + 1, exc)
                if attempt + 1 < SEND_ATTEMPTS:
                    await asyncio.sleep(RETRY_BASE_SECONDS * 2 ** attempt)
                continue
            self.service.storage.mark_sent(message.outbox_id)
            return True
        return False

    async def _send_once(self, bot, owner_id: int, message: Outgoing) -> None:
        if message.file:
            make = self.service.file_maker(owner_id, message.file)
            if make is None:
                return
            try:
                made = await asyncio.to_thread(make)   # drawing a plan takes a moment: other owners go on
            except Exception:   # a file that cannot be made must not hold back the owner's next replies
                log.exception("could not make the %s file for owner %s", message.file, owner_id)
                return
            upload = InputFile(made.data, filename=made.filename)
            if made.picture:
                try:
                    await bot.send_photo(message.chat_id, upload, caption=made.caption or None,
                                         parse_mode=ParseMode.HTML)
                    return
                except BadRequest as exc:   # e.g. a very tall plan: Telegram limits photos' proportions
                    log.info("picture refused as a photo (%s); sent as a file", exc.message)
                    upload = InputFile(made.data, filename=made.filename)
            await bot.send_document(message.chat_id, upload, caption=made.caption or None,
                                    parse_mode=ParseMode.HTML)
            return
        if message.edit_message_id:
            try:
                await bot.edit_message_text(message.text, chat_id=message.chat_id,
                                            message_id=message.edit_message_id, parse_mode=ParseMode.HTML,
                                            reply_markup=_markup(message), link_preview_options=NO_PREVIEW)
                return
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return
                if "not found" not in exc.message.lower() and "can't be edited" not in exc.message.lower():
                    raise
        sent = await bot.send_message(message.chat_id, message.text, parse_mode=ParseMode.HTML,
                                      reply_markup=_markup(message), link_preview_options=NO_PREVIEW)
        if message.buttons and message.chat_id < 0:   # a group (private chats have the user's positive id)
            self.service.storage.remember_group_message(message.chat_id, sent.message_id, owner_id)

    async def sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what a crash or a network outage left in the outbox."""
        for owner_id in self.service.storage.pending_owners():
            await self.deliver(context.bot, owner_id)

    async def send_checkins(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue due check-ins (also those missed while the bot was down), then deliver them."""
        for owner_id in self.service.send_due_checkins():
            await self.deliver(context.bot, owner_id)

    # ---- handlers

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action,
                   edit_message_id: int | None = None) -> None:
        user, chat = update.effective_user, update.effective_chat
        action = replace(action, private=chat.type == ChatType.PRIVATE)
        self.service.handle(user.id, chat.id, action, update_id=update.update_id,
                            first_name=user.first_name or "", edit_message_id=edit_message_id)
        await self.deliver(context.bot, user.id)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        name = message.text.split()[0][1:].split("@")[0].lower()
        args = " ".join(context.args or [])
        if name in ("start", "mulai"):
            action = Action("start", user_name=update.effective_user.first_name or "")
        else:
            action = Action("command", name=name, text=args)
        await self._run(update, context, action)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        word = update.effective_message.text.split()[0][1:]
        name, _, target = word.partition("@")
        if target and target.lower() != (context.bot.username or "").lower():
            return   # a command for another bot in a group: not ours to answer
        if not target and update.effective_chat.type != ChatType.PRIVATE:
            return   # a bare unknown command in a group is most likely another bot's
        await self._run(update, context, Action("command", name=name[:40]))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = message.text
        if update.effective_chat.type != ChatType.PRIVATE:
            mention = f"@{context.bot.username}"
            replied = message.reply_to_message and message.reply_to_message.from_user \
                and message.reply_to_message.from_user.id == context.bot.id
            if mention.lower() not in text.lower() and not replied:
                return   # group chatter: only mentions and replies to the bot are for us
            text = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
        await self._run(update, context, Action("text", text=text))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user, chat = update.effective_user, update.effective_chat
        if update.update_id <= self.service.storage.last_update_id(user.id):
            return   # handled (and answered) before a restart; Telegram sent it again
        notice = None
        if chat is not None and chat.type != ChatType.PRIVATE and not self._presser_owns(query, user.id, chat.id):
            notice = render.to_plain(render.html_message("not_your_button.j2", bot=context.bot.username or ""))
        try:
            await query.answer(notice)
        except TelegramError as exc:   # too old, or a network blip: the press is handled anyway
            log.info("could not answer a button press: %s", exc)
        if chat is None or notice:
            return   # under an inline-mode message (no chat to answer in), or someone else's button
        source = query.message.message_id if query.message else None
        await self._run(update, context, Action("button", data=query.data or ""), edit_message_id=source)

    def _presser_owns(self, query, user_id: int, chat_id: int) -> bool:
        """In a group, is the pressed button from the presser's own conversation?"""
        storage = self.service.storage
        owner = storage.group_message_owner(chat_id, query.message.message_id) if query.message else None
        if owner is not None:
            return owner == user_id
        return storage.chat_of(user_id) == chat_id   # a message from before owners were recorded

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        results = [InlineQueryResultArticle(
            id=entry_id, title=title, description=render.cut(summary, 120),
            input_message_content=InputTextMessageContent(card, parse_mode=ParseMode.HTML,
                                                          link_preview_options=NO_PREVIEW))
            for entry_id, title, summary, card in self.service.inline(query.query or "")]
        try:
            await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)
        except TelegramError as exc:   # the owner typed on: this query is already stale
            log.info("could not answer an inline query: %s", exc)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        self.service.notice(user.id, chat.id, "unsupported.j2")
        await self.deliver(context.bot, user.id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_user and update.effective_chat:
            try:
                self.service.notice(update.effective_user.id, update.effective_chat.id, "error.j2")
                await self.deliver(context.bot, update.effective_user.id)
            except Exception:   # the apology must never raise out of the error handler
                log.exception("could not tell the owner about the error")

    async def post_init(self, app: Application) -> None:
        flow = self.service.coach.flow
        commands = [BotCommand(name, text) for name, text in flow.data["commands"].items()]
        for language in ("id", None):
            await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
        operator_menu = commands + [BotCommand(name, text) for name, text in flow.data["operator_commands"].items()]
        for admin_id in sorted(self.service.admin_ids):
            try:   # operators see their commands in their own chat's menu
                await app.bot.set_my_commands(operator_menu, scope=BotCommandScopeChat(admin_id))
            except TelegramError as exc:   # an operator who never opened the bot has no chat yet
                log.info("no operator menu for %s yet: %s", admin_id, exc)
        if app.job_queue:
            app.job_queue.run_repeating(self.sweep, interval=OUTBOX_SWEEP_SECONDS, first=0.1)
            app.job_queue.run_repeating(self.send_checkins, interval=CHECKIN_SECONDS, first=1.0)


def build_application(service: CoachService, settings: Settings, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None, rate_limit: bool = True) -> Application:
    """The Application with our handlers; tests pass a request class that records calls."""
    channel = TelegramChannel(service, settings)
    builder = (ApplicationBuilder().token(settings.token)
               .base_url(f"{settings.api_url}/bot").base_file_url(f"{settings.api_url}/file/bot")
               .post_init(channel.post_init))
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    only_messages = filters.UpdateType.MESSAGE   # edited messages and channel posts are ignored on purpose
    app.add_handler(CommandHandler(sorted(COMMANDS), channel.on_command, filters=only_messages))
    app.add_handler(MessageHandler(only_messages & filters.COMMAND, channel.on_unknown_command))
    app.add_handler(MessageHandler(only_messages & filters.TEXT, channel.on_text))
    app.add_handler(CallbackQueryHandler(channel.on_button))
    app.add_handler(InlineQueryHandler(channel.on_inline))
    # status updates (a pinned message, the auto-delete timer, members joining) are not said to the coach
    app.add_handler(MessageHandler(only_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   channel.on_unsupported))
    app.add_error_handler(channel.on_error)
    app.bot_data["channel"] = channel
    return app


def run(settings: Settings, service: CoachService) -> int:
    configure_logging(settings.token, logging.getLevelName(settings.log_level))
    app = build_application(service, settings)
    if settings.webhook_url:
        path = urlparse(settings.webhook_url).path.lstrip("/")
        app.run_webhook(listen="0.0.0.0", port=settings.port, url_path=path,
                        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret or None,
                        allowed_updates=Update.ALL_TYPES)
    else:
        asyncio.run(_until_signalled(poll(app)))
    return 0


async def _until_signalled(work) -> None:
    """Run `work`; SIGTERM (`docker stop`) and Ctrl-C cancel it so it can stop cleanly."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        log.info("stopped")


async def poll(app: Application) -> None:
    """Long polling that confirms an update to Telegram only after it has been handled.

    PTB's run_polling asks for the next batch (which confirms the last one) while that batch still
    waits in memory, so a crash lost every queued message. Here each update is handled (its state
    and replies committed) before the getUpdates that confirms it: after a crash Telegram sends it
    again and the service skips whatever it had already committed.
    """
    async with app:   # initialize() ... shutdown()
        await app.bot.delete_webhook()
        if app.post_init:
            await app.post_init(app)
        await app.start()   # the job queue: outbox sweeps and check-ins
        offset = 0
        try:
            while True:
                try:
                    updates = await app.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT_SECONDS,
                                                        allowed_updates=Update.ALL_TYPES)
                except RetryAfter as exc:
                    await asyncio.sleep(_seconds(exc.retry_after))
                    continue
                except (NetworkError, Conflict) as exc:
                    log.warning("getUpdates failed, trying again: %s", exc)
                    await asyncio.sleep(1)
                    continue
                for update in updates:
                    await app.process_update(update)
                    offset = update.update_id + 1
        finally:
            await app.stop()
