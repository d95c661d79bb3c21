"""One owner action through the core, committed with its formatted replies before any channel sends them."""
from __future__ import annotations

import gc
import json
import logging
import sqlite3
import time
from dataclasses import replace
from typing import Callable

from ..channels.base import Channel, Incoming, Message, OutFile, Outgoing
from ..core import questions, schedule
from ..core.engine import Coach
from ..core.model import Action, CheckinDue, Reply, Session
from ..storage import Storage
from ..text.render import rich_text
from . import compose, stats
from .outbox import Outbox

log = logging.getLogger(__name__)
STATS_REUSE_SECONDS = 30


def settle_for_running() -> None:
    """Mark all that is loaded at start (knowledge, lookup index, templates, the framework) as permanent,
    for a coach that runs for weeks: a full garbage collection then walks only what updates made, not
    all of it (one took ~140 ms inside an owner's reply, measured in benchmarks/bench_bot.py)."""
    gc.collect()
    gc.freeze()


class StorageUnavailable(Exception):
    """The database could not be written (full disk, read-only, gone): nothing of the update was committed."""


class DatabaseLost(StorageUnavailable):
    """The database file was deleted or replaced under the running coach: it takes no more updates."""


def _checkin_waits(session: Session | None, action: Action) -> bool:
    """The owner has a check-in that fell due and was not sent (it waits for them to write)."""
    return (session is not None and not isinstance(action, CheckinDue)
            and any(r["due"] <= action.now for r in session.reminders))


