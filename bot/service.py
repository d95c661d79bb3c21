"""One owner action through the core, committed with its rendered replies before any channel sends them."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace

from . import render, stats
from .conversation import Action, Coach, Reply
from .storage import Storage

WIB_OFFSET_SECONDS = 7 * 3600   # owners read times in Western Indonesian Time (UTC+7)


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    chat_id: int
    text: str                                   # Telegram HTML; empty for a file
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()   # rows of (label, callback data)
    edit_message_id: int | None = None         # edit this message (whose button was pressed) instead
    file: str | None = None                    # a file to make at send time: "datasaya", ...

    @classmethod
    def from_payload(cls, outbox_id: int, chat_id: int, payload: dict) -> "Outgoing":
        buttons = tuple(tuple((b[0], b[1]) for b in row) for row in payload.get("buttons", ()))
        return cls(outbox_id, chat_id, payload.get("text", ""), buttons, payload.get("edit"), payload.get("file"))


@dataclass(frozen=True)
class OutFile:
    filename: str
    data: bytes
    caption: str = ""   # Telegram HTML


def payloads(replies: list[Reply], edit_message_id: int | None = None) -> list[dict]:
    """Render replies to Telegram HTML messages within Telegram's size limit; buttons on the last part.

    A reply's file goes as its own message after the text, so a failed upload never re-sends the text.
    """
    out = []
    for reply in replies:
        parts = render.split_message(render.html_message(reply.template, **reply.context))
        buttons = [[[b.label, b.data] for b in row] for row in reply.buttons]
        for i, text in enumerate(parts):
            last = i == len(parts) - 1
            edit = edit_message_id if reply.replace and len(parts) == 1 else None
            out.append({"text": text, "buttons": buttons if last else [], "edit": edit})
        if reply.attachment:
            out.append({"file": reply.attachment})
    return out


def wib(timestamp: float | None) -> str:
    if not timestamp:
        return "—"
    return time.strftime("%d-%m-%Y %H:%M WIB", time.gmtime(timestamp + WIB_OFFSET_SECONDS))


class CoachService:
    def __init__(self, coach: Coach, storage: Storage, admin_ids: frozenset[int] = frozenset()):
        self.coach = coach
        self.storage = storage
        self.admin_ids = admin_ids

    def handle(self, owner_id: int, chat_id: int, action: Action, update_id: int | None = None,
               first_name: str = "", edit_message_id: int | None = None) -> list[Outgoing]:
        """Run the action and commit the new state and replies; an update seen before does nothing."""
        session, last_update = self.storage.load(owner_id)
        if update_id is not None and update_id <= last_update:
            return []
        outcome = self.coach.handle(session, replace(action, operator=owner_id in self.admin_ids))
        replies = [self._with_records(owner_id, reply) for reply in outcome.replies]
        messages = payloads(replies, edit_message_id)
        ids = self.storage.save(owner_id, chat_id, outcome.session, outcome.events, messages,
                                update_id=update_id, first_name=first_name)
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def _with_records(self, owner_id: int, reply: Reply) -> Reply:
        """Replies that show stored records (not the session) get them here, where storage is known."""
        if reply.attachment == "datasaya":
            stored = self.storage.export(owner_id)
            owner = stored["owners"][0] if stored["owners"] else None
            summary = {"owner": owner and {**owner, "created": wib(owner["created_at"]),
                                           "updated": wib(owner["updated_at"])},
                       "lookups": stored["lookups"], "events": stored["events"]}
            return replace(reply, context={**reply.context, "stored": summary})
        if reply.attachment == "statistik":
            return replace(reply, context={**reply.context, "stats": stats.compute(self.storage),
                                           "step_names": self.coach.flow.steps})
        return reply

    def file(self, owner_id: int, kind: str) -> OutFile | None:
        """Make the file a queued message asks for, from what is stored now; None if there is nothing."""
        names = self.coach.flow.data["files"]
        if kind == "datasaya":
            data = {"dibuat": wib(time.time()), "keterangan": names["datasaya"]["note"],
                    **self.storage.export(owner_id)}
            return OutFile(names["datasaya"]["filename"],
                           json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
                           names["datasaya"]["caption"])
        return None

    def notice(self, owner_id: int, chat_id: int, template: str, **context) -> list[Outgoing]:
        """A reply outside the flow (unsupported message, error): queued like any other, state untouched."""
        messages = payloads([Reply(template, context)])
        ids = self.storage.enqueue(owner_id, chat_id, messages)
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def pending(self, owner_id: int | None = None) -> list[Outgoing]:
        return [Outgoing.from_payload(r["id"], r["chat_id"], r["payload"]) for r in self.storage.pending(owner_id)]
