"""Commands (/start, /kembali, /rencana, ...) as a table, and the yes/no questions some of them ask."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from . import callbacks, plan, questions, screens
from .model import Action, Button, CheckinCancelled, Exported, Forgotten, Outcome, Paused, Reply, Restarted, Session, Started

if TYPE_CHECKING:
    from .engine import Coach

# Commands that show or touch an owner's own data: never answered in a group, where others read along.
PRIVATE = frozenset({"datasaya", "hapusdata", "profil", "rencana", "pengingat", "berhenti", "statistik"})
# A yes/no pressed with no question pending (twice, or on an old message) says so, and nothing false.
LEFTOVER_ANSWERS = {"ulang_tidak": "restart_kept.j2", "ulang_ya": "restart_kept.j2",
                    "hapus_tidak": "delete_kept.j2", "hapus_ya": "delete_stale.j2"}
PLAN_FILES = {"rencana_png": "gambar", "rencana_pdf": "pdf"}


def _start(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    s = out.session
    fresh = not s.answers and not s.plan and s.step == coach.flow.first
    s.paused, s.confirm = False, None
    if fresh:
        out.replies.append(Reply("welcome.j2", {"user_name": getattr(action, "user_name", "")[:60]}))
        out.events.append(Started())
    else:
        out.replies.append(Reply("welcome_back.j2", screens.context_of(coach, s)))
    coach.ask(out)


def _help(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    out.replies.append(Reply("commands.j2", {}))
    coach.ask(out)


def _ask_yes_no(template: str, confirm: str, yes: str, no: str, context_of=lambda s: {}):
    def command(coach: Coach, out: Outcome, args: str, action: Action) -> None:
        out.session.confirm = confirm
        b = coach.flow.buttons
        out.replies.append(Reply(template, context_of(out.session), (
            (Button(b[yes], callbacks.command(f"{confirm}_ya")),
             Button(b[no], callbacks.command(f"{confirm}_tidak"))),)))
    return command


def _my_data(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    out.events.append(Exported())
    out.replies.append(Reply("my_data.j2", screens.context_of(coach, out.session), attachment="datasaya"))
    coach.ask_unless_paused(out)


def _statistics(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    if action.operator:
        out.replies.append(Reply("stats.j2", {}, attachment="statistik"))
    else:
        out.replies.append(Reply("operator_only.j2", {}))
    coach.ask_unless_paused(out)


def _pause(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    s = out.session
    s.paused, s.confirm = True, None
    out.events.append(Paused(s.step))
    out.replies.append(Reply("paused.j2", {}, ((Button(coach.flow.buttons["resume"], callbacks.command("start")),),)))


def _search(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    if args:
        questions.answer(coach, out, args)
    else:
        out.replies.append(Reply("search_how.j2", {}))
    coach.ask_unless_paused(out)


def _plan(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    s = out.session
    wanted = plan.file_asked(coach, args)
    if wanted and s.plan:
        out.replies.append(Reply("plan_file.j2", {"kind": wanted}, attachment=wanted))
    else:
        out.replies.append(screens.plan_reply(coach, s))
    if coach.step(s).kind != "done":
        coach.ask_unless_paused(out)


def _reminders(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    out.replies.append(screens.reminders_reply(coach, out.session))
    if coach.step(out.session).kind != "done":
        coach.ask_unless_paused(out)


def _stop_checkins(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    """"berhenti": no more check-ins (the owner can set one again from /pengingat)."""
    s = out.session
    had = bool(s.reminders)
    if not had and coach.step(s).kind != "done":   # "stop" mid-way, with no check-in set: a pause
        return _pause(coach, out, args, action)
    if had:
        s.reminders = []
        out.events.append(CheckinCancelled())
    out.replies.append(Reply("reminders_stopped.j2", {"had": had, "has_plan": bool(s.plan)}))
    if coach.step(s).kind != "done":
        coach.ask_unless_paused(out)


def _profile(coach: Coach, out: Outcome, args: str, action: Action) -> None:
    out.replies.append(Reply("profile.j2", screens.context_of(coach, out.session)))
    coach.ask_unless_paused(out)


COMMANDS: dict[str, Callable[[Coach, Outcome, str, Action], None]] = {
    "start": _start,
    "bantuan": _help,
    "kembali": lambda coach, out, args, action: coach.back(out),
    "ulang": _ask_yes_no("restart_confirm.j2", "ulang", "restart_yes", "restart_no",
                         lambda s: {"has_plan": bool(s.plan)}),
    "hapusdata": _ask_yes_no("delete_confirm.j2", "hapus", "delete_yes", "delete_no"),
    "datasaya": _my_data,
    "statistik": _statistics,
    "batal": _pause,
    "cari": _search,
    "rencana": _plan,
    "pengingat": _reminders,
    "berhenti": _stop_checkins,
    "profil": _profile,
}


def typed(coach: Coach, text: str) -> tuple[str, str] | None:
    """(the words, the command) when a whole message is a command in words: "liat rencana", "hapus data
    saya", "udahan dulu ya" (filler aside when the words with it are none)."""
    words, filler = coach.reader.tokens(text), coach.reader.filler
    table = _typed_commands(coach)
    while words:   # as typed, then without the filler at its end one word at a time ("udahan dulu ya")
        if (said := " ".join(words)) in table:
            return said, table[said]
        if words[-1] not in filler:
            break
        words = words[:-1]
    said = " ".join(w for w in coach.reader.tokens(text) if w not in filler)   # "mau lihat profil"
    return (said, table[said]) if said in table else None


