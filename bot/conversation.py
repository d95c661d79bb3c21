"""The coaching state machine: steps and transitions as data, one pure function per action (no I/O)."""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any, Callable, Mapping

import yaml
from rapidfuzz import fuzz, process

from . import checkins
from .knowledge import FITS_VALUES, MOTIVATIONS, RELATIONSHIPS, SEGMENT_ENTRY, KnowledgeBase
from .lookup import Hit, Lookup
from .render import short_title
from .recommend import Profile, Recommendation, relationships, tactics

STATE_VERSION = 1
# Question id -> (numbered step it belongs to, kind of answer).
QUESTIONS: Mapping[str, tuple[str | None, str]] = {
    "nama": ("usaha", "text"),
    "produk": ("usaha", "text"),
    "segmen": ("segmen", "choice"),
    "kuis_jumlah": ("segmen", "choice"),
    "kuis_kebutuhan": ("segmen", "choice"),
    "kuis_saling": ("segmen", "choice"),
    "nilai": ("nilai", "text"),
    "sarana_jumlah": ("hubungan", "choice"),
    "sarana_nilai": ("hubungan", "choice"),
    "sarana_waktu": ("hubungan", "choice"),
    "sarana_saluran": ("hubungan", "choice"),
    "hubungan": ("hubungan", "choice"),
    "motivasi": ("motivasi", "choice"),
    "taktik": ("taktik", "multi"),
    "selesai": (None, "done"),
}
# Longest answer kept for each free-text question (owners' names go into headings and buttons).
TEXT_LIMITS = {"nama": 60, "produk": 150, "nilai": 1000}
QUERY_LIMIT = 300
# What an owner says a tactic did, asked at a check-in; the last two settle it (no more asking).
CHECKIN_STATUSES = ("belum", "jalan", "berhasil", "tidak_cocok")
SETTLED = frozenset({"berhasil", "tidak_cocok"})
_DAYS = re.compile(r"(\d{1,3})\s*(hari|hr|minggu|mgg|pekan)\b")
SKIPPABLE = frozenset({"nilai"})   # free-text questions an owner may leave empty
# Commands, with their English aliases, mapped to the name the core knows.
COMMANDS = {
    "start": "start", "mulai": "start", "bantuan": "bantuan", "help": "bantuan",
    "kembali": "kembali", "back": "kembali", "ulang": "ulang", "restart": "ulang",
    "batal": "batal", "cancel": "batal", "cari": "cari", "search": "cari",
    "rencana": "rencana", "plan": "rencana", "profil": "profil", "profile": "profil",
    "datasaya": "datasaya", "mydata": "datasaya", "hapusdata": "hapusdata", "deletedata": "hapusdata",
    "statistik": "statistik", "stats": "statistik", "pengingat": "pengingat", "reminders": "pengingat",
}
# Commands that show or touch an owner's own data: never answered in a group, where others read along.
PRIVATE_COMMANDS = frozenset({"datasaya", "hapusdata", "profil", "rencana", "pengingat", "statistik"})
QUESTION_WORDS = ("gimana", "gmn", "bagaimana", "bgmn", "gmna", "cara", "caranya", "apa", "apakah",
                  "kenapa", "knp", "mengapa", "tips", "kok", "boleh", "bisa", "gimna", "kasih tau")
OPTION_CUTOFF = 80            # rapidfuzz ratio needed to take free text as one of the buttons
TACTICS_SHOWN = 3             # cards per screen: each has steps and an example, phones scroll slowly
CONFIDENT_LOOKUP = 2.0        # a lookup score that lets a question interrupt a free-text answer
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# ----------------------------------------------------------------------------- data types

@dataclass(frozen=True)
class Button:
    label: str
    data: str   # callback data: "a:<question>:<value>" answers, "c:<command>" commands


@dataclass(frozen=True)
class Reply:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False   # a channel may edit the message whose button was pressed instead
    attachment: str | None = None   # a file sent after the text: "datasaya", "statistik", ...


@dataclass(frozen=True)
class Action:
    kind: str               # "start", "text", "button", "command" or "checkin" (a reminder is due)
    text: str = ""          # free text, or a command's arguments
    name: str = ""          # command name (any alias)
    data: str = ""          # button callback data
    user_name: str = ""
    operator: bool = False  # the sender is in ADMIN_IDS (decided by the service, not the channel)
    now: float = 0.0        # the service's clock, for reminders
    quiet_hours: tuple[int, int] | None = checkins.QUIET_HOURS   # WIB hours reminders move out of
    private: bool = True    # said in a private chat (not a group, where others read along)


