"""The owner's action plan: made from the picked tactics, grown with each focus, asked about once it is made."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..text.normalise import simplify
from . import checkins, questions, screens
from .model import Outcome, Planned, Reply

if TYPE_CHECKING:
    from .engine import Coach


def finish(coach: Coach, out: Outcome) -> None:
    """The picked tactics join the plan; the flow moves to its last step."""
    s = out.session
    a = s.answers
    known = {item["id"] for item in s.plan}
    added = [tid for tid in a.get("pilihan", []) if tid not in known]
    for tid in added:
        s.plan.append({"id": tid, "motivasi": a.get("motivasi"), "status": "direncanakan"})
    a.setdefault("motivasi_selesai", [])
    if a.get("motivasi") not in a["motivasi_selesai"]:
        a["motivasi_selesai"].append(a.get("motivasi"))
    out.events.append(Planned(added, a.get("motivasi")))
    s.history.append(s.step)
    s.step = coach.flow.next_step(coach.step(s), a)
    out.replies.append(screens.plan_reply(coach, s, added=added, finished=True))


def answer_finished(coach: Coach, out: Outcome, raw: str, from_button: bool) -> None:
    """After the plan: another focus, a reminder ("ingatkan 5 hari lagi"), or a question."""
    s = out.session
    flow = coach.flow
    if from_button and raw == "lagi":
        s.history.append(s.step)
        s.step = "motivasi"
        return coach.ask(out)
    said = simplify(raw)   # "lagi" alone; "mau nambah taktik" anywhere in the reply
    if not from_button and (said in flow.again_words or any(
            " " in w and f" {w} " in f" {said} " for w in flow.again_words)):
        return answer_finished(coach, out, "lagi", True)
    asks_reminder = not from_button and s.plan and any(f" {w} " in f" {said} " for w in flow.remind_words)
    match = _days_pattern(coach).search(raw.lower()) if asks_reminder else None
    if match:
        weeks = match.group(2) in flow.week_words
        return checkins.set_reminder(coach, out, int(match.group(1)) * (7 if weeks else 1))
    period = next((days for words, days in flow.periods.items() if f" {words} " in f" {said} "), None)
    if asks_reminder and period:   # "ingetin seminggu lagi ya kak", "minggu depan"
        return checkins.set_reminder(coach, out, period)
    if questions.answer(coach, out, raw):
        return None
    if asks_reminder:
        out.replies.append(screens.reminders_reply(coach, s))
        return None
    out.replies.append(Reply("finished_hint.j2", screens.context_of(coach, s), screens.finished_buttons(coach)))


def _days_pattern(coach: Coach) -> re.Pattern:
    units = "|".join(map(re.escape, (*coach.flow.day_words, *coach.flow.week_words)))
    return re.compile(rf"(\d{{1,3}})\s*({units})\b")


def file_asked(coach: Coach, args: str) -> str | None:
    """'gambar' or 'pdf' after /rencana: the plan as a file."""
    words = set(simplify(args).split())
    for kind, names in coach.flow.plan_file_words.items():
        if words & names:
            return kind
    return None