class CoachService:
    def __init__(self, coach: Coach, storage: Storage, admin_ids: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.time,
                 quiet_hours: tuple[int, int] | None = schedule.QUIET_HOURS):
        self.coach = coach
        self.storage = storage
        self.admin_ids = admin_ids
        self.clock = clock   # tests pass their own, to cross days and quiet hours without sleeping
        self.quiet_hours = quiet_hours
        self.outbox = Outbox(storage, self.file_maker)
        self._stats: tuple[float, stats.Stats] | None = None
        self.lost: str | None = None   # how the database file went away, once noticed

    # ---- actions

    def handle(self, channel: Channel, incoming: Incoming) -> list[Outgoing]:
        """Run the action and commit the new state with the replies in the channel's markup; queue them.

        An update seen before does nothing. Raises StorageUnavailable when nothing could be committed."""
        self.check_file()
        try:
            if incoming.key is not None and self.storage.seen(incoming.key):
                log.info("skipped update %s: already handled", incoming.key)
                return []
            return self._handle(channel, incoming)
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc

    def _handle(self, channel: Channel, incoming: Incoming) -> list[Outgoing]:
        owner_id = incoming.owner_id
        session = self.storage.load(owner_id)
        now = self.clock()
        action = replace(incoming.action, operator=owner_id in self.admin_ids, now=now,
                         quiet_hours=self.quiet_hours)
        if channel.limits.reply_window and _checkin_waits(session, action):
            # a check-in held back by the channel's reply window goes first, now that the owner wrote;
            # it asks about the plan without moving the step, so their message is then taken as usual
            held = self.coach.handle(session, CheckinDue(now=now, quiet_hours=self.quiet_hours))
            outcome = self.coach.handle(held.session, action)
            outcome.replies[:0], outcome.events[:0] = held.replies, held.events
        else:
            outcome = self.coach.handle(session, action)
        replies = [self._with_records(owner_id, reply) for reply in outcome.replies]
        messages = self.format(channel, replies, incoming.source_message_id)
        ids = self.storage.save(owner_id, incoming.chat_id, outcome.session, outcome.events,
                                [m.payload() for m in messages], key=incoming.key,
                                first_name=incoming.first_name, now=now,
                                touch=not isinstance(action, CheckinDue))   # a check-in we send is not activity
        return self._queued(owner_id, incoming.chat_id, ids, messages)

    def format(self, channel: Channel, replies: list[Reply], source_message_id: int | None = None) -> list[Message]:
        return compose.messages(channel, replies, self.coach.flow.template_folders, source_message_id)

    def notice(self, channel: Channel, owner_id: int, chat_id: int, template: str, key: str | None = None,
               **context) -> list[Outgoing]:
        """A reply outside the flow (unsupported message, error): queued like any other, state untouched."""
        self.check_file()
        messages = self.format(channel, [Reply(template, context)])
        try:
            if key is not None and self.storage.seen(key):
                return []
            ids = self.storage.enqueue(owner_id, chat_id, [m.payload() for m in messages], key)
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc
        return self._queued(owner_id, chat_id, ids, messages)

    # ---- the database file

    def check_file(self) -> None:
        """Raise DatabaseLost once the file was deleted or replaced; the first time, save what the open
        connection still holds beside it and say so loudly."""
        if self.lost is None:
            trouble = self.storage.file_trouble()
            if trouble is None:
                return
            self.lost = trouble
            log.error("%s", self._rescue(trouble))
        raise DatabaseLost(f"{self.storage.path} was {self.lost}")

    def _rescue(self, trouble: str) -> str:
        path = self.storage.path
        target = f"{path}.rescued-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            self.storage.copy_to(target)
        except (OSError, sqlite3.Error) as exc:
            return (f"{path} was {trouble} while the coach ran: no more updates are taken (Telegram keeps "
                    f"them). Saving its last state failed too ({exc}): restore from a backup, then restart.")
        return (f"{path} was {trouble} while the coach ran: no more updates are taken (Telegram keeps "
                f"them). Its last state is saved in {target}: stop the coach, move that file to {path}, "
                f"start again.")

    def health(self) -> str | None:
        """None when the database can be written now; else what is wrong, in a few words."""
        if self.lost:
            return f"database {self.lost}"
        try:
            self.check_file()
            self.storage.check_writable()
        except DatabaseLost:
            return f"database {self.lost}"
        except sqlite3.Error as exc:
            return str(exc)
        return None

    def _queued(self, owner_id: int, chat_id: int, ids: list[int], messages: list[Message]) -> list[Outgoing]:
        out = [Outgoing(i, owner_id, chat_id, m) for i, m in zip(ids, messages)]
        self.outbox.queue(out)
        return out

    async def deliver(self, channel: Channel, owner_id: int) -> None:
        await self.outbox.deliver(channel, owner_id)

    def pending(self, owner_id: int | None = None) -> list[Outgoing]:
        return self.outbox.pending(owner_id)

    def already_handled(self, key: str) -> bool:
        return self.storage.seen(key)

    def message_owner(self, chat_id: int, message_id: int) -> int | None:
        """Whose conversation a message with buttons in a group belongs to (None: not recorded)."""
        return self.storage.group_message_owner(chat_id, message_id)

    def chat_of(self, owner_id: int) -> int | None:
        return self.storage.chat_of(owner_id)

    def _with_records(self, owner_id: int, reply: Reply) -> Reply:
        """Replies that show stored records (not the session) get them here, where storage is known."""
        if reply.attachment == "datasaya":
            stored = self.storage.export(owner_id)
            owner = stored["owners"][0] if stored["owners"] else None
            summary = {"owner": owner and {**owner, "created": schedule.wib_text(owner["created_at"]),
                                           "updated": schedule.wib_text(owner["updated_at"])},
                       "lookups": stored["lookups"], "events": stored["events"]}
            return replace(reply, context={**reply.context, "stored": summary})
        if reply.attachment == "statistik":
            return replace(reply, context={**reply.context, **self.stats_context()})
        return reply

    # ---- files

    def file(self, owner_id: int, kind: str) -> OutFile | None:
        """Make the file a queued message asks for, from what is stored now; None if there is nothing."""
        make = self.file_maker(owner_id, kind)
        return make() if make else None

    def file_maker(self, owner_id: int, kind: str) -> Callable[[], OutFile] | None:
        """Read what the file needs now; return the (slow, storage-free) drawing to run off the event loop."""
        names = self.coach.flow.labels["files"]
        if kind == "datasaya":
            data = {"dibuat": schedule.wib_text(self.clock()), "keterangan": names["datasaya"]["note"],
                    **self.storage.export(owner_id)}
            return lambda: OutFile(names[kind]["filename"], json.dumps(data, ensure_ascii=False, indent=1).encode(),
                                   names[kind]["caption"])
        if kind in ("rencana_png", "rencana_pdf"):
            from .. import files   # imaging libraries load only when a file is asked for
            session = self.storage.load(owner_id)
            if session is None or not session.plan:
                return None
            sheet = files.plan_sheet(self.coach.kb, self.coach.flow, session)
            draw = files.plan_png if kind == "rencana_png" else files.plan_pdf
            return lambda: OutFile(names[kind]["filename"], draw(sheet), names[kind]["caption"],
                                   picture=kind == "rencana_png")
        if kind == "statistik":
            from .. import files
            funnel = self.funnel()
            return lambda: OutFile(names[kind]["filename"], files.funnel_png(funnel, names[kind]["title"]),
                                   names[kind]["caption"], picture=True)
        return None

    # ---- statistics

    def stats_context(self) -> dict:
        """What stats.j2 shows (Telegram's /statistik and `umkm-coach stats` alike)."""
        flow = self.coach.flow
        return {"stats": self.stats(), "step_names": flow.groups, "funnel_done": flow.labels["funnel_done"],
                "titles": {e.id: e.title for e in self.coach.kb.entries}, "status_labels": flow.plan_status}

    def stats(self) -> stats.Stats:
        """The operators' figures; the /statistik text and its chart, made moments apart, share one
        computation (at 100,000 owners it reads ~450k events)."""
        now = self.clock()
        if self._stats is None or now - self._stats[0] > STATS_REUSE_SECONDS:
            self._stats = (now, stats.compute(self.storage, self.coach.flow, now))
        return self._stats[1]

    def funnel(self) -> list[tuple[str, int]]:
        """The funnel with the steps' names, for the chart."""
        flow = self.coach.flow
        return [(flow.groups.get(step, flow.labels["funnel_done"]), n) for step, n in self.stats().funnel]

    # ---- check-ins and inline cards

    def send_due_checkins(self, channel: Channel, only: int | None = None) -> list[int]:
        """Queue every check-in due now (or only `only`'s; none in the quiet hours); return who got one.

        Each goes out once: the reminder leaves the session in the same commit that queues its messages.
        """
        now = self.clock()
        if schedule.is_quiet(now, self.quiet_hours):
            return []
        owners = []
        for owner_id in self.storage.due_checkins(now, channel.owners):
            if only is not None and owner_id != only:
                continue
            try:   # to the private chat (the owner's own id on every channel), never to a group
                if self._outside_window(channel, owner_id, now):
                    sent = self._hold_checkin(channel, owner_id)
                else:
                    sent = self.handle(channel, Incoming(owner_id, owner_id, CheckinDue()))
                if sent:
                    owners.append(owner_id)
            except StorageUnavailable as exc:   # nothing was sent: the next round tries again
                log.warning("check-ins wait: the database cannot be written (%s)", exc)
                break
            except Exception:   # one owner's trouble must not hold back everyone else's check-in
                log.exception("check-in for owner %s failed", owner_id)
        return owners

    def _outside_window(self, channel: Channel, owner_id: int, now: float) -> bool:
        window = channel.limits.reply_window
        last = self.storage.last_active(owner_id) if window else None
        return last is not None and now - last > window

    def _hold_checkin(self, channel: Channel, owner_id: int) -> list[Outgoing]:
        """Outside the reply window a check-in may not go as it is: it waits for the owner's next message,
        announced by the channel's approved template when there is one (once per check-in)."""
        self.check_file()
        nudge = channel.checkin_nudge()
        messages = [nudge] if nudge else []
        try:
            ids = self.storage.hold_checkin(owner_id, owner_id, [m.payload() for m in messages])
        except sqlite3.Error as exc:
            raise StorageUnavailable(str(exc)) from exc
        log.info("check-in for owner %s waits for their next message (%s)", owner_id,
                 "template sent" if messages else "no template configured")
        return self._queued(owner_id, owner_id, ids, messages)

    def inline(self, query: str) -> list[tuple[str, str, str, str]]:
        """(id, title, description, card rich text) for an inline query."""
        cards = questions.inline_cards(self.coach, query, self.storage.popular_tactics())
        folders = self.coach.flow.template_folders
        return [(c.context["entry"].id, c.context["entry"].title, c.context["entry"].summary,
                 rich_text(c.template, folders, **c.context)) for c in cards]