@dataclass
class Session:
    step: str = "nama"
    answers: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    plan: list = field(default_factory=list)      # [{"id", "motivasi", "status"}], grows over runs
    paused: bool = False
    confirm: str | None = None                     # "ulang" or "hapus" while waiting for a yes/no
    reminders: list = field(default_factory=list)  # [{"due": unix time, "days"}] check-ins to send
    version: int = STATE_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping | None, copy_values: bool = True) -> "Session":
        """copy_values=False for data nobody else holds (just parsed from JSON): skips a deep copy."""
        if not data:
            return cls()
        known = {k: copy.deepcopy(v) if copy_values else v for k, v in data.items()
                 if k in cls.__dataclass_fields__}
        session = cls(**known)
        if session.step not in QUESTIONS:
            session.step = "nama"
        return session


@dataclass
class Outcome:
    session: Session
    replies: list[Reply]
    events: list[dict]
    now: float = 0.0    # the action's clock
    quiet_hours: tuple[int, int] | None = checkins.QUIET_HOURS
    private: bool = True


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    aliases: tuple[str, ...] = ()


class Flow:
    """The words of the flow (bot/templates/flow.yaml): step names, buttons and their aliases."""

    def __init__(self, data: Mapping):
        self.data = data
        self.steps: dict[str, str] = dict(data["steps"])
        self.buttons: dict[str, str] = dict(data["buttons"])
        self.help_words = frozenset(_simplify(w) for w in data["help_words"])
        self.yes_words = frozenset(_simplify(w) for w in data["yes_words"])
        self.no_words = frozenset(_simplify(w) for w in data["no_words"])
        self.done_words = frozenset(_simplify(w) for w in data["done_words"])
        self.remind_words = frozenset(_simplify(w) for w in data["remind_words"])
        self.skip_words = frozenset(_simplify(w) for w in data["skip_words"])
        self.again_words = frozenset(_simplify(w) for w in (*data["again_words"], self.buttons["another_motivation"]))
        self.options = {q: tuple(Option(str(o["value"]), o["label"], tuple(o.get("aliases", ())))
                                 for o in spec["options"]) for q, spec in data["questions"].items()}
        self.kinds = {kind: tuple(words) for kind, words in data["kinds"].items()}
        self.relationship_labels: dict[str, str] = dict(data.get("relationship_labels", {}))

    @classmethod
    def load(cls) -> "Flow":
        text = resources.files("bot.templates").joinpath("flow.yaml").read_text(encoding="utf-8")
        return cls(yaml.safe_load(text))

    def kind_of(self, product: str) -> str:
        words = f" {_simplify(product)} "
        for kind, markers in self.kinds.items():
            if any(f" {m} " in words for m in markers):
                return kind
        return "umum"


# ----------------------------------------------------------------------------- helpers

def _simplify(text: str) -> str:
    """Lower case, letters, digits and single spaces: for matching, never for storing."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    if text.strip() in {"?", "??", "???"}:
        return "?"
    text = re.sub(r"(.)\1{2,}", r"\1", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def clean_text(text: str) -> str:
    """Owner text as stored: control and invisible characters removed, spaces tidied."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text or ""))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _looks_like_question(text: str) -> bool:
    simple = _simplify(text)
    return text.rstrip().endswith("?") or simple.startswith(QUESTION_WORDS)


def _answer_data(question: str, value: str) -> str:
    return f"a:{question}:{value}"


# ----------------------------------------------------------------------------- the coach

