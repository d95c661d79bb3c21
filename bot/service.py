"""One owner action through the core, committed with its rendered replies before any channel sends them."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

from . import checkins, render, stats
from .conversation import Action, Coach, Reply
from .storage import Storage

log = logging.getLogger(__name__)
STATS_REUSE_SECONDS = 30


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
    caption: str = ""     # Telegram HTML
    picture: bool = False  # best shown as a photo (the channel may fall back to a document)


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


class CoachService:
    def __init__(self, coach: Coach, storage: Storage, admin_ids: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.time, quiet_hours: tuple[int, int] | None = checkins.QUIET_HOURS):
        self.coach = coach
        self.storage = storage
        self.admin_ids = admin_ids
        self.clock = clock   # tests pass their own, to cross days and quiet hours without sleeping
        self.quiet_hours = quiet_hours
        self._stats: tuple[float, stats.Stats] | None = None

    def handle(self, owner_id: int, chat_id: int, action: Action, update_id: int | None = None,
               first_name: str = "", edit_message_id: int | None = None) -> list[Outgoing]:
        """Run the action and commit the new state and replies; an update seen before does nothing."""
        session, last_update = self.storage.load(owner_id)
        if update_id is not None and update_id <= last_update:
            return []
        now = self.clock()
        outcome = self.coach.handle(session, replace(action, operator=owner_id in self.admin_ids, now=now,
                                                     quiet_hours=self.quiet_hours))
        replies = [self._with_records(owner_id, reply) for reply in outcome.replies]
        messages = payloads(replies, edit_message_id)
        ids = self.storage.save(owner_id, chat_id, outcome.session, outcome.events, messages,
                                update_id=update_id, first_name=first_name, now=now,
                                touch=action.kind != "checkin")   # a check-in we send is not activity
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def _with_records(self, owner_id: int, reply: Reply) -> Reply:
        """Replies that show stored records (not the session) get them here, where storage is known."""
        if reply.attachment == "datasaya":
            stored = self.storage.export(owner_id)
            owner = stored["owners"][0] if stored["owners"] else None
            summary = {"owner": owner and {**owner, "created": checkins.wib_text(owner["created_at"]),
                                           "updated": checkins.wib_text(owner["updated_at"])},
                       "lookups": stored["lookups"], "events": stored["events"]}
            return replace(reply, context={**reply.context, "stored": summary})
        if reply.attachment == "statistik":
            return replace(reply, context={**reply.context, **self.stats_context()})
        return reply

    def file(self, owner_id: int, kind: str) -> OutFile | None:
        """Make the file a queued message asks for, from what is stored now; None if there is nothing."""
        make = self.file_maker(owner_id, kind)
        return make() if make else None

    def file_maker(self, owner_id: int, kind: str) -> Callable[[], OutFile] | None:
        """Read what the file needs now; return the (slow, storage-free) drawing to run off the event loop."""
        names = self.coach.flow.data["files"]
        if kind == "datasaya":
            data = {"dibuat": checkins.wib_text(self.clock()), "keterangan": names["datasaya"]["note"],
                    **self.storage.export(owner_id)}
            return lambda: OutFile(names[kind]["filename"], json.dumps(data, ensure_ascii=False, indent=1).encode(),
                                   names[kind]["caption"])
        if kind in ("rencana_png", "rencana_pdf"):
            from . import plan_files   # imaging libraries load only when a file is asked for
            session, _ = self.storage.load(owner_id)
            if session is None or not session.plan:
                return None
            sheet = plan_files.plan_sheet(self.coach, session)
            draw = plan_files.plan_png if kind == "rencana_png" else plan_files.plan_pdf
            return lambda: OutFile(names[kind]["filename"], draw(sheet), names[kind]["caption"],
                                   picture=kind == "rencana_png")
        if kind == "statistik":
            from . import charts
            funnel = self.funnel()
            return lambda: OutFile(names[kind]["filename"], charts.funnel_png(funnel, names[kind]["title"]),
                                   names[kind]["caption"], picture=True)
        return None

    def stats_context(self) -> dict:
        """What stats.j2 shows (Telegram's /statistik and `umkm-coach stats` alike)."""
        return {"stats": self.stats(), "step_names": self.coach.flow.steps,
                "funnel_done": self.coach.flow.data["funnel_done"],
                "titles": {e.id: e.title for e in self.coach.kb.entries},
                "status_labels": self.coach.flow.data["plan_status"]}

    def stats(self) -> stats.Stats:
        """The operators' figures; the /statistik text and its chart, made moments apart, share one
        computation (at 100,000 owners it reads ~450k events)."""
        now = self.clock()
        if self._stats is None or now - self._stats[0] > STATS_REUSE_SECONDS:
            self._stats = (now, stats.compute(self.storage, now))
        return self._stats[1]

    def funnel(self) -> list[tuple[str, int]]:
        """The funnel with the steps' names, for the chart."""
        steps = self.coach.flow.steps
        return [(steps.get(step, self.coach.flow.data["funnel_done"]), n)
                for step, n in self.stats().funnel]

    def send_due_checkins(self, only: int | None = None) -> list[int]:
        """Queue every check-in due now (or only `only`'s; none in the quiet hours); return who got one.

        Each goes out once: the reminder leaves the session in the same commit that queues its messages.
        """
        now = self.clock()
        if checkins.is_quiet(now, self.quiet_hours):
            return []
        owners = []
        for owner_id in self.storage.due_checkins(now):
            if only is not None and owner_id != only:
                continue
            try:   # to the private chat (Telegram gives it the owner's id), never to a group
                if self.handle(owner_id, owner_id, Action("checkin")):
                    owners.append(owner_id)
            except Exception:   # one owner's trouble must not hold back everyone else's check-in
                log.exception("check-in for owner %s failed", owner_id)
        return owners

    def inline(self, query: str) -> list[tuple[str, str, str, str]]:
        """(id, title, description, card HTML) for an inline query."""
        cards = self.coach.inline_cards(query, self.storage.popular_tactics())
        return [(c.context["entry"].id, c.context["entry"].title, c.context["entry"].summary,
                 render.split_message(render.html_message(c.template, **c.context))[0]) for c in cards]

    def notice(self, owner_id: int, chat_id: int, template: str, **context) -> list[Outgoing]:
        """A reply outside the flow (unsupported message, error): queued like any other, state untouched."""
        messages = payloads([Reply(template, context)])
        ids = self.storage.enqueue(owner_id, chat_id, messages)
        return [Outgoing.from_payload(i, chat_id, m) for i, m in zip(ids, messages)]

    def pending(self, owner_id: int | None = None) -> list[Outgoing]:
        return [Outgoing.from_payload(r["id"], r["chat_id"], r["payload"]) for r in self.storage.pending(owner_id)]
