"""Telegram's updates as the core's actions: python-telegram-bot handlers that translate, hand over and deliver."""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import replace

from telegram import (BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineQueryResultArticle,
                      InputTextMessageContent, Update)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from ...app.service import CoachService, DatabaseLost, StorageUnavailable
from ...core.model import Action, Command, Press, Start, Text
from ...text.render import cut, rich_text, to_plain
from ..base import Incoming
from .markup import split_message
from .sender import NO_PREVIEW, TelegramSender

log = logging.getLogger(__name__)
OUTBOX_SWEEP_SECONDS = 5.0   # how often replies stuck by network trouble are tried again
CHECKIN_SECONDS = 30.0       # how often due check-ins are looked for
INLINE_CACHE_SECONDS = 300   # the knowledge changes only with a deploy
APOLOGIES_REMEMBERED = 10_000   # updates already apologised for while the database failed
SEQUENCE_JUMP = 1000   # a fall in update_id bigger than this is a new sequence, not a late re-send


def update_key(update: Update) -> str:
    """What makes an update itself, whatever its update_id (which may restart lower after a quiet week)."""
    if update.callback_query:
        return f"c:{update.callback_query.id}"
    message = update.effective_message
    if message is not None and update.effective_chat is not None:
        return f"m:{update.effective_chat.id}:{message.message_id}"
    return f"u:{update.update_id}"