class Coach:
    """Decides what to say next. Every call takes a session and an action and returns a new session."""

    def __init__(self, kb: KnowledgeBase, flow: Flow | None = None, lookup: Lookup | None = None):
        self.kb = kb
        self.flow = flow or Flow.load()
        self.lookup = lookup or Lookup(kb.entries, kb.lexicon)
        self._next: dict[str, Callable[[dict], str]] = {
            "nama": lambda a: "produk",
            "produk": lambda a: "segmen",
            "segmen": lambda a: "nilai",
            "kuis_jumlah": lambda a: "kuis_kebutuhan",
            "kuis_kebutuhan": lambda a: "kuis_saling",
            "kuis_saling": lambda a: "nilai",
            "nilai": lambda a: "sarana_nilai" if a.get("kuis_jumlah") else "sarana_jumlah",
            "sarana_jumlah": lambda a: "sarana_nilai",
            "sarana_nilai": lambda a: "sarana_waktu",
            "sarana_waktu": lambda a: "sarana_saluran",
            "sarana_saluran": lambda a: "hubungan",
            "hubungan": lambda a: "motivasi",
            "motivasi": lambda a: "taktik",
            "taktik": lambda a: "selesai",
        }

    # ---- entry point

    def handle(self, session: Session | None, action: Action) -> Outcome:
        s = Session() if session is None else copy.deepcopy(session)
        out = Outcome(s, [], [], now=action.now, quiet_hours=action.quiet_hours, private=action.private)
        if action.kind == "command":
            self._command(out, COMMANDS.get(action.name.lower(), ""), clean_text(action.text), action)
        elif action.kind == "start":
            self._command(out, "start", "", action)
        elif action.kind == "button":
            self._button(out, action.data)
        elif action.kind == "checkin":
            self._checkin(out)
        else:
            self._text(out, clean_text(action.text))
        return out

    # ---- commands

    def _command(self, out: Outcome, name: str, args: str, action: Action) -> None:
        s = out.session
        if name in PRIVATE_COMMANDS and not out.private:
            out.replies.append(Reply("private_only.j2", {}))
        elif name == "start":
            fresh = not s.answers and not s.plan and s.step == "nama"
            s.paused, s.confirm = False, None
            if fresh:
                out.replies.append(Reply("welcome.j2", {"user_name": action.user_name[:60]}))
                out.events.append({"kind": "start"})
            else:
                out.replies.append(Reply("welcome_back.j2", self._context(s)))
            self._ask(out)
        elif name == "bantuan":
            out.replies.append(Reply("commands.j2", {}))
            self._ask(out)
        elif name == "kembali":
            self._back(out)
        elif name == "ulang":
            s.confirm = "ulang"
            out.replies.append(Reply("restart_confirm.j2", {"has_plan": bool(s.plan)}, (
                (Button(self.flow.buttons["restart_yes"], "c:ulang_ya"),
                 Button(self.flow.buttons["restart_no"], "c:ulang_tidak")),)))
        elif name == "hapusdata":
            s.confirm = "hapus"
            out.replies.append(Reply("delete_confirm.j2", {}, (
                (Button(self.flow.buttons["delete_yes"], "c:hapus_ya"),
                 Button(self.flow.buttons["delete_no"], "c:hapus_tidak")),)))
        elif name == "datasaya":
            out.events.append({"kind": "export"})
            out.replies.append(Reply("my_data.j2", self._context(s), attachment="datasaya"))
            self._ask_unless_paused(out)
        elif name == "statistik":
            if action.operator:
                out.replies.append(Reply("stats.j2", {}, attachment="statistik"))
            else:
                out.replies.append(Reply("operator_only.j2", {}))
            self._ask_unless_paused(out)
        elif name == "batal":
            s.paused, s.confirm = True, None
            out.events.append({"kind": "pause", "step": s.step})
            out.replies.append(Reply("paused.j2", {}, ((Button(self.flow.buttons["resume"], "c:start"),),)))
        elif name == "cari":
            if args:
                self._search(out, args)
            else:
                out.replies.append(Reply("search_how.j2", {}))
            self._ask_unless_paused(out)
        elif name == "rencana":
            wanted = self._plan_file_asked(args)
            if wanted and s.plan:
                out.replies.append(Reply("plan_file.j2", {"kind": wanted}, attachment=wanted))
            else:
                out.replies.append(self._plan_reply(s))
            if s.step != "selesai":
                self._ask_unless_paused(out)
        elif name == "pengingat":
            out.replies.append(self._reminders_reply(s))
            if s.step != "selesai":
                self._ask_unless_paused(out)
        elif name == "profil":
            out.replies.append(Reply("profile.j2", self._context(s)))
            self._ask_unless_paused(out)
        else:
            out.replies.append(Reply("unknown_command.j2", {"name": action.name[:40]}))
            self._ask_unless_paused(out)

    def _back(self, out: Outcome) -> None:
        s = out.session
        s.paused, s.confirm = False, None
        if not s.history:
            out.replies.append(Reply("back_at_start.j2", {}))
        else:
            s.step = s.history.pop()
            out.events.append({"kind": "back", "step": s.step})
        self._ask(out)

    def _forget(self, out: Outcome) -> None:
        """Everything about the owner goes (the storage deletes it on this event); a fresh start."""
        out.session = Session()
        out.events[:] = [{"kind": "forget"}]
        out.replies.append(Reply("data_deleted.j2", {}, ((Button(self.flow.buttons["start_fresh"], "c:start"),),)))

    def _restart(self, out: Outcome) -> None:
        plan = out.session.plan
        out.session = Session(plan=plan, reminders=out.session.reminders)   # the plan's check-ins stay too
        out.events.append({"kind": "restart"})
        out.replies.append(Reply("restarted.j2", {"has_plan": bool(plan)}))
        self._ask(out)

    # ---- buttons

    def _button(self, out: Outcome, data: str) -> None:
        s = out.session
        parts = (data or "").split(":", 2)
        if parts[0] == "f" and len(parts) == 3 and parts[1] in self.kb.by_id and parts[2] in ("1", "0"):
            return self._feedback(out, parts[1], parts[2] == "1")
        if parts[0] == "k" and len(parts) == 3 and parts[1] in self.kb.by_id:
            return self._checkin_answer(out, parts[1], parts[2])
        if parts[0] == "r" and len(parts) >= 2:
            return self._reminder_button(out, parts[1:])
        if parts[0] == "c" and len(parts) == 2:
            command = parts[1]
            if command == "ulang_ya" and s.confirm == "ulang":
                return self._restart(out)
            if command == "hapus_ya" and s.confirm == "hapus":
                return self._forget(out)
            if command in ("ulang_ya", "ulang_tidak", "hapus_ya", "hapus_tidak"):
                # a yes/no with no question pending (pressed twice, or an old message): say nothing false
                s.confirm = None
                template = {"ulang_tidak": "restart_kept.j2", "ulang_ya": "restart_kept.j2",
                            "hapus_tidak": "delete_kept.j2", "hapus_ya": "delete_stale.j2"}[command]
                out.replies.append(Reply(template, {}))
                return self._ask(out)
            if command == "langkah_bantuan":
                out.replies.append(self._help_reply(s))
                return self._ask(out)
            if command in ("rencana_png", "rencana_pdf"):
                return self._command(out, "rencana", "pdf" if command.endswith("pdf") else "gambar",
                                     Action("command", name="rencana"))
            if command in COMMANDS.values():
                return self._command(out, command, "", Action("command", name=command))
        if parts[0] == "a" and len(parts) == 3 and parts[1] in QUESTIONS:
            question, value = parts[1], parts[2]
            if question == s.step:
                s.paused, s.confirm = False, None
                return self._answer_choice(out, value, from_button=True)
            out.replies.append(Reply("stale_button.j2", self._context(s)))
            return self._ask(out)
        out.replies.append(Reply("stale_button.j2", self._context(s)))
        self._ask(out)

    # ---- feedback, reminders and check-ins

    def _feedback(self, out: Outcome, tactic_id: str, useful: bool) -> None:
        out.events.append({"kind": "feedback", "tactic": tactic_id, "useful": useful})
        out.replies.append(Reply("feedback_thanks.j2", {"useful": useful}))

    def _reminders_reply(self, s: Session) -> Reply:
        reminders = sorted(s.reminders, key=lambda r: r["due"])
        rows = [(Button(self.flow.buttons["reminder_cancel"].format(when=checkins.wib_text(r["due"]))[:60],
                        f"r:x:{int(r['due'])}"),) for r in reminders]
        if s.plan:
            rows.append(self._reminder_choices())
        return Reply("reminders.j2", {"reminders": [checkins.wib_text(r["due"]) for r in reminders],
                                      "has_plan": bool(s.plan)}, tuple(rows))

    def _reminder_choices(self) -> tuple[Button, ...]:
        label = self.flow.buttons["remind_in"]
        return tuple(Button(label.format(days=d), f"r:{d}") for d in checkins.REMINDER_DAYS)

    def _reminder_button(self, out: Outcome, parts: list[str]) -> None:
        s = out.session
        if parts[0] == "x" and len(parts) == 2 and parts[1].isdigit():
            kept = [r for r in s.reminders if int(r["due"]) != int(parts[1])]
            if len(kept) < len(s.reminders):
                s.reminders = kept
                out.events.append({"kind": "checkin_cancel"})
            out.replies.append(self._reminders_reply(s))
            return None
        if len(parts) == 1 and parts[0].isdigit() and s.plan:
            return self._set_reminder(out, int(parts[0]))
        out.replies.append(Reply("stale_button.j2", self._context(s)))
        self._ask(out)

    def _set_reminder(self, out: Outcome, days: int) -> None:
        s = out.session
        days = max(1, min(days, checkins.MAX_DAYS))
        due = checkins.due_at(out.now, days, out.quiet_hours)
        if not any(abs(r["due"] - due) < checkins.DAY / 2 for r in s.reminders):   # a double tap sets one
            s.reminders.append({"due": due, "days": days})
            out.events.append({"kind": "checkin_schedule", "days": days})
        out.replies.append(Reply("reminder_set.j2", {"days": days, "when": checkins.wib_text(due)}))

    def _checkin(self, out: Outcome) -> None:
        """A reminder is due: ask about each tactic not yet settled, one message (and four buttons) each."""
        s = out.session
        due = [r for r in s.reminders if r["due"] <= out.now]
        if not due:
            return
        s.reminders = [r for r in s.reminders if r["due"] > out.now]
        open_items = [item for item in s.plan if item["id"] in self.kb.by_id and item.get("status") not in SETTLED]
        out.events.append({"kind": "checkin_sent", "tactics": [item["id"] for item in open_items]})
        if not open_items:
            return
        out.replies.append(Reply("checkin_intro.j2", {**self._context(s), "days": max(r["days"] for r in due)}))
        labels = self.flow.data["checkin_buttons"]
        for item in open_items:
            buttons = tuple(Button(labels[status], f"k:{item['id']}:{status}") for status in CHECKIN_STATUSES)
            out.replies.append(Reply("checkin_ask.j2", {"entry": self.kb.by_id[item["id"]], "item": item},
                                     (buttons[:2], buttons[2:])))

    def _checkin_answer(self, out: Outcome, tactic_id: str, status: str) -> None:
        s = out.session
        item = next((i for i in s.plan if i["id"] == tactic_id), None)
        if status == "tambah":
            return self._add_to_plan(out, tactic_id, item)
        if item is None or status not in CHECKIN_STATUSES:
            out.replies.append(Reply("stale_button.j2", self._context(s)))
            return self._ask(out)
        item["status"] = status
        out.events.append({"kind": "checkin_answer", "tactic": tactic_id, "status": status})
        nxt = None
        if status == "tidak_cocok":
            planned = frozenset(i["id"] for i in s.plan)
            best = tactics(self.kb, self._profile(s.answers), item.get("motivasi") or "akuisisi",
                           exclude=planned, limit=1)
            nxt = best[0].entry if best else None
        buttons = ((Button(self.flow.buttons["add_to_plan"], f"k:{nxt.id}:tambah"),),) if nxt else ()
        out.replies.append(Reply("checkin_thanks.j2", {"entry": self.kb.by_id[tactic_id], "status": status,
                                                       "next": nxt}, buttons, replace=True))
        if s.step != "selesai":
            self._ask_unless_paused(out)

    def _add_to_plan(self, out: Outcome, tactic_id: str, item: dict | None) -> None:
        s = out.session
        if item is None:
            category = self.kb.by_id[tactic_id].category
            motive = category if category in MOTIVATIONS else s.answers.get("motivasi")
            s.plan.append({"id": tactic_id, "motivasi": motive, "status": "direncanakan"})
            out.events.append({"kind": "plan", "added": [tactic_id], "motivasi": motive})
        out.replies.append(self._plan_reply(s))

    # ---- free text

    def _text(self, out: Outcome, text: str) -> None:
        s = out.session
        if not text or not _has_words(text):
            out.replies.append(Reply("no_words.j2", {}))
            return self._ask(out)
        simple = _simplify(text)
        if s.confirm in ("ulang", "hapus"):
            confirming, s.confirm = s.confirm, None
            if simple in self.flow.yes_words:
                return self._restart(out) if confirming == "ulang" else self._forget(out)
            if simple in self.flow.no_words:
                out.replies.append(Reply("restart_kept.j2" if confirming == "ulang" else "delete_kept.j2", {}))
                return self._ask(out)
        if s.paused:
            if self._search(out, text, quiet=True):
                out.replies.append(Reply("paused_hint.j2", {}, ((Button(self.flow.buttons["resume"], "c:start"),),)))
                return None
            s.paused = False
            out.replies.append(Reply("welcome_back.j2", self._context(s)))
            return self._ask(out)
        if simple in self.flow.help_words or simple == "?":
            if s.step == "segmen":
                return self._answer_choice(out, "belum-tahu", from_button=True)
            out.replies.append(self._help_reply(s))
            return self._ask(out)
        kind = QUESTIONS[s.step][1]
        if kind == "text":
            return self._answer_text(out, text)
        return self._answer_choice(out, text, from_button=False)

    def _answer_text(self, out: Outcome, text: str) -> None:
        s = out.session
        if s.step in SKIPPABLE and _simplify(text) in self.flow.skip_words:
            return self._skip(out)
        if _looks_like_question(text) and self._search(out, text, quiet=True, min_score=CONFIDENT_LOOKUP):
            return self._ask(out)
        limit = TEXT_LIMITS[s.step]
        if len(text) > limit and s.step != "nilai":
            out.replies.append(Reply("too_long.j2", {"limit": limit, "question": s.step}))
            return self._ask(out)
        clipped = len(text) > limit
        s.answers[s.step] = text[:limit]
        if clipped:
            out.replies.append(Reply("clipped.j2", {"limit": limit}))
        self._advance(out)

    def _skip(self, out: Outcome) -> None:
        out.session.answers[out.session.step] = ""
        self._advance(out)

    def _answer_choice(self, out: Outcome, raw: str, from_button: bool) -> None:
        s = out.session
        if QUESTIONS[s.step][1] == "text":
            if s.step in SKIPPABLE and raw == "lewati":
                return self._skip(out)
            return self._ask(out)
        if s.step == "taktik":
            return self._answer_tactic(out, raw, from_button)
        if s.step == "selesai":
            return self._answer_finished(out, raw, from_button)
        if not from_button and _looks_like_question(raw) and self._search(out, raw, quiet=True):
            return self._ask(out)
        options = self._options(s)
        value = raw if from_button else self._match(raw, options)
        if value is None or value not in {o.value for o in options}:
            if not from_button and self._search(out, raw, quiet=True):
                return self._ask(out)
            out.replies.append(Reply("not_understood.j2", {"text": raw[:200]}))
            return self._ask(out)
        self._store_choice(out, value)

    def _store_choice(self, out: Outcome, value: str) -> None:
        s = out.session
        a = s.answers
        q = s.step
        if q == "segmen" and value == "belum-tahu":
            s.history.append(q)
            s.step = "kuis_jumlah"
            return self._ask(out)
        if q == "hubungan":
            a["hubungan"] = ([r.entry.id for r in relationships(self.kb, self._profile(a))]
                             if value == "saran" else [value])
        else:
            a[q] = value
        if q == "kuis_saling":
            a["segmen"] = self._segment_from_quiz(a)
            a["segmen_dari_kuis"] = True
            out.replies.append(Reply("segment_result.j2", self._context(s)))
        elif q == "segmen":
            a.pop("segmen_dari_kuis", None)
        if q == "motivasi":
            a["pilihan"] = []
        self._advance(out)

    @staticmethod
    def _segment_from_quiz(a: dict) -> str:
        if a.get("kuis_saling") == "ya":
            return "multi-sisi"
        needs = a.get("kuis_kebutuhan")
        if needs == "sangat-beda":
            return "terdiversifikasi"
        if needs == "agak-beda":
            return "tersegmentasi"
        return "massal" if a.get("kuis_jumlah") == "banyak" else "ceruk"

    def _answer_tactic(self, out: Outcome, raw: str, from_button: bool) -> None:
        s = out.session
        cards = self._tactics(s)
        ids = [r.entry.id for r in cards]
        chosen: list[str] = s.answers.setdefault("pilihan", [])
        if from_button:
            picks, done = ([raw] if raw in ids else []), raw == "selesai"
            if not picks and not done:
                out.replies.append(Reply("stale_button.j2", self._context(s)))
                return self._ask(out)
        else:
            picks, done = self._match_tactics(raw, cards)
            if not picks and not done:
                if self._search(out, raw, quiet=True):
                    return self._ask(out)
                out.replies.append(Reply("not_understood.j2", {"text": raw[:200]}))
                return self._ask(out)
        for pick in picks:
            if pick in chosen and from_button:
                chosen.remove(pick)
            elif pick not in chosen:
                chosen.append(pick)
        if done:
            if not chosen:
                out.replies.append(Reply("pick_one.j2", {}))
                return self._ask(out)
            return self._finish_plan(out)
        self._ask(out, replace=from_button)

    def _match_tactics(self, raw: str, cards: list[Recommendation]) -> tuple[list[str], bool]:
        simple = _simplify(raw)
        if simple in self.flow.done_words:
            return [], True
        if simple in ("semua", "semuanya", "all", "ambil semua"):
            return [r.entry.id for r in cards], False
        numbers = [int(n) for n in re.findall(r"\d+", simple)]
        picks = [cards[n - 1].entry.id for n in numbers if 1 <= n <= len(cards)]
        if not picks and not numbers:
            titles = {r.entry.id: _simplify(short_title(r.entry.title)) for r in cards}
            match = process.extractOne(simple, titles, scorer=fuzz.partial_ratio, score_cutoff=90)
            if match:
                picks = [match[2]]
        return picks, False

    def _finish_plan(self, out: Outcome) -> None:
        s = out.session
        a = s.answers
        known = {item["id"] for item in s.plan}
        added = [tid for tid in a.get("pilihan", []) if tid not in known]
        for tid in added:
            s.plan.append({"id": tid, "motivasi": a.get("motivasi"), "status": "direncanakan"})
        a.setdefault("motivasi_selesai", [])
        if a.get("motivasi") not in a["motivasi_selesai"]:
            a["motivasi_selesai"].append(a.get("motivasi"))
        out.events.append({"kind": "plan", "added": added, "motivasi": a.get("motivasi")})
        s.history.append(s.step)
        s.step = "selesai"
        out.replies.append(self._plan_reply(s, added=added, finished=True))

    def _answer_finished(self, out: Outcome, raw: str, from_button: bool) -> None:
        s = out.session
        if from_button and raw == "lagi":
            s.history.append("selesai")
            s.step = "motivasi"
            return self._ask(out)
        if not from_button and _simplify(raw) in self.flow.again_words:
            return self._answer_finished(out, "lagi", True)
        asks_reminder = not from_button and s.plan and any(f" {w} " in f" {_simplify(raw)} "
                                                           for w in self.flow.remind_words)
        match = _DAYS.search(raw.lower()) if asks_reminder else None
        if match:   # "ingatkan 5 hari lagi"
            weeks = match.group(2).startswith(("m", "p"))
            return self._set_reminder(out, int(match.group(1)) * (7 if weeks else 1))
        if self._search(out, raw):
            return None
        if asks_reminder:
            out.replies.append(self._reminders_reply(s))
            return None
        out.replies.append(Reply("finished_hint.j2", self._context(s), self._finished_buttons()))

    def _advance(self, out: Outcome) -> None:
        s = out.session
        out.events.append({"kind": "answer", "step": s.step})
        s.history.append(s.step)
        nxt = self._next[s.step](s.answers)
        s.step = nxt
        self._ask(out)

    # ---- quick lookup

    def _search(self, out: Outcome, query: str, quiet: bool = False, min_score: float = 0.0) -> bool:
        """Answer a question with the best cards; False (and, unless quiet, a 'not found') if none."""
        query = query[:QUERY_LIMIT]
        hits = self.lookup.search(query, limit=3)
        if hits and hits[0].score < min_score:
            hits = []
        out.events.append({"kind": "lookup", "query": query, "best": hits[0].id if hits else None,
                           "score": round(hits[0].score, 3) if hits else 0.0})
        if hits:
            out.replies.append(self.card(hits))
            return True
        if not quiet:
            out.replies.append(Reply("search_empty.j2", {"query": query}))
        return False

    def card(self, hits: list[Hit]) -> Reply:
        """The best hit as a tactic card, the others named, and "was this helpful?" buttons."""
        entry = hits[0].entry
        feedback = (Button(self.flow.buttons["useful_yes"], f"f:{entry.id}:1"),
                    Button(self.flow.buttons["useful_no"], f"f:{entry.id}:0"))
        return Reply("card.j2", {"entry": entry, "others": [h.entry for h in hits[1:]]}, (feedback,))

    def inline_cards(self, query: str, popular: list[str], limit: int = 10) -> list[Reply]:
        """Cards offered for `@bot query` in any chat; an empty query offers the most-used tactics."""
        query = clean_text(query)[:QUERY_LIMIT]
        if query:
            entries = [hit.entry for hit in self.lookup.search(query, limit=limit)]
        else:
            ids = [i for i in popular if i in self.kb.by_id]
            ids += [e.id for c in MOTIVATIONS for e in self.kb.in_category(c) if e.id not in ids]
            entries = [self.kb.by_id[i] for i in ids[:limit]]
        return [Reply("card.j2", {"entry": e, "others": []}) for e in entries]

    def search_reply(self, query: str) -> tuple[list[Hit], Reply]:
        """One lookup answer outside a conversation (`umkm-coach cari`)."""
        hits = self.lookup.search(query[:QUERY_LIMIT], limit=3)
        if hits:
            return hits, self.card(hits)
        return hits, Reply("search_empty.j2", {"query": query[:QUERY_LIMIT]})

    # ---- asking

    def _ask_unless_paused(self, out: Outcome) -> None:
        if not out.session.paused:
            self._ask(out)

    def _ask(self, out: Outcome, replace: bool = False) -> None:
        s = out.session
        if s.step == "selesai":
            out.replies.append(Reply("finished_hint.j2", self._context(s), self._finished_buttons()))
            return
        context = self._context(s)
        rows: list[tuple[Button, ...]] = []
        if s.step == "taktik":
            chosen = set(s.answers.get("pilihan", []))
            for i, r in enumerate(context["tactics"], 1):
                mark = "✅" if r.entry.id in chosen else "☐"
                rows.append((Button(f"{mark} {i}. {short_title(r.entry.title)}"[:60],
                                    _answer_data("taktik", r.entry.id)),))
            rows.append((Button(self.flow.buttons["make_plan"], _answer_data("taktik", "selesai")),))
        elif QUESTIONS[s.step][1] == "choice":
            options = self._options(s)
            pairs = [Button(o.label, _answer_data(s.step, o.value)) for o in options]
            width = 1 if any(len(o.label) > 24 for o in options) else 2
            rows.extend(tuple(pairs[i:i + width]) for i in range(0, len(pairs), width))
        elif s.step in SKIPPABLE:
            rows.append((Button(self.flow.buttons["skip"], _answer_data(s.step, "lewati")),))
        nav = []
        if s.history:
            nav.append(Button(self.flow.buttons["back"], "c:kembali"))
        nav.append(Button(self.flow.buttons["help"], "c:langkah_bantuan"))
        rows.append(tuple(nav))
        out.replies.append(Reply(f"ask_{s.step}.j2", context, tuple(r for r in rows if r), replace=replace))

    def _finished_buttons(self) -> tuple[tuple[Button, ...], ...]:
        b = self.flow.buttons
        return ((Button(b["another_motivation"], _answer_data("selesai", "lagi")),),
                (Button(b["show_plan"], "c:rencana"), Button(b["restart"], "c:ulang")))

    def _help_reply(self, s: Session) -> Reply:
        return Reply("help_step.j2", self._context(s))

    def _plan_reply(self, s: Session, added: list[str] | None = None, finished: bool = False) -> Reply:
        context = self._context(s)
        context.update(added=added or [], finished=finished)
        rows: tuple[tuple[Button, ...], ...] = ()
        if s.plan:
            b = self.flow.buttons
            rows = ((Button(b["plan_picture"], "c:rencana_png"), Button(b["plan_pdf"], "c:rencana_pdf")),)
            if not s.reminders:
                rows += (self._reminder_choices(),)
        return Reply("plan.j2", context, rows + (self._finished_buttons() if finished else ()))

    def _plan_file_asked(self, args: str) -> str | None:
        words = set(_simplify(args).split())
        for kind, names in self.flow.data["plan_file_words"].items():
            if words & set(names):
                return kind
        return None

    # ---- derived data for templates

    def _options(self, s: Session) -> tuple[Option, ...]:
        if s.step == "hubungan":
            recs = relationships(self.kb, self._profile(s.answers))
            labels = self.flow.relationship_labels
            names = " + ".join(labels.get(r.entry.id, r.entry.title).split(" ", 1)[-1] for r in recs)
            own = tuple(Option(rid, labels.get(rid, rid), tuple(self.kb.by_id[rid].keywords[:8]))
                        for rid in RELATIONSHIPS if rid in self.kb.by_id)
            accept = Option("saran", f"{self.flow.buttons['accept']}: {names}"[:60],
                            ("setuju", "ya", "oke", "ok", "iya", "saran", "sesuai saran", "boleh"))
            return (accept,) + own
        if s.step == "motivasi":
            done = set(s.answers.get("motivasi_selesai", []))
            options = self.flow.options["motivasi"]
            fresh = tuple(o for o in options if o.value not in done)
            return fresh or options
        return self.flow.options.get(s.step, ())

    def _match(self, raw: str, options: tuple[Option, ...]) -> str | None:
        """The option free text means: its number, a name or alias, a close typo, or one alias inside."""
        simple = _simplify(raw)
        if simple.isdigit() and 1 <= int(simple) <= len(options):
            return options[int(simple) - 1].value
        choices: dict[str, str] = {}
        for o in options:
            for name in (o.label, o.value.replace("-", " "), *o.aliases):
                choices.setdefault(_simplify(name), o.value)
        if simple in choices:
            return choices[simple]
        match = process.extractOne(simple, list(choices), scorer=fuzz.ratio, score_cutoff=OPTION_CUTOFF)
        if match:
            return choices[match[0]]
        padded = f" {simple} "
        inside = {value for name, value in choices.items() if len(name) > 2 and f" {name} " in padded}
        return inside.pop() if len(inside) == 1 else None

    @staticmethod
    def _profile(a: Mapping) -> Profile:
        saluran = a.get("sarana_saluran")
        return Profile(segmen=a.get("segmen"), jumlah=a.get("sarana_jumlah") or a.get("kuis_jumlah"),
                       nilai=a.get("sarana_nilai"), waktu=a.get("sarana_waktu"),
                       saluran=saluran if saluran in FITS_VALUES["saluran"] else None,
                       hubungan=tuple(a.get("hubungan", ())))

    def _tactics(self, s: Session) -> list[Recommendation]:
        a = s.answers
        planned = frozenset(item["id"] for item in s.plan)
        return tactics(self.kb, self._profile(a), a.get("motivasi") or "akuisisi", exclude=planned,
                       limit=TACTICS_SHOWN)

    def _context(self, s: Session) -> dict:
        a = s.answers
        step_key = QUESTIONS[s.step][0]
        steps = list(self.flow.steps)
        context: dict[str, Any] = {
            "a": {**dict.fromkeys(QUESTIONS), **a},   # unanswered questions read as empty
            "step": s.step, "kind": self.flow.kind_of(a.get("produk", "")),
            "progress": ({"number": steps.index(step_key) + 1, "total": len(steps),
                          "name": self.flow.steps[step_key]} if step_key else None),
            "previous": a.get(s.step) if s.step in a else None,
            "segment": self.kb.by_id.get(SEGMENT_ENTRY.get(a.get("segmen", ""), "")),
            "relationships": [self.kb.by_id[r] for r in a.get("hubungan", []) if r in self.kb.by_id],
            "plan": [(self.kb.by_id[item["id"]], item) for item in s.plan if item["id"] in self.kb.by_id],
            "labels": self.flow.options,
            "status_labels": self.flow.data["plan_status"],
            "reminders": [checkins.wib_text(r["due"]) for r in sorted(s.reminders, key=lambda r: r["due"])],
            "step_names": self.flow.steps,
        }
        if s.step == "hubungan":
            context["recommended"] = relationships(self.kb, self._profile(a))
        if s.step == "taktik":
            context["tactics"] = self._tactics(s)
            context["chosen"] = list(a.get("pilihan", []))
        return context
