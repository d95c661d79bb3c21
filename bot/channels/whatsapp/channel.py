"""The WhatsApp channel's sending side: replies as WhatsApp messages, files uploaded then sent, owners' numbers as ids."""
from __future__ import annotations

import logging
from typing import Sequence

from ...core.model import Button
from ...text.render import to_plain
from ..base import WHATSAPP_OWNERS, Message, OutFile, Sent
from .graph import GraphAPI, Refused
from .markup import BODY_LIMIT, LIMITS, TEXT_LIMIT, format_reply, interactive, to_whatsapp

log = logging.getLogger(__name__)
MAX_DIGITS = 15   # E.164: a phone number has at most 15 digits


def owner_of(wa_id: str) -> int | None:
    """The coach's owner id for a WhatsApp number (None for anything that is not one)."""
    digits = wa_id.lstrip("+")
    if not digits.isdigit() or len(digits) > MAX_DIGITS:
        return None
    return WHATSAPP_OWNERS.start + int(digits)


def wa_id_of(owner_id: int) -> str:
    return str(owner_id - WHATSAPP_OWNERS.start)


class WhatsAppChannel:
    name = "whatsapp"
    limits = LIMITS
    owners = WHATSAPP_OWNERS

    def __init__(self, graph: GraphAPI, folders, list_button: str, checkin_template: str = "",
                 template_language: str = "id"):
        self.graph = graph
        self.folders = folders             # the coach's template folders (a few words of the channel's own)
        self.list_button = list_button     # the label of the button that opens a list of choices
        self.checkin_template = checkin_template
        self.template_language = template_language

    def format(self, text: str, buttons: Sequence[Sequence[Button]], replace: bool,
               source_message_id: int | None) -> list[Message]:
        """WhatsApp cannot edit a sent message: a replacing reply is a new one (the core keeps those short)."""
        return format_reply(text, buttons, self.folders)

    def checkin_nudge(self) -> Message | None:
        return Message(template=self.checkin_template) if self.checkin_template else None

    async def send(self, chat_id: int, message: Message, file: OutFile | None = None) -> Sent:
        to = wa_id_of(chat_id)
        try:
            await self._send(to, message, file)
        except Refused as exc:
            await self._refused(to, message, exc)
        return Sent()

    async def _send(self, to: str, message: Message, made: OutFile | None) -> None:
        if made is not None:
            mime = "image/png" if made.picture else _mime(made.filename)
            media = await self.graph.upload(made.data, mime, made.filename)
            caption = to_whatsapp(made.caption)[:BODY_LIMIT]
            if made.picture:
                await self.graph.send(to, "image", {"id": media, "caption": caption})
            else:
                await self.graph.send(to, "document", {"id": media, "filename": made.filename, "caption": caption})
        elif message.template:
            await self.graph.send(to, "template", {"name": message.template,
                                                   "language": {"code": self.template_language}})
        elif message.file:
            return   # a file with nothing to show
        elif message.buttons:
            await self.graph.send(to, "interactive", interactive(message.text, message.buttons, self.list_button))
        else:
            await self.graph.send(to, "text", {"body": message.text[:TEXT_LIMIT], "preview_url": False})

    async def _refused(self, to: str, message: Message, exc: Refused) -> None:
        """WhatsApp will not take it later either: logged and let go; choices fall back to numbered text."""
        if message.file or message.template or not message.buttons:
            log.error("WhatsApp refused a message (%s); not sent", exc)
            return
        log.error("WhatsApp refused a message with choices (%s); sent as text with numbered choices", exc)
        choices = [label for row in message.buttons for label, _ in row]
        text = message.text + "\n\n" + "\n".join(f"{n}. {label}" for n, label in enumerate(choices, 1))
        try:
            await self.graph.send(to, "text", {"body": to_plain(text)[:TEXT_LIMIT], "preview_url": False})
        except Refused as again:
            log.error("the text version was refused too: %s", again)


def _mime(filename: str) -> str:
    return {"pdf": "application/pdf", "json": "text/plain", "png": "image/png"}.get(
        filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
