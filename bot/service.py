"""One owner action through the core, committed with its rendered replies before any channel sends them."""
from __future__ import annotations

from dataclasses import dataclass

from . import render
from .conversation import Action, Coach, Reply
from .storage import Storage


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    chat_id: int
    text: str                                   # Telegram HTML
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()   # rows of (label, callback data)
    edit_message_id: int | None = None         # edit this message (whose button was pressed) instead

    @classmethod
    def from_payload(cls, outbox_id: int, chat_id: int, payload: dict) -> "Outgoing":
        buttons = tuple(tuple((b[0], b[1]) for b in row) for row in payload.get("buttons", ()))
        return cls(outbox_id, chat_id, payload["text"], buttons, payload.get("edit"))


def payloads(replies: list[Reply], edit_message_id: int | None = None) -> list[dict]:
    """Render replies to Telegram HTML messages within Telegram's size limit; buttons on the last part."""
    out = []
    for reply in replies:
        parts = render.split_message(render.html_message(reply.template, **reply.context))
        buttons = [[[b.label, b.data] for b in row] for row in reply.buttons]
        for i, text in enumerate(parts):
            last = i == len(parts) - 1
            edit = edit_message_id if reply.replace and len(parts) == 1 else None
            out.append({"text": text, "buttons": buttons if last else [], "edit": edit})
    return out


class CoachService:
    def __init__(self, coach: Coach, storage: Storage):
        self.coach = coach
        self.storage = storage

    def handle(self, owner_id: int, chat_id: int, action: Action, update_id: int | None = None,
               first_name: str = "", edit_message_id: int | None = None) -> list[Outgoing]:
        """Run the action and commit the new state and replies; an update seen before does nothing."""
        session, last_update = self.storage.load(owner_id)
        if update_id is not None and update_id <= last_update:
            return []
        outcome = self.coach.handle(session, action)
        messages = payloads(outcome.replies, edit_message_id)
        ids = self.storage.save(owner_id, chat_id, outcome.session, outcome.events, messages,
                                update_id=update_id, first_name=first_name)
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def notice(self, owner_id: int, chat_id: int, template: str, **context) -> list[Outgoing]:
        """A reply outside the flow (unsupported message, error): queued like any other, state untouched."""
        messages = payloads([Reply(template, context)])
        ids = self.storage.enqueue(owner_id, chat_id, messages)
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def pending(self, owner_id: int | None = None) -> list[Outgoing]:
        return [Outgoing.from_payload(r["id"], r["chat_id"], r["payload"]) for r in self.storage.pending(owner_id)]
