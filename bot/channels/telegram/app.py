"""The python-telegram-bot Application: handlers wired, logging without the token, long polling or a webhook."""
from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from collections import deque

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          InlineQueryHandler, MessageHandler, TypeHandler, filters)
from telegram.request import BaseRequest

from ...advice.knowledge import KnowledgeBase
from ...app import logs
from ...app.service import CoachService
from ...config import Settings
from ...core import callbacks
from ...core.checkins import STATUSES
from ..serve import Part, Stopper
from ..web import PortBusy
from . import webhook
from .handlers import TelegramHandlers
from .markup import LIMITS
from .sender import seconds

log = logging.getLogger(__name__)
POLL_TIMEOUT_SECONDS = 30    # long polling: how long one getUpdates waits for news
REFUSED_WAIT_SECONDS = (1.0, 60.0)   # first and longest wait before asking again for an update the database refused


def check_payloads(kb: KnowledgeBase) -> None:
    """Every button payload the coach can make fits Telegram's 64 bytes; else refuse to start, naming the entry."""
    longest_status = max((*STATUSES, "tambah"), key=len)
    too_long = [e.id for e in kb.entries
                if len(callbacks.checkin(e.id, longest_status).encode()) > LIMITS.button_data]
    if too_long:
        raise ValueError(f"knowledge ids too long for Telegram's {LIMITS.button_data}-byte buttons: {too_long}")


def build_application(service: CoachService, settings: Settings, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None, rate_limit: bool = True) -> Application:
    """The Application with our handlers; tests pass a request class that records calls."""
    check_payloads(service.coach.kb)
    handlers = TelegramHandlers(service)
    builder = (ApplicationBuilder().token(settings.token)
               .base_url(f"{settings.api_url}/bot").base_file_url(f"{settings.api_url}/file/bot")
               .post_init(handlers.post_init))
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    only_messages = filters.UpdateType.MESSAGE   # edited messages and channel posts are ignored on purpose
    app.add_handler(CommandHandler(sorted(service.coach.flow.commands), handlers.on_command, filters=only_messages))
    app.add_handler(MessageHandler(only_messages & filters.COMMAND, handlers.on_unknown_command))
    app.add_handler(MessageHandler(only_messages & filters.TEXT, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_handler(InlineQueryHandler(handlers.on_inline))
    # status updates (a pinned message, the auto-delete timer, members joining) are not said to the coach
    app.add_handler(MessageHandler(only_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   handlers.on_unsupported))
    app.add_handler(TypeHandler(Update, handlers.on_ignored))   # last: whatever no handler above took
    app.add_error_handler(handlers.on_error)
    app.bot_data["handlers"] = handlers
    return app


def run(settings: Settings, service: CoachService) -> int:
    """Long polling, or a webhook when WEBHOOK_URL is set, until stopped; the exit code."""
    logs.configure(settings.secrets, settings.log_level)
    app = build_application(service, settings)
    mode = f"webhook on {settings.listen_host}:{settings.port}" if settings.webhook_url else "long polling"
    log.info("started: %s, database %s", mode, service.storage.path)
    try:
        asyncio.run(_until_signalled(app, webhook.serve(app, settings) if settings.webhook_url else poll(app)))
    except PortBusy as exc:
        log.error("%s", exc)
        return 1
    log.info("stopped")
    return 1 if service.lost else 0


def part(settings: Settings, service: CoachService, stopper: Stopper) -> Part:
    """The Telegram bot as one part of a coach serving several channels: its webhook route on the shared
    server when WEBHOOK_URL is set, else long polling beside the others."""
    app = build_application(service, settings)
    app.bot_data["stop"] = stopper   # a lost database stops the whole process
    if not settings.webhook_url:
        return Part("Telegram long polling", loops=[lambda: poll(app)])
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    return Part("Telegram webhook", webhook.routes(app, settings, secret),
                lambda: webhook.registered(app, settings, secret))


async def _until_signalled(app: Application, work) -> None:
    """Run `work`; SIGTERM (`docker stop`), Ctrl-C and a lost database cancel it so it can stop cleanly."""
    task = asyncio.ensure_future(work)
    app.bot_data["stop"] = task.cancel
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass


def fair_order(updates: list[Update]) -> list[Update]:
    """The batch round-robin across owners, each owner's updates in their order: when a crowd arrives,
    one owner's burst of twenty messages waits its turns instead of holding everyone else's replies."""
    queues: dict[object, deque[Update]] = {}
    for update in updates:
        user = update.effective_user
        queues.setdefault(user.id if user else ("update", update.update_id), deque()).append(update)
    order = []
    while queues:
        for who in list(queues):
            order.append(queues[who].popleft())
            if not queues[who]:
                del queues[who]
    return order


async def poll(app: Application, timeout: float = POLL_TIMEOUT_SECONDS) -> None:
    """Long polling that confirms an update to Telegram only after it has been handled.

    PTB's run_polling asks for the next batch (which confirms the last one) while that batch still
    waits in memory, so a crash lost every queued message. Here each update is handled (its state
    and replies committed) before the getUpdates that confirms it: after a crash Telegram sends it
    again and the service skips whatever it had already committed. An update the database refused
    is not confirmed: it is asked for again after a wait that grows while the refusals last.

    An offset is sent only to confirm what was handled: after a quiet week Telegram may number new
    updates below it, and an offset left over from before would ask it to skip them.
    """
    handlers: TelegramHandlers = app.bot_data["handlers"]
    async with app:   # initialize() ... shutdown()
        await app.bot.delete_webhook()
        if app.post_init:
            await app.post_init(app)
        await app.start()   # the job queue: outbox sweeps and check-ins
        confirm, wait = None, 0.0
        try:
            while not handlers.service.lost:
                try:
                    updates = await app.bot.get_updates(offset=confirm, timeout=timeout,
                                                        allowed_updates=Update.ALL_TYPES)
                except RetryAfter as exc:
                    await asyncio.sleep(seconds(exc.retry_after))
                    continue
                except (NetworkError, Conflict) as exc:
                    log.warning("getUpdates failed, trying again: %s", exc)
                    await asyncio.sleep(1)
                    continue
                handled: set[int] = set()
                for update in fair_order(updates):
                    if not await handlers.process(app, update):
                        first, longest = REFUSED_WAIT_SECONDS
                        wait = min(max(wait * 2, first), longest)
                        if not handlers.service.lost:
                            await asyncio.sleep(wait)
                        break
                    wait = 0.0
                    handled.add(update.update_id)
                # confirm up to the first update not handled: Telegram sends it again, with the later ones
                # (those handled already are skipped by their keys); None once the call above confirmed all
                unhandled = [u.update_id for u in updates if u.update_id not in handled]
                confirm = unhandled[0] if unhandled else (updates[-1].update_id + 1 if updates else None)
        finally:
            await app.stop()
