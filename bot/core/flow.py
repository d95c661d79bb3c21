"""The declared flow: steps, options, next-step rules and the words that read owner input, from one locale folder."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..text import normalise
from ..text.render import LOCALE_DIR

KINDS = ("text", "choice", "multi", "done")
SHORT_LABEL = 20   # characters, for channels with tight buttons (WhatsApp reply buttons)


class FlowError(ValueError):
    """The flow file is inconsistent; the message names the step and the field."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    aliases: tuple[str, ...] = ()
    short: str = ""
    goto: str | None = None   # an option that only steers to another step; nothing is stored


@dataclass(frozen=True)
class Rule:
    to: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)   # earlier answers: any of these

    def holds(self, answers: Mapping) -> bool:
        return all(answers.get(key) in values for key, values in self.when.items())


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    group: str | None = None
    options: tuple[Option, ...] = ()
    next: tuple[Rule, ...] = ()
    skip: bool = False
    limit: int | None = None
    clip: bool = False
    profile: str | None = None
    help: str = ""
    on_help: str | None = None
    reads_into: str | None = None   # typed text: the answer key that keeps what the reader makes of it
    only_if: Rule | None = None     # asked only when earlier answers hold this; otherwise passed by
    reads_name: bool = False        # typed text: the answer is the business name inside it (core/names.py)
    names_problems: bool = False    # a negated option is still that option: "pelanggan ga balik" aims at retensi


def _values(condition: Mapping) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) if isinstance(v, list) else (v,) for k, v in condition.items()}


def _words(values) -> frozenset[str]:
    return frozenset(normalise.simplify(w) for w in values)


class Flow:
    """Every step, in order, plus the locale's word lists (words.yaml) and labels (labels.yaml)."""

    def __init__(self, flow: Mapping, words: Mapping, labels: Mapping,
                 template_folders: tuple[Path, ...] = (LOCALE_DIR,), understand: Mapping | None = None):
        self.template_folders = template_folders   # where ask/<step>.j2 and the other templates are found
        self.groups: dict[str, str] = dict(flow["groups"])
        self.steps: dict[str, Step] = {}
        specs = list(flow["steps"])
        for i, spec in enumerate(specs):
            following = specs[i + 1]["id"] if i + 1 < len(specs) else None
            step = self._step(spec, following)
            self.steps[step.id] = step
        self._check()
        self.first = next(iter(self.steps))
        self.labels = labels
        self.buttons: dict[str, str] = dict(labels["buttons"])
        self.plan_status: dict[str, str] = dict(labels["plan_status"])
        self.options = {s.id: s.options for s in self.steps.values() if s.options}
        self.commands = {alias: name for name, aliases in words["commands"].items() for alias in aliases}
        self.typed_commands = {normalise.simplify(w): name for name, said in words["typed_commands"].items()
                               for w in said}
        self.exit_commands = frozenset(words["exit_commands"])
        self.question_words = tuple(normalise.simplify(w) for w in words["question_words"])
        self.help_words = _words(words["help_words"])
        self.yes_words = _words(words["yes_words"])
        self.no_words = _words(words["no_words"])
        self.done_words = _words(words["done_words"])
        self.all_words = _words(words["all_words"])
        self.remind_words = _words(words["remind_words"])
        self.again_words = _words([*words["again_words"], self.buttons["another_motivation"]])
        self.day_words, self.week_words = tuple(words["day_words"]), tuple(words["week_words"])
        self.periods = {normalise.simplify(said): int(days) for said, days in words["periods"].items()}
        self.plan_file_words = {kind: frozenset(names) for kind, names in words["plan_file_words"].items()}
        self.understand_words = understand or {}   # how typed replies are read (bot/core/understand.py)

    @staticmethod
    def _step(spec: Mapping[str, Any], following: str | None) -> Step:
        sid = spec.get("id")
        if not sid or spec.get("kind") not in KINDS:
            raise FlowError(f"step {sid!r}: needs an id and a kind ({', '.join(KINDS)})")
        options = tuple(Option(str(o["value"]), o["label"], tuple(o.get("aliases", ())),
                               o.get("short", ""), o.get("goto")) for o in spec.get("options", ()))
        raw_next = spec.get("next", following)
        rules = raw_next if isinstance(raw_next, list) else [raw_next] if raw_next else []
        next_rules = tuple(Rule(r) if isinstance(r, str) else Rule(r["to"], _values(r["if"])) for r in rules)
        return Step(sid, spec["kind"], spec.get("group"), options, next_rules, bool(spec.get("skip")),
                    spec.get("limit"), bool(spec.get("clip")), spec.get("profile"), spec.get("help", ""),
                    spec.get("on_help"), spec.get("reads_into"),
                    Rule(sid, _values(spec["only_if"])) if spec.get("only_if") else None,
                    bool(spec.get("reads_name")), bool(spec.get("names_problems")))

    def _check(self) -> None:
        for step in self.steps.values():
            where = f"flow step {step.id!r}"
            if step.group is not None and step.group not in self.groups:
                raise FlowError(f"{where}: group {step.group!r} is not in groups")
            if step.kind == "choice" and not step.options:
                raise FlowError(f"{where}: a choice needs options")
            if step.kind == "text" and not step.limit:
                raise FlowError(f"{where}: a text step needs a limit")
            targets = [r.to for r in step.next] + [o.goto for o in step.options if o.goto]
            for target in targets:
                if target not in self.steps:
                    raise FlowError(f"{where}: leads to unknown step {target!r}")
            for o in step.options:
                if len(o.short or o.label) > SHORT_LABEL:
                    raise FlowError(f"{where}: option {o.value!r} needs a short label of at most {SHORT_LABEL} characters")

    @classmethod
    def load(cls, folder: str | Path | None = None) -> "Flow":
        """The flow of a locale folder; files and templates it lacks come from the Indonesian one."""
        root = Path(folder).resolve() if folder else LOCALE_DIR

        def read(name: str) -> Mapping:   # a folder may hold only the files it changes
            path = root / name if (root / name).is_file() else LOCALE_DIR / name
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        folders = (root,) if root == LOCALE_DIR else (root, LOCALE_DIR)
        return cls(read("flow.yaml"), read("words.yaml"), read("labels.yaml"), folders, read("understand.yaml"))

    def next_step(self, step: Step, answers: Mapping) -> str:
        """The step after `step`, passing by those whose `only_if` does not hold."""
        target = next(rule.to for rule in step.next if rule.holds(answers))
        while self.steps[target].only_if and not self.steps[target].only_if.holds(answers):
            target = next(rule.to for rule in self.steps[target].next if rule.holds(answers))
        return target

    def group_of(self, step_id: str) -> str | None:
        step = self.steps.get(step_id)
        return step.group if step else None
