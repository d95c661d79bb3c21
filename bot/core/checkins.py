"""The check-in dialogue: reminders set and cancelled, "Sudah dicoba?" per tactic, card feedback."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..advice.recommend import tactics
from ..advice.knowledge import MOTIVATIONS
from . import callbacks, schedule, screens
from .model import (Button, CheckinAnswered, CheckinCancelled, CheckinScheduled, CheckinSent, Outcome, Planned,
                    Rated, Reply)

if TYPE_CHECKING:
    from .engine import Coach

# What an owner says a tactic did, asked at a check-in; the last two settle it (no more asking).
STATUSES = ("belum", "jalan", "berhasil", "tidak_cocok")
SETTLED = frozenset({"berhasil", "tidak_cocok"})
ADD_TO_PLAN = "tambah"


def rated(coach: Coach, out: Outcome, p: callbacks.FeedbackPayload) -> None:
    if p.tactic not in coach.kb.by_id:
        return coach.stale(out)
    out.events.append(Rated(p.tactic, p.useful))
    out.replies.append(Reply("feedback_thanks.j2", {"useful": p.useful}))


def cancel_pressed(coach: Coach, out: Outcome, due: int) -> None:
    s = out.session
    kept = [r for r in s.reminders if int(r["due"]) != due]
    if len(kept) < len(s.reminders):
        s.reminders = kept
        out.events.append(CheckinCancelled())
    out.replies.append(screens.reminders_reply(coach, s))


def remind_pressed(coach: Coach, out: Outcome, days: int) -> None:
    if not out.session.plan:
        return coach.stale(out)
    set_reminder(coach, out, days)


def set_reminder(coach: Coach, out: Outcome, days: int) -> None:
    s, action = out.session, out.action
    days = max(1, min(days, schedule.MAX_DAYS))
    due = schedule.due_at(action.now, days, action.quiet_hours)
    if not any(abs(r["due"] - due) < schedule.DAY / 2 for r in s.reminders):   # a double tap sets one
        s.reminders.append({"due": due, "days": days})
        out.events.append(CheckinScheduled(days))
    out.replies.append(Reply("reminder_set.j2", {"days": days, "when": schedule.wib_text(due)}))


def due(coach: Coach, out: Outcome) -> None:
    """A reminder is due: ask about each tactic not yet settled, one message (and four buttons) each."""
    s, now = out.session, out.action.now
    ripe = [r for r in s.reminders if r["due"] <= now]
    if not ripe:
        return
    s.reminders = [r for r in s.reminders if r["due"] > now]
    open_items = [item for item in s.plan if item["id"] in coach.kb.by_id and item.get("status") not in SETTLED]
    out.events.append(CheckinSent([item["id"] for item in open_items]))
    if not open_items:
        return
    out.replies.append(Reply("checkin_intro.j2", {**screens.context_of(coach, s),
                                                  "days": max(r["days"] for r in ripe)}))
    labels = coach.flow.labels["checkin_buttons"]
    for item in open_items:
        buttons = tuple(Button(labels[status], callbacks.checkin(item["id"], status)) for status in STATUSES)
        out.replies.append(Reply("checkin_ask.j2", {"entry": coach.kb.by_id[item["id"]], "item": item},
                                 (buttons[:2], buttons[2:])))


def answered(coach: Coach, out: Outcome, p: callbacks.CheckinPayload) -> None:
    s = out.session
    if p.tactic not in coach.kb.by_id:
        return coach.stale(out)
    if p.status == ADD_TO_PLAN:
        return add_to_plan(coach, out, p.tactic)
    item = next((i for i in s.plan if i["id"] == p.tactic), None)
    if item is None or p.status not in STATUSES:
        return coach.stale(out)
    item["status"] = p.status
    out.events.append(CheckinAnswered(p.tactic, p.status))
    nxt = None
    if p.status == "tidak_cocok":
        planned = frozenset(i["id"] for i in s.plan)
        best = tactics(coach.kb, coach.profile(s.answers), item.get("motivasi") or "akuisisi",
                       exclude=planned, limit=1)
        nxt = best[0].entry if best else None
    buttons = ((Button(coach.flow.buttons["add_to_plan"], callbacks.checkin(nxt.id, ADD_TO_PLAN)),),) if nxt else ()
    out.replies.append(Reply("checkin_thanks.j2", {"entry": coach.kb.by_id[p.tactic], "status": p.status,
                                                   "next": nxt}, buttons, replace=True))
    if coach.step(s).kind != "done":
        coach.ask_unless_paused(out)


def add_to_plan(coach: Coach, out: Outcome, tactic_id: str) -> None:
    """A tactic suggested at a check-in joins the plan (once)."""
    s = out.session
    if not any(item["id"] == tactic_id for item in s.plan):
        category = coach.kb.by_id[tactic_id].category
        motive = category if category in MOTIVATIONS else s.answers.get("motivasi")
        s.plan.append({"id": tactic_id, "motivasi": motive, "status": "direncanakan"})
        out.events.append(Planned([tactic_id], motive))
    out.replies.append(screens.plan_reply(coach, s))
