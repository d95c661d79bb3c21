"""WhatsApp's webhook: the verification handshake, signed deliveries as the core's actions, answered once committed.

Every POST must carry X-Hub-Signature-256, the HMAC-SHA256 of the raw body under the app secret:
without it 401, with a wrong one 403, and nothing changes. A delivery is answered 200 once each
message in it is handled and its replies committed (then they are sent), 503 when the database
refused one (WhatsApp delivers it again; what was committed is skipped by its message id).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Callable, Iterator

from tornado.web import RequestHandler

from ...app.service import CoachService, DatabaseLost, StorageUnavailable
from ...core.model import Action, Command, Press, Start, Text
from ..base import Incoming
from .channel import WhatsAppChannel, owner_of
from .markup import TEXT_LIMIT   # an owner's text longer than WhatsApp's own limit is cut

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"
UNREADABLE = frozenset({"audio", "voice", "image", "sticker", "location", "video", "document", "contacts",
                        "unsupported"})   # a kind "please type" reply; reactions and system notes pass quietly


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def messages_in(body: dict) -> Iterator[tuple[dict, str]]:
    """Each owner message in a delivery, with the sender's profile name; statuses are only logged."""
    for entry in body.get("entry") or ():
        for change in entry.get("changes") or ():
            value = change.get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "") for c in value.get("contacts") or ()}
            for status in value.get("statuses") or ():
                if status.get("status") == "failed":
                    codes = [e.get("code") for e in status.get("errors") or ()]
                    log.warning("WhatsApp could not deliver a message (error %s)", codes)
            for message in value.get("messages") or ():
                yield message, names.get(message.get("from"), "") or ""


def action_of(message: dict, commands: dict[str, str], name: str) -> Action | str | None:
    """The core's action for a message; "unreadable" for voice notes, photos and the like; None to ignore."""
    kind = message.get("type")
    if kind == "text":
        text = str((message.get("text") or {}).get("body", ""))[:TEXT_LIMIT].strip()
        if text.startswith("/") and len(text) > 1:   # slash commands work as on Telegram
            word, _, args = text[1:].partition(" ")
            if commands.get(word.lower()) == "start":
                return Start(user_name=name)
            return Command(name=word[:40], args=args.strip())
        return Text(text=text)
    if kind == "interactive":
        reply = message.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return Press(data=str(chosen.get("id", ""))[:256])
    if kind == "button":   # a template's quick reply: its words, as if typed
        return Text(text=str((message.get("button") or {}).get("text", ""))[:TEXT_LIMIT])
    return "unreadable" if kind in UNREADABLE else None


class WebhookHandler(RequestHandler):
    def initialize(self, service: CoachService, channel: WhatsAppChannel, app_secret: str, verify_token: str,
                   stop: Callable[[], None]) -> None:
        self.service, self.channel = service, channel
        self.app_secret, self.verify_token, self.stop = app_secret, verify_token, stop

    def get(self) -> None:
        """Meta's subscription handshake: the challenge back when the verify token matches."""
        mode = self.get_query_argument("hub.mode", "")
        token = self.get_query_argument("hub.verify_token", "")
        if mode == "subscribe" and hmac.compare_digest(token.encode(), self.verify_token.encode()):
            self.set_header("Content-Type", "text/plain")
            self.finish(self.get_query_argument("hub.challenge", ""))
            return
        log.warning("webhook verification from %s refused: wrong verify token", self.request.remote_ip)
        self.set_status(403)

    async def post(self) -> None:
        header = self.request.headers.get(SIGNATURE_HEADER)
        if header is None or not signature_ok(self.app_secret, self.request.body, header):
            log.warning("webhook call from %s refused: %s signature", self.request.remote_ip,
                        "no" if header is None else "a wrong")
            self.set_status(401 if header is None else 403)
            return
        try:
            body = json.loads(self.request.body)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            log.warning("webhook call refused: not a WhatsApp delivery (%s)", exc)
            self.set_status(400)
            return
        owners, committed = self._take(body)
        self.set_status(200 if committed else 503)
        self.finish()   # WhatsApp has its answer; the committed replies go out now
        for owner_id in owners:
            await self.service.deliver(self.channel, owner_id)

    def _take(self, body: dict) -> tuple[list[int], bool]:
        """Handle each message in order; the owners who have replies waiting, and whether all were committed."""
        owners: list[int] = []
        commands = self.service.coach.flow.commands
        for message, name in messages_in(body):
            owner_id, key = owner_of(str(message.get("from", ""))), f"w:{message.get('id', '')}"
            action = action_of(message, commands, name)
            if owner_id is None or action is None:
                continue
            try:
                if action == "unreadable":
                    self.service.notice(self.channel, owner_id, owner_id, "unsupported.j2", key=key)
                else:
                    self.service.handle(self.channel, Incoming(owner_id, owner_id, action, key, name[:64]))
            except StorageUnavailable as exc:
                log.warning("a WhatsApp message was not taken: the database cannot be written (%s); "
                            "WhatsApp will deliver it again", exc)
                if isinstance(exc, DatabaseLost):
                    self.stop()
                return owners, False
            except Exception:   # one message's trouble: the owner hears so, the others are handled
                log.exception("error while handling a WhatsApp message")
                self._apologise(owner_id, key)
            if owner_id not in owners:
                owners.append(owner_id)
        return owners, True

    def _apologise(self, owner_id: int, key: str) -> None:
        try:
            self.service.notice(self.channel, owner_id, owner_id, "error.j2", key=key)
        except Exception:   # the apology must never take the delivery down with it
            log.exception("could not tell the owner about the error")

    def log_exception(self, *args) -> None:   # tornado's own traceback (with the request) stays out
        log.error("webhook call failed", exc_info=args)
