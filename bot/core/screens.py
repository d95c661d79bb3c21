"""What each screen shows: the question with its buttons, the context templates read, cards, plan and reminders."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..advice.knowledge import SEGMENT_ENTRY
from ..advice.found import Hit
from ..text.render import short_title
from . import callbacks, schedule
from .model import Button, Reply, Session

if TYPE_CHECKING:
    from .engine import Coach

Rows = tuple[tuple[Button, ...], ...]
WIDE_LABEL = 24   # a button label longer than this gets a row of its own


@dataclass(frozen=True)
class Heard:
    """What a typed answer was taken as, shown once on top of the next question so a wrong guess shows."""
    label: str = ""                    # the option chosen ("Sedikit (di bawah 50 orang)")
    sector: str = ""                   # the sector read from what they sell
    tags: tuple[str, ...] = ()         # what their customers value
    customers: str = ""                # who buys, in their words, when no segment option says it
    fix: str | None = None             # the step a button goes back to, to correct it


def heard_read(coach: Coach, key: str, answers: dict) -> Heard | None:
    """The line for what the reader took from typed text: an answer to a later question (the sector),
    correctable by revisiting that question unless it is about to be asked anyway; or value tags."""
    value, step = answers.get(key), coach.flow.steps.get(key)
    if step is not None:
        if step.only_if and step.only_if.holds(answers):
            return None
        label = next((o.label for o in step.options if o.value == value), value)
        return Heard(sector=label, fix=key)
    if value:
        names = coach.flow.labels.get("value_tags", {})
        return Heard(tags=tuple(names.get(tag, tag) for tag in value))
    return None


def ask_reply(coach: Coach, s: Session, replace: bool = False, heard: Heard | None = None,
              only: tuple[str, ...] = ()) -> Reply:
    """The current step's question: its template ask/<step>.j2, its options as buttons (`only` some,
    when asking back between two), back and help; `heard` on top."""
    step = coach.step(s)
    context = context_of(coach, s)
    context["heard"] = heard
    if step.kind == "done":
        return Reply("finished_hint.j2", context, finished_buttons(coach))
    rows: list[tuple[Button, ...]] = []
    hook = coach.hooks.get(s.step)
    if hook and hook.buttons and not only:
        rows.extend(hook.buttons(coach, s, context))
    elif step.kind == "choice":
        options = [o for o in coach.options(s) if not only or o.value in only]
        pairs = [Button(o.label, callbacks.answer(s.step, o.value), o.short) for o in options]
        width = 1 if any(len(o.label) > WIDE_LABEL for o in options) else 2
        rows.extend(tuple(pairs[i:i + width]) for i in range(0, len(pairs), width))
    elif step.skip:
        rows.append((Button(coach.flow.buttons["skip"], callbacks.answer(s.step, "lewati")),))
    if heard and heard.fix:   # after the options: a typed "1" and the first button stay the same option
        rows.append((Button(coach.flow.buttons["fix_" + heard.fix], callbacks.command("ubah_" + heard.fix)),))
    nav = []
    if s.history:
        nav.append(Button(coach.flow.buttons["back"], callbacks.command("kembali")))
    nav.append(Button(coach.flow.buttons["help"], callbacks.command("langkah_bantuan")))
    rows.append(tuple(nav))
    brief = hook.brief if hook else None   # set on every screen presses edit in place, used when they do
    return Reply(f"ask/{s.step}.j2", context, tuple(r for r in rows if r), replace=replace, brief=brief)


def context_of(coach: Coach, s: Session) -> dict[str, Any]:
    """Everything a template may read about the owner."""
    kb, flow, a = coach.kb, coach.flow, s.answers
    group = flow.group_of(s.step)
    groups = list(flow.groups)
    context: dict[str, Any] = {
        **owner_fit(coach, a),
        "a": {**dict.fromkeys(flow.steps), **a},   # unanswered questions read as empty
        "step": s.step,
        "progress": ({"number": groups.index(group) + 1, "total": len(groups), "name": flow.groups[group]}
                     if group else None),
        "previous": a.get(s.step) if s.step in a else None,
        "segment": kb.by_id.get(SEGMENT_ENTRY.get(a.get("segmen", ""), "")),
        "relationships": [kb.by_id[r] for r in a.get("hubungan", []) if r in kb.by_id],
        "plan": [(kb.by_id[item["id"]], item) for item in s.plan if item["id"] in kb.by_id],
        "labels": flow.options,
        "status_labels": flow.plan_status,
        "reminders": [schedule.wib_text(r["due"]) for r in sorted(s.reminders, key=lambda r: r["due"])],
        "step_names": flow.groups,
    }
    hook = coach.hooks.get(s.step)
    if hook and hook.context:
        hook.context(coach, s, context)
    return context



def help_reply(coach: Coach, s: Session) -> Reply:
    return Reply("help_step.j2", {**context_of(coach, s), "help": coach.step(s).help})


def owner_fit(coach: Coach, answers: Mapping) -> dict[str, Any]:
    """What a card needs to speak to this owner: their sector's story and steps, their customers' values."""
    return {"sector": answers.get("sektor") or "lainnya", "tags": list(answers.get("nilai_tag") or ()),
            "value_phrases": coach.kb.texts.get("alasan", {}).get("nilai_tag", {}),
            "tag_names": coach.flow.labels.get("value_tags", {})}


def card(coach: Coach, hits: list[Hit], answers: Mapping = {}) -> Reply:
    """The best hit as a tactic card in the owner's sector, the others named, and "was this helpful?" buttons."""
    entry = hits[0].entry
    b = coach.flow.buttons
    feedback = (Button(b["useful_yes"], callbacks.feedback(entry.id, True)),
                Button(b["useful_no"], callbacks.feedback(entry.id, False)))
    return Reply("card.j2", {**owner_fit(coach, answers), "entry": entry, "others": [h.entry for h in hits[1:]]},
                 (feedback,), aside=True)


