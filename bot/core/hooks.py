"""The few steps with logic, registered by step id: segment quiz, relationship pick, tactic pick, the finished plan."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from rapidfuzz import fuzz, process

from ..advice.entry import RELATIONSHIPS
from ..advice.recommend import Recommendation
from ..text.normalise import simplify
from ..text.render import cut, short_title
from . import callbacks, plan, questions, screens
from .flow import Option
from .phrases import any_phrase
from .model import Button, Outcome, Reply, Session

if TYPE_CHECKING:
    from .engine import Coach


DESCRIPTION_CHARS = 200   # who buys, told in a line or two; a longer text is something else
TITLE_WORD_CARDS = 2      # a word in more titles than this is no tactic's name ("pelanggan", "cara")
PLAN_WORDS = ("rencana", "selesai")   # done words that still count after a pick


@dataclass(frozen=True)
class StepHooks:
    """What a step does beyond the generic engine; every field is optional."""
    options: Callable[[Coach, Session], tuple[Option, ...]] | None = None        # offered now
    stored: Callable[[Coach, Outcome, str], None] | None = None                   # after its answer is stored
    answer: Callable[[Coach, Outcome, str, bool], None] | None = None             # answers in its own way
    unclear: Callable[[Coach, Outcome, str], screens.Heard | None] | None = None  # words no option says: moved on
    context: Callable[[Coach, Session, dict], None] | None = None                 # more for its template
    buttons: Callable[[Coach, Session, dict], list[tuple[Button, ...]]] | None = None
    brief: str | None = None   # the template a channel that cannot edit sends when the screen changes in place


# ---- segment: chosen directly, or found by the three-question quiz

def _segment_chosen(coach: Coach, out: Outcome, value: str) -> None:
    out.session.answers.pop("segmen_dari_kuis", None)


def _segment_described(coach: Coach, out: Outcome, raw: str) -> screens.Heard | None:
    """Who buys, in the owner's words ("ibu2 arisan komplek", "orang kantor gimana"), says no kind of
    market: the quiz finds it, starting from those words. Only for a short reply that names people
    (`customers` in understand.yaml) and plainly asks nothing (a question gets its card)."""
    if len(raw) > DESCRIPTION_CHARS or coach.looks_like_question(raw) or not coach.reader.names_customers(raw):
        return None
    s = out.session
    s.history.append(s.step)
    s.step = next(o.goto for o in coach.step(s).options if o.goto)
    return screens.Heard(customers=cut(raw, 60))


def segment_from_quiz(a: dict) -> str:
    if a.get("kuis_saling") == "ya":
        return "multi-sisi"
    needs = a.get("kuis_kebutuhan")
    if needs == "sangat-beda":
        return "terdiversifikasi"
    if needs == "agak-beda":
        return "tersegmentasi"
    if a.get("kuis_khusus") == "ya":   # similar needs, but a group of its own: a niche, not the mass market
        return "ceruk"
    if a.get("kuis_khusus") == "tidak":   # anyone buys, wanting the same: the mass market, however small
        return "massal"
    return "massal" if a.get("kuis_jumlah") == "banyak" else "ceruk"


def _quiz_done(coach: Coach, out: Outcome, value: str) -> None:
    a = out.session.answers
    a["segmen"] = segment_from_quiz(a)
    a["segmen_dari_kuis"] = True
    out.replies.append(Reply("segment_result.j2", screens.context_of(coach, out.session)))


# ---- relationship: accept the suggestion, or pick one of the six types

def _relationship_options(coach: Coach, s: Session) -> tuple[Option, ...]:
    recs = coach.relationships(s.answers)
    declared = {o.value: o for o in coach.step(s).options}
    labels = {value: o.label for value, o in declared.items()}
    names = " + ".join(labels.get(r.entry.id, r.entry.title).split(" ", 1)[-1] for r in recs)
    accept = declared["saran"]
    own = tuple(Option(rid, labels.get(rid, rid), tuple(coach.kb.by_id[rid].keywords[:8]), declared[rid].short
                       if rid in declared else "") for rid in RELATIONSHIPS if rid in coach.kb.by_id)
    return (Option("saran", f"{accept.label}: {names}"[:60], accept.aliases, accept.short),) + own


def _relationship_chosen(coach: Coach, out: Outcome, value: str) -> None:
    a = out.session.answers
    a["hubungan"] = ([r.entry.id for r in coach.relationships(a)]
                     if value == "saran" else [value])


def _relationship_context(coach: Coach, s: Session, context: dict) -> None:
    context["recommended"] = coach.relationships(s.answers)


# ---- focus: a motivation not planned yet

def _motivation_options(coach: Coach, s: Session) -> tuple[Option, ...]:
    done = set(s.answers.get("motivasi_selesai", []))
    options = coach.step(s).options
    return tuple(o for o in options if o.value not in done) or options


def _motivation_chosen(coach: Coach, out: Outcome, value: str) -> None:
    out.session.answers["pilihan"] = []


# ---- tactics: several picked (toggled by buttons), then the plan

def _tactics_context(coach: Coach, s: Session, context: dict) -> None:
    context["tactics"] = coach.tactics(s)
    context["chosen"] = list(s.answers.get("pilihan", []))


def _tactic_buttons(coach: Coach, s: Session, context: dict) -> list[tuple[Button, ...]]:
    chosen = set(s.answers.get("pilihan", []))
    rows = [(Button(screens.tactic_button_label(i, r.entry.title, r.entry.id in chosen),
                    callbacks.answer(s.step, r.entry.id)),) for i, r in enumerate(context["tactics"], 1)]
    rows.append((Button(coach.flow.buttons["make_plan"], callbacks.answer(s.step, "selesai")),))
    return rows


@lru_cache(maxsize=8)
def _pick_words(coach: Coach) -> tuple[Callable, frozenset[str]]:
    """Being done ("udah, buat rencana") and taking them all ("ambil semua"), in the reader's standard words."""
    reader = coach.reader
    return any_phrase(reader.phrases(coach.flow.done_words)), frozenset(reader.phrases(coach.flow.all_words))