class TelegramHandlers:
    def __init__(self, service: CoachService):
        self.service = service
        self.sender: TelegramSender | None = None   # made with the bot, at the first update
        self.unconfirmed: set[int] = set()   # update ids the database could not take: Telegram must send them again
        self._apologised: OrderedDict[str, None] = OrderedDict()

    def channel(self, bot) -> TelegramSender:
        if self.sender is None or self.sender.bot is not bot:
            self.sender = TelegramSender(bot)
        return self.sender

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action,
                   source_message_id: int | None = None) -> None:
        user, chat = update.effective_user, update.effective_chat
        private = chat.type == ChatType.PRIVATE
        incoming = Incoming(user.id, chat.id, replace(action, private=private), update_key(update),
                            user.first_name or "", source_message_id)
        channel = self.channel(context.bot)
        self.service.handle(channel, incoming)
        await self.service.deliver(channel, user.id)

    # ---- handlers

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        name = message.text.split()[0][1:].split("@")[0].lower()
        if self.service.coach.flow.commands.get(name) == "start":
            action: Action = Start(user_name=update.effective_user.first_name or "")
        else:
            action = Command(name=name, args=" ".join(context.args or []))
        await self._run(update, context, action)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        word = update.effective_message.text.split()[0][1:]
        name, _, target = word.partition("@")
        if (target and target.lower() != (context.bot.username or "").lower()) or \
                (not target and update.effective_chat.type != ChatType.PRIVATE):
            # for another bot in a group (a bare unknown command there most likely is too)
            log.debug("update %s ignored: another bot's command", update.update_id)
            return
        await self._run(update, context, Command(name=name[:40]))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = message.text
        if update.effective_chat.type != ChatType.PRIVATE:
            mention = f"@{context.bot.username}"
            replied = message.reply_to_message and message.reply_to_message.from_user \
                and message.reply_to_message.from_user.id == context.bot.id
            if mention.lower() not in text.lower() and not replied:
                log.debug("update %s ignored: group chatter, not for the coach", update.update_id)
                return   # only mentions and replies to the bot are for us
            text = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
        await self._run(update, context, Text(text=text))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user, chat = update.effective_user, update.effective_chat
        if self.service.already_handled(update_key(update)):
            log.info("skipped update %s (%s): already handled", update.update_id, update_key(update))
            return   # handled (and answered) before a restart; Telegram sent it again
        notice = None
        if chat is not None and chat.type != ChatType.PRIVATE and not self._presser_owns(query, user.id, chat.id):
            notice = to_plain(rich_text("not_your_button.j2", bot=context.bot.username or ""))
        try:
            await query.answer(notice)
        except TelegramError as exc:   # too old, or a network blip: the press is handled anyway
            log.info("could not answer a button press: %s", exc)
        if chat is None or notice:
            return   # under an inline-mode message (no chat to answer in), or someone else's button
        source = query.message.message_id if query.message else None
        await self._run(update, context, Press(data=query.data or ""), source_message_id=source)

    def _presser_owns(self, query, user_id: int, chat_id: int) -> bool:
        """In a group, is the pressed button from the presser's own conversation?"""
        owner = self.service.message_owner(chat_id, query.message.message_id) if query.message else None
        if owner is not None:
            return owner == user_id
        return self.service.chat_of(user_id) == chat_id   # a message from before owners were recorded

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        results = [InlineQueryResultArticle(
            id=entry_id, title=title, description=cut(summary, 120),
            input_message_content=InputTextMessageContent(split_message(card)[0], parse_mode=ParseMode.HTML,
                                                          link_preview_options=NO_PREVIEW))
            for entry_id, title, summary, card in self.service.inline(query.query or "")]
        try:
            await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)
        except TelegramError as exc:   # the owner typed on: this query is already stale
            log.info("could not answer an inline query: %s", exc)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != ChatType.PRIVATE:
            log.debug("update %s ignored: a non-text message outside a private chat", update.update_id)
            return
        channel = self.channel(context.bot)
        self.service.notice(channel, user.id, chat.id, "unsupported.j2", key=update_key(update))
        await self.service.deliver(channel, user.id)

    async def on_ignored(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Updates no handler takes (edited messages, channel posts, members joining): said in the debug log."""
        if isinstance(update, Update):
            kind = next((k for k, v in update.to_dict().items() if k != "update_id" and v), "?")
            log.debug("update %s ignored: %s is not for the coach", update.update_id, kind)

    async def process(self, app: Application, update: Update) -> bool:
        """Handle one update (polling and webhook alike); False when Telegram must send it again because
        the database refused it."""
        last = app.bot_data.get("last_update_id")
        if last is not None and update.update_id < last - SEQUENCE_JUMP:
            log.info("update ids went back from %s to %s: Telegram started a new sequence", last, update.update_id)
        app.bot_data["last_update_id"] = update.update_id
        await app.process_update(update)
        if update.update_id in self.unconfirmed:
            self.unconfirmed.discard(update.update_id)
            return False
        return True

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(context.error, StorageUnavailable) and isinstance(update, Update):
            self.unconfirmed.add(update.update_id)
            log.warning("update %s not taken: the database cannot be written (%s); Telegram will send it again",
                        update.update_id, context.error)
            await self._apologise(update, context)
            return
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_user and update.effective_chat:
            try:
                channel = self.channel(context.bot)
                self.service.notice(channel, update.effective_user.id, update.effective_chat.id, "error.j2",
                                    key=update_key(update))
                await self.service.deliver(channel, update.effective_user.id)
            except Exception:   # the apology must never raise out of the error handler
                log.exception("could not tell the owner about the error")

    async def _apologise(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Straight to the owner, not through the database that just failed; once per update."""
        chat, key = update.effective_chat, update_key(update)
        if chat is None or chat.type != ChatType.PRIVATE or key in self._apologised:
            return
        self._apologised[key] = None
        while len(self._apologised) > APOLOGIES_REMEMBERED:
            self._apologised.popitem(last=False)
        channel = self.channel(context.bot)
        try:
            for message in channel.format(rich_text("storage_trouble.j2", comes_back=True), [], False, None):
                await channel.send(chat.id, message)
        except Exception as exc:   # the update comes back anyway; the apology is a courtesy
            log.info("could not send the apology to %s: %s", chat.id, exc)

    # ---- jobs and start-up

    async def sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what a crash or a network outage left in the outbox; stop the bot if its database is gone."""
        try:
            self.service.check_file()
        except DatabaseLost:
            stop = context.application.bot_data.get("stop")   # set by run(); tests serve without it
            if stop:
                stop()
            return
        await self.service.outbox.sweep(self.channel(context.bot))

    async def send_checkins(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue due check-ins (also those missed while the bot was down), then deliver them."""
        channel = self.channel(context.bot)
        for owner_id in self.service.send_due_checkins(channel):
            await self.service.deliver(channel, owner_id)

    async def post_init(self, app: Application) -> None:
        labels = self.service.coach.flow.labels
        commands = [BotCommand(name, text) for name, text in labels["commands"].items()]
        for language in ("id", None):
            await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
        operator_menu = commands + [BotCommand(name, text) for name, text in labels["operator_commands"].items()]
        for admin_id in sorted(self.service.admin_ids):
            try:   # operators see their commands in their own chat's menu
                await app.bot.set_my_commands(operator_menu, scope=BotCommandScopeChat(admin_id))
            except TelegramError as exc:   # an operator who never opened the bot has no chat yet
                log.info("no operator menu for %s yet: %s", admin_id, exc)
        if app.job_queue:
            app.job_queue.run_repeating(self.sweep, interval=OUTBOX_SWEEP_SECONDS, first=0.1)
            app.job_queue.run_repeating(self.send_checkins, interval=CHECKIN_SECONDS, first=1.0)