@lru_cache(maxsize=8)
def _typed_commands(coach: Coach) -> dict[str, str]:
    return {" ".join(coach.reader.tokens(phrase)): name for phrase, name in coach.flow.typed_commands.items()}


def run(coach: Coach, out: Outcome, name: str, args: str, action: Action) -> None:
    if name in PRIVATE and not out.action.private:
        out.replies.append(Reply("private_only.j2", {}))
        return None
    command = COMMANDS.get(name)
    if command is None:
        out.replies.append(Reply("unknown_command.j2", {"name": getattr(action, "name", "")[:40]}))
        return coach.ask_unless_paused(out)
    command(coach, out, args, action)


def pressed(coach: Coach, out: Outcome, name: str) -> None:
    """A command button: yes/no answers, step help, plan files, or any command by its core name."""
    s = out.session
    if name == "ulang_ya" and s.confirm == "ulang":
        return restart(coach, out)
    if name == "hapus_ya" and s.confirm == "hapus":
        return forget(coach, out)
    if name in LEFTOVER_ANSWERS:
        s.confirm = None
        out.replies.append(Reply(LEFTOVER_ANSWERS[name], {}))
        return coach.ask(out)
    if name == "langkah_bantuan":
        out.replies.append(screens.help_reply(coach, s))
        return coach.ask(out)
    if name in PLAN_FILES:
        return run(coach, out, "rencana", PLAN_FILES[name], out.action)
    if name.startswith("ubah_") and name[5:] in coach.flow.steps and name[5:] in s.answers:
        return coach.revisit(out, name[5:])
    if name in COMMANDS:
        return run(coach, out, name, "", out.action)
    coach.stale(out)


def confirmed(coach: Coach, out: Outcome, text: str) -> bool:
    """A typed answer to "restart?" or "delete everything?"; False when it is neither yes nor no.
    Yes among the first words ("iya hapus aja", "muhun"), no anywhere ("teu, ulah"); both ("ya ga jadi
    deh", "iya gapapa") ask again: nothing is erased on a doubtful reply."""
    s = out.session
    confirming, s.confirm = s.confirm, None
    words = coach.reader.tokens(text)
    yes, no = _standard(coach, "yes_words"), _standard(coach, "no_words")
    said = {"yes"} if any(w in yes for w in words[:2]) else set()
    said |= {"no"} if any(w in no for w in words) else set()
    if said == {"yes", "no"}:   # "iya gapapa", "ya ga jadi deh": asked again, nothing erased on a doubt
        s.confirm = confirming
        run(coach, out, confirming if confirming == "ulang" else "hapusdata", "", out.action)
        return True
    if said == {"yes"}:
        (restart if confirming == "ulang" else forget)(coach, out)
        return True
    if said == {"no"}:
        out.replies.append(Reply("restart_kept.j2" if confirming == "ulang" else "delete_kept.j2", {}))
        coach.ask(out)
        return True
    return False


@lru_cache(maxsize=8)
def _standard(coach: Coach, words: str) -> frozenset[str]:
    """One of the flow's word lists in the reader's standard words ("gak" -> "tidak", "muhun" -> "iya")."""
    return frozenset(word for phrase in getattr(coach.flow, words) for word in coach.reader.tokens(phrase)[:1])


def while_paused(coach: Coach, out: Outcome, text: str) -> None:
    """Paused: a question still gets its card; anything else resumes where the owner left off."""
    s = out.session
    if questions.answer(coach, out, text, quiet=True):
        out.replies.append(Reply("paused_hint.j2", {},
                                 ((Button(coach.flow.buttons["resume"], callbacks.command("start")),),)))
        return None
    s.paused = False
    out.replies.append(Reply("welcome_back.j2", screens.context_of(coach, s)))
    coach.ask(out)


def forget(coach: Coach, out: Outcome) -> None:
    """Everything about the owner goes (the storage deletes it on this event); a fresh start."""
    out.session = Session(step=coach.flow.first)
    out.events[:] = [Forgotten()]
    out.replies.append(Reply("data_deleted.j2", {}, ((Button(coach.flow.buttons["start_fresh"],
                                                             callbacks.command("start")),),)))


def restart(coach: Coach, out: Outcome) -> None:
    plan_items = out.session.plan
    # the plan's check-ins stay too
    out.session = Session(step=coach.flow.first, plan=plan_items, reminders=out.session.reminders)
    out.events.append(Restarted())
    out.replies.append(Reply("restarted.j2", {"has_plan": bool(plan_items)}))
    coach.ask(out)

