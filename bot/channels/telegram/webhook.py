"""The webhook server: Telegram's call is answered only once its update is handled and committed, so what failed comes again.

python-telegram-bot's own run_webhook answers 200 as soon as an update is queued; an update whose
handling then fails is gone. This server (tornado, which python-telegram-bot's webhook extra
already brings) answers 200 after handling, 503 when the database refused the update (Telegram
re-sends it with a back-off of its own), 403 without the right secret. GET /healthz says whether the
database can be written, for Docker and load balancers.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from contextlib import asynccontextmanager
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Application
from tornado.web import RequestHandler

from ...config import Settings
from ..web import Route, listen

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(RequestHandler):
    def initialize(self, app: Application, secret: str) -> None:
        self.app, self.secret = app, secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook call from %s refused: wrong or missing secret", self.request.remote_ip)
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook call refused: not an update (%s)", exc)
            self.set_status(400)
            return
        handled = await self.app.bot_data["handlers"].process(self.app, update)
        self.set_status(200 if handled else 503)

    def log_exception(self, *args) -> None:   # tornado's own traceback for a handler error stays out
        log.error("webhook call failed", exc_info=args)


def routes(app: Application, settings: Settings, secret: str) -> list[Route]:
    path = "/" + urlparse(settings.webhook_url).path.lstrip("/")
    return [(path, UpdateHandler, {"app": app, "secret": secret})]


@asynccontextmanager
async def registered(app: Application, settings: Settings, secret: str):
    """The bot ready, the webhook registered with its secret, the job queue running; stopped at the end."""
    async with app:   # initialize() ... shutdown(): the bot is ready before the first call
        await app.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        if not settings.webhook_secret:
            log.info("WEBHOOK_SECRET is not set: generated a new secret for this run and registered it "
                     "with setWebhook")
        if app.post_init:
            await app.post_init(app)
        await app.start()   # the job queue: outbox sweeps and check-ins
        try:
            yield
        finally:
            await app.stop()


async def serve(app: Application, settings: Settings) -> None:
    """Listen, register the webhook with its secret, then handle calls until cancelled."""
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    server = listen(routes(app, settings, secret), app.bot_data["handlers"].service.health,
                    settings.port, settings.listen_host)
    try:
        async with registered(app, settings, secret):
            await asyncio.Event().wait()
    finally:
        server.stop()
