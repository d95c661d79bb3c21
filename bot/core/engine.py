"""The generic engine: routes each action through tables, then asks, answers, advances and goes back over the flow."""
from __future__ import annotations

from typing import Callable, Mapping

from ..advice.knowledge import KnowledgeBase
from ..advice.lookup import Lookup
from ..text.normalise import clean_text, simplify
from . import callbacks, checkins, commands, hooks, questions, screens
from .advising import Adviser
from .flow import Flow, Option, Step
from .names import NameReader
from .understand import Reader, Understood
from .model import (Action, Answered, CheckinDue, Command, Outcome, Press, Reply, Session, Start,
                    Text, WentBack)


TEXT_HELP_WORDS = 3   # "don't know" with this many other words is no product or value: "ga tau, belum pernah mikir"


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class Coach:
    """Decides what to say next. Every call takes a session and an action and returns a new session."""

    def __init__(self, kb: KnowledgeBase, flow: Flow | None = None, lookup: Lookup | None = None):
        self.kb = kb
        self.flow = flow or Flow.load()
        self.reader = Reader(self.flow.understand_words)
        self.names = NameReader.of(self.reader)
        self.lookup = lookup or Lookup(kb.entries, kb.lexicon, kb.off_topics, self.reader.same)
        self.hooks = hooks.HOOKS   # the steps with logic, by step id
        adviser = Adviser(kb, self.flow, self.reader)
        self.profile, self.relationships, self.tactics = adviser.profile, adviser.relationships, adviser.tactics
        self._routes: Mapping[type, Callable[[Outcome, Action], None]] = {
            Start: lambda out, a: commands.run(self, out, "start", "", a),
            Command: lambda out, a: commands.run(self, out, self.flow.commands.get(a.name.lower(), ""),
                                                 clean_text(a.args), a),
            Press: lambda out, a: self._press(out, callbacks.decode(a.data)),
            CheckinDue: lambda out, a: checkins.due(self, out),
            Text: lambda out, a: self._text(out, clean_text(a.text)),
        }
        self._presses: Mapping[type, Callable[[Outcome, object], None]] = {
            callbacks.AnswerPayload: self._press_answer,
            callbacks.CommandPayload: lambda out, p: commands.pressed(self, out, p.name),
            callbacks.FeedbackPayload: lambda out, p: checkins.rated(self, out, p),
            callbacks.CardPayload: lambda out, p: questions.show_card(self, out, p.tactic),
            callbacks.CheckinPayload: lambda out, p: checkins.answered(self, out, p),
            callbacks.RemindPayload: lambda out, p: checkins.remind_pressed(self, out, p.days),
            callbacks.CancelReminderPayload: lambda out, p: checkins.cancel_pressed(self, out, p.due),
        }

    # ---- entry point

    def handle(self, session: Session | None, action: Action) -> Outcome:
        s = Session(step=self.flow.first) if session is None else session.copy()
        if s.step not in self.flow.steps:   # a step removed from the flow since it was stored
            s.step = self.flow.first
        out = Outcome(s, [], [], action)
        if session is None and isinstance(action, Text):   # someone new wrote first (WhatsApp has no Start button)
            self._first_words(out, clean_text(action.text))
        else:
            self._routes[type(action)](out, action)
        return out

    def _first_words(self, out: Outcome, text: str) -> None:
        """A new owner's first message is a greeting, not a name: welcome, ask; a question gets its card first."""
        commands.run(self, out, "start", "", out.action)
        if text and self.looks_like_question(text):
            first_question = out.replies.pop()
            questions.answer(self, out, text, quiet=True)
            out.replies.append(first_question)

    def step(self, s: Session) -> Step:
        return self.flow.steps[s.step]

    # ---- presses and text

    def _press(self, out: Outcome, payload) -> None:
        route = self._presses.get(type(payload))
        if route is None:
            return self.stale(out)
        route(out, payload)

    def _press_answer(self, out: Outcome, p: callbacks.AnswerPayload) -> None:
        s = out.session
        if p.step != s.step or p.step not in self.flow.steps:
            return self.stale(out)
        s.paused, s.confirm = False, None
        self.answer_choice(out, p.value, from_button=True)

    def stale(self, out: Outcome) -> None:
        out.replies.append(Reply("stale_button.j2", screens.context_of(self, out.session)))
        self.ask(out)

    def _text(self, out: Outcome, text: str) -> None:
        s = out.session
        simple = simplify(text)
        if (not text or not _has_words(text)) and set(text.strip()) != {"?"}:   # "?", "??" ask for help
            out.replies.append(Reply("no_words.j2", {}))
            return self.ask(out)
        if s.confirm in ("ulang", "hapus") and commands.confirmed(self, out, text):
            return None
        # a command of several words is meant whole ("hapus semua data" is no "semua" at the segment
        # question); a single word ("rencana") may be the step's own answer
        typed = commands.typed(self, text)   # "liat rencana", "udahan dulu"
        if typed and (" " in typed[0] or not self._step_takes(s, typed[0])):
            return commands.run(self, out, typed[1], "", out.action)
        if s.paused:
            return commands.while_paused(self, out, text)
        greets = self.names.greets(text)   # "halo kak", "makasih": at the first question, or back after a week
        if greets and self._step_takes(s, simple):
            greets = ""   # "ya, makasih" at a yes/no question answers it
        if greets or simple in self.flow.help_words or set(text.strip()) == {"?"}:
            if not greets and self.step(s).on_help:
                return self.answer_choice(out, self.step(s).on_help, from_button=True)
            out.replies.append(Reply("greeted.j2", {"kind": greets}) if greets else screens.help_reply(self, s))
            return self.ask(out)
        if self.step(s).kind == "text":
            return self._answer_text(out, text)
        return self.answer_choice(out, text, from_button=False)

    def _step_takes(self, s: Session, simple: str) -> bool:
        """Whether the step reads these words as its own answer (then they are no command there)."""
        step, flow = self.step(s), self.flow
        if step.kind == "multi":
            return simple in flow.done_words or simple in flow.all_words
        if step.kind == "done":
            return simple in flow.again_words or simple in flow.remind_words
        if step.kind == "choice":
            return self.understand(s.step, simple, self.options(s)).intent == "answer"
        return False

    # ---- answering

    def _answer_text(self, out: Outcome, text: str) -> None:
        s, step = out.session, self.step(out.session)
        read = self.understand(s.step, text)
        # "skip dulu", "salah", "ga tau kak, belum pernah mikir"; a name may hold such words ("Bingung Kopi")
        if read.intent in ("skip", "back") or (read.intent == "help" and self.reader.little_but_dont_know(
                text, most=0 if step.reads_name else TEXT_HELP_WORDS)):
            return self.not_an_answer(out, text, read)
        if self.looks_like_question(text) and questions.answer(self, out, text, quiet=True,
                                                               min_score=questions.CONFIDENT_LOOKUP):
            return self.ask(out)
        if self.reader.asks(text):   # "maksude piye mas?": no name, product or value but a question
            out.replies.append(screens.help_reply(self, s))
            return self.ask(out)
        if step.reads_name and not (text := self.names.name(text)):   # "belum ada namanya": the step's help
            out.replies.append(screens.help_reply(self, s))
            return self.ask(out)
        limit = step.limit or len(text)
        if len(text) > limit and not step.clip:
            out.replies.append(Reply("too_long.j2", {"limit": limit, "question": s.step}))
            return self.ask(out)
        s.answers[s.step] = text[:limit]
        if len(text) > limit:
            out.replies.append(Reply("clipped.j2", {"limit": limit}))
        heard = None
        if step.reads_into:   # what they sell -> their sector; what customers value -> tags
            value = read.value if read.intent == "answer" else None
            s.answers[step.reads_into] = value if value is not None else self.reader.nothing(s.step)
            heard = screens.heard_read(self, step.reads_into, s.answers)
        self.advance(out, heard)

    def _skip(self, out: Outcome) -> None:
        s, step = out.session, self.step(out.session)
        s.answers[s.step] = ""
        if step.reads_into:
            s.answers[step.reads_into] = self.reader.nothing(s.step)
        self.advance(out)

    def answer_choice(self, out: Outcome, raw: str, from_button: bool) -> None:
        s, step = out.session, self.step(out.session)
        if step.kind == "text":
            if step.skip and raw == "lewati":
                return self._skip(out)
            return self.ask(out)
        hook = self.hooks.get(s.step)
        if hook and hook.answer:   # the tactic pick and the finished plan answer in their own way
            return hook.answer(self, out, raw, from_button)
        options = self.options(s)
        value = raw
        if not from_button:
            read = self.understand(s.step, raw, options)
            if read.intent != "answer":
                return self.not_an_answer(out, raw, read)
            value = read.value
        chosen = next((o for o in options if o.value == value), None)
        if chosen is None:
            out.replies.append(Reply("not_understood.j2", {"text": raw[:200]}))
            return self.ask(out)
        if chosen.goto:   # an option that only steers ("belum tahu" -> the segment quiz)
            s.history.append(s.step)
            s.step = chosen.goto
            return self.ask(out)
        s.answers[s.step] = value
        shown = len(out.replies)
        if hook and hook.stored:
            hook.stored(self, out, value)
        # a typed answer is confirmed on top of the next question, unless the step said more already (the
        # quiz's result): "✅ Oke: Tidak" under it would confirm the last click, not the result
        heard = None if from_button or len(out.replies) > shown else screens.Heard(chosen.label)
        self.advance(out, heard)

    def not_an_answer(self, out: Outcome, raw: str, read: Understood) -> None:
        """Typed words that answer nothing: back, restart, help, a card, or say so (naming options it was torn over)."""
        s = out.session
        if read.intent == "back":
            return self.back(out)
        if read.intent == "restart":
            return commands.run(self, out, "ulang", "", out.action)
        if read.intent == "skip":
            return self._skip(out)
        if read.intent == "help":
            out.replies.append(screens.help_reply(self, s))
            return self.ask(out)
        labels = {o.value: o.label for o in self.options(s)}
        torn = [labels[v] for v in read.alternatives if v in labels]
        hook = self.hooks.get(s.step)
        if not torn and hook and hook.unclear and (heard := hook.unclear(self, out, raw)):   # e.g. who buys
            out.replies.append(screens.ask_reply(self, s, heard=heard))
            return None
        if not torn and questions.answer_typed(self, out, raw, asks=read.intent == "question"):
            return self.ask(out)
        out.replies.append(Reply("not_understood.j2", {"text": raw[:200], "torn": torn}))
        out.replies.append(screens.ask_reply(self, s, only=tuple(v for v in read.alternatives if v in labels)))

    def advance(self, out: Outcome, heard: screens.Heard | None = None) -> None:
        """On to the next step; `heard` (what a typed answer was taken as) tops its question."""
        s = out.session
        out.events.append(Answered(s.step))
        s.history.append(s.step)
        s.step = self.flow.next_step(self.step(s), s.answers)
        out.replies.append(screens.ask_reply(self, s, heard=heard))

    def revisit(self, out: Outcome, step_id: str) -> None:
        """Back to an earlier question to change its answer ("Ganti jenis usaha"); then on from there."""
        s = out.session
        s.history.append(s.step)
        s.step = step_id
        self.ask(out)

    def back(self, out: Outcome) -> None:
        s = out.session
        s.paused, s.confirm = False, None
        if not s.history:
            out.replies.append(Reply("back_at_start.j2", {}))
        else:
            s.step = s.history.pop()
            out.events.append(WentBack(s.step))
        self.ask(out)

    def understand(self, step_id: str, text: str, options: tuple[Option, ...] | None = None) -> Understood:
        """What `text` typed at `step_id` means, read against the buttons the owner sees there
        (`options`, else the step's buttons for someone who has not answered yet)."""
        if options is None:
            options = self.options(Session(step=step_id))
        return self.reader.read(self.flow.steps[step_id], options, text, self.flow.commands)

    def looks_like_question(self, text: str) -> bool:
        return text.rstrip().endswith("?") or simplify(text).startswith(self.flow.question_words)

    # ---- asking

    def ask(self, out: Outcome, replace: bool = False) -> None:
        out.replies.append(screens.ask_reply(self, out.session, replace))

    def ask_unless_paused(self, out: Outcome) -> None:
        if not out.session.paused:
            self.ask(out)

    def options(self, s: Session) -> tuple[Option, ...]:
        hook = self.hooks.get(s.step)
        if hook and hook.options:
            return hook.options(self, s)
        return self.step(s).options
