"""An in-process channel that keeps the rich text as it is and collects what it sends; `handle` drives a service."""
from __future__ import annotations

import asyncio

from bot.channels.base import TELEGRAM_OWNERS, Incoming, Limits, Message, OutFile, Outgoing, Sent


class CollectingChannel:
    name = "collect"
    limits = Limits(text=4096, buttons_per_message=None, button_label=None, button_data=None, edits=True)
    owners = TELEGRAM_OWNERS

    def checkin_nudge(self):
        return None

    def __init__(self):
        self.sent: list[tuple[int, Message, OutFile | None]] = []

    def format(self, text, buttons, replace, source_message_id):
        rows = tuple(tuple((b.label, b.data) for b in row) for row in buttons)
        return [Message(text, rows, source_message_id if replace else None)]

    async def send(self, chat_id: int, message: Message, file: OutFile | None = None) -> Sent:
        self.sent.append((chat_id, message, file))
        return Sent()


CHANNEL = CollectingChannel()


def handle(service, owner_id: int, chat_id: int, action, update_id: int | None = None, first_name: str = "",
           edit_message_id: int | None = None, channel=CHANNEL) -> list[Outgoing]:
    """One action through the service, as a channel would hand it over; the committed replies."""
    key = None if update_id is None else f"u:{update_id}"
    return service.handle(channel, Incoming(owner_id, chat_id, action, key, first_name, edit_message_id))


def deliver(service, owner_id: int, channel=CHANNEL) -> None:
    asyncio.run(service.deliver(channel, owner_id))