def _match_tactics(coach: Coach, raw: str, cards: list[Recommendation]) -> tuple[list[str], bool]:
    """The tactics typed, by name ("referral sm google maps", "yang diskon") or number ("1 dan 3",
    "pertama sama ketiga") or all of them ("oke ambil semua"); else whether the owner is done ("udah
    kak", "buat rencana"). A question picks nothing: it is asked ("piye carane nggawe grup wa?")."""
    reader = coach.reader
    words = reader.tokens(raw)
    if reader.asks(raw):
        return [], False
    said = " ".join(w for w in words if w not in reader.filler and w not in reader.unclear)   # "gas semua"
    says_done, all_words = _pick_words(coach)
    if said in all_words:
        return [r.entry.id for r in cards], False
    named = _shown_title_words(coach, tuple(r.entry.id for r in cards))
    numbers = [int(n) for n in re.findall(r"\d+", said)] or \
        [n for w in said.split() if (n := reader.ordinals.get(w, 0)) > 0]
    picks = list(dict.fromkeys([named[w] for w in said.split() if w in named] +
                               [cards[n - 1].entry.id for n in numbers if 1 <= n <= len(cards)]))
    # filler kept: "itu aja"; with a pick only the plan named ("1 dan 3, buat rencana"), not "udah"
    done = bool(says_done(" ".join(words))) and (not picks or any(w in said.split() for w in PLAN_WORDS))
    if not picks and not numbers and not done:   # a title misspelt
        titles = {r.entry.id: simplify(short_title(r.entry.title)) for r in cards}
        match = process.extractOne(simplify(raw), titles, scorer=fuzz.partial_ratio, score_cutoff=90)
        picks = [match[2]] if match else []
    return picks, done


@lru_cache(maxsize=256)
def _shown_title_words(coach: Coach, shown: tuple[str, ...]) -> dict[str, str]:
    """Title words of one shown card only, in at most TITLE_WORD_CARDS titles of the knowledge: "diskon" in
    "Manfaat ekstra: diskon, bonus" picks it, "pelanggan" picks nothing."""
    telling = {word: ids & set(shown) for word, ids in questions.title_words(coach, whole=True).items()
               if len(ids) <= TITLE_WORD_CARDS}
    return {word: next(iter(ids)) for word, ids in telling.items() if len(ids) == 1}


def _answer_tactic(coach: Coach, out: Outcome, raw: str, from_button: bool) -> None:
    s = out.session
    cards = coach.tactics(s)
    ids = [r.entry.id for r in cards]
    chosen: list[str] = s.answers.setdefault("pilihan", [])
    if from_button:
        picks, done = ([raw] if raw in ids else []), raw == "selesai"
        if not picks and not done:
            out.replies.append(Reply("stale_button.j2", screens.context_of(coach, s)))
            return coach.ask(out)
    else:
        picks, done = _match_tactics(coach, raw, cards)
        done = done or (bool(chosen) and not picks and coach.reader.only_unclear(raw))   # "oke lanjut kak"
        if not picks and not done:
            read = coach.understand(s.step, raw, ())
            if read.intent in ("back", "restart", "help"):
                return coach.not_an_answer(out, raw, read)
            if questions.answer_typed(coach, out, raw, asks=read.intent == "question"):
                return coach.ask(out)
            out.replies.append(Reply("not_understood.j2", {"text": raw[:200]}))
            return _short_screen(coach, out)
    for pick in picks:
        if pick in chosen and from_button:
            chosen.remove(pick)
        elif pick not in chosen:
            chosen.append(pick)
    if done:
        if not chosen:
            out.replies.append(Reply("pick_one.j2", {}))
            return coach.ask(out)
        return plan.finish(coach, out)
    if from_button:
        return coach.ask(out, replace=True)
    _short_screen(coach, out)


def _short_screen(coach: Coach, out: Outcome) -> None:
    """After typed words, the picks so far and the buttons: the screen with the tips is just above."""
    ask = screens.ask_reply(coach, out.session)
    out.replies.append(replace(ask, template=ask.brief or ask.template, brief=None))


HOOKS: dict[str, StepHooks] = {
    "segmen": StepHooks(stored=_segment_chosen, unclear=_segment_described),
    "kuis_saling": StepHooks(stored=_quiz_done),
    "hubungan": StepHooks(options=_relationship_options, stored=_relationship_chosen,
                          context=_relationship_context),
    "motivasi": StepHooks(options=_motivation_options, stored=_motivation_chosen),
    "taktik": StepHooks(answer=_answer_tactic, context=_tactics_context, buttons=_tactic_buttons,
                        brief="ask/taktik_singkat.j2"),
    "selesai": StepHooks(answer=plan.answer_finished),
}