def offered_cards(coach: Coach, hits: list[Hit]) -> Reply:
    """Unsure which card a question wants: the best few as buttons, one tap shows the card."""
    rows = tuple((Button(short_title(h.title)[:60], callbacks.card(h.id)),) for h in hits)
    return Reply("offered_cards.j2", {"entries": [h.entry for h in hits]}, rows)


def finished_buttons(coach: Coach) -> Rows:
    b = coach.flow.buttons
    return ((Button(b["another_motivation"], callbacks.answer("selesai", "lagi")),),
            (Button(b["show_plan"], callbacks.command("rencana")), Button(b["restart"], callbacks.command("ulang"))))


def plan_reply(coach: Coach, s: Session, added: list[str] | None = None, finished: bool = False) -> Reply:
    context = context_of(coach, s)
    context.update(added=added or [], finished=finished)
    rows: Rows = ()
    if s.plan:
        b = coach.flow.buttons
        rows = ((Button(b["plan_picture"], callbacks.command("rencana_png")),
                 Button(b["plan_pdf"], callbacks.command("rencana_pdf"))),)
        if not s.reminders:
            rows += (reminder_choices(coach),)
    return Reply("plan.j2", context, rows + (finished_buttons(coach) if finished else ()))


def reminder_choices(coach: Coach) -> tuple[Button, ...]:
    label = coach.flow.buttons["remind_in"]
    return tuple(Button(label.format(days=d), callbacks.remind(d)) for d in schedule.REMINDER_DAYS)


def reminders_reply(coach: Coach, s: Session) -> Reply:
    reminders = sorted(s.reminders, key=lambda r: r["due"])
    label = coach.flow.buttons["reminder_cancel"]
    rows = [(Button(label.format(when=schedule.wib_text(r["due"]))[:60], callbacks.cancel_reminder(r["due"])),)
            for r in reminders]
    if s.plan:
        rows.append(reminder_choices(coach))
    return Reply("reminders.j2", {"reminders": [schedule.wib_text(r["due"]) for r in reminders],
                                  "has_plan": bool(s.plan)}, tuple(rows))


def tactic_button_label(number: int, title: str, chosen: bool) -> str:
    return f"{'✅' if chosen else '☐'} {number}. {short_title(title)}"[:60]
