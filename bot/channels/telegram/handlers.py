"""Telegram's updates as the core's actions: python-telegram-bot handlers that translate, hand over and deliver."""
from __future__ import annotations

import logging
import re
from dataclasses import replace

from telegram import (BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineQueryResultArticle,
                      InputTextMessageContent, Update)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from ...app.service import CoachService
from ...core.model import Action, Command, Press, Start, Text
from ...text.render import cut, rich_text, to_plain
from ..base import Incoming
from .markup import split_message
from .sender import NO_PREVIEW, TelegramSender

log = logging.getLogger(__name__)
OUTBOX_SWEEP_SECONDS = 5.0   # how often replies stuck by network trouble are tried again
CHECKIN_SECONDS = 30.0       # how often due check-ins are looked for
INLINE_CACHE_SECONDS = 300   # the knowledge changes only with a deploy


class TelegramHandlers:
    def __init__(self, service: CoachService):
        self.service = service
        self.sender: TelegramSender | None = None   # made with the bot, at the first update

    def channel(self, bot) -> TelegramSender:
        if self.sender is None or self.sender.bot is not bot:
            self.sender = TelegramSender(bot)
        return self.sender

    async def _run(self, update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action,
                   source_message_id: int | None = None) -> None:
        user, chat = update.effective_user, update.effective_chat
        private = chat.type == ChatType.PRIVATE
        incoming = Incoming(user.id, chat.id, replace(action, private=private), update.update_id,
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
        if target and target.lower() != (context.bot.username or "").lower():
            return   # a command for another bot in a group: not ours to answer
        if not target and update.effective_chat.type != ChatType.PRIVATE:
            return   # a bare unknown command in a group is most likely another bot's
        await self._run(update, context, Command(name=name[:40]))

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
        await self._run(update, context, Text(text=text))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user, chat = update.effective_user, update.effective_chat
        if self.service.already_handled(user.id, update.update_id):
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
            return
        channel = self.channel(context.bot)
        self.service.notice(channel, user.id, chat.id, "unsupported.j2")
        await self.service.deliver(channel, user.id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_user and update.effective_chat:
            try:
                channel = self.channel(context.bot)
                self.service.notice(channel, update.effective_user.id, update.effective_chat.id, "error.j2")
                await self.service.deliver(channel, update.effective_user.id)
            except Exception:   # the apology must never raise out of the error handler
                log.exception("could not tell the owner about the error")

    # ---- jobs and start-up

    async def sweep(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what a crash or a network outage left in the outbox."""
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

