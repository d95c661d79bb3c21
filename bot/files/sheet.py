"""The sheet: what the plan files show, from the knowledge base, the flow's labels and a session."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping, Protocol, Sequence

import yaml

from ..advice.knowledge import MOTIVATIONS, SEGMENT_ENTRY, KnowledgeBase

# The words and chip colours of both files, as a path under the bot package (one line to move it).
WORDS_PATH = "text/id/plan_files.yaml"


class FlowLabels(Protocol):
    """The flow's labels the sheet needs."""
    options: Mapping[str, Sequence[Any]]     # step id -> options, each with .value and .label
    plan_status: Mapping[str, str]           # status value -> label (flow.yaml's plan_status)


class PlanSession(Protocol):
    """The session fields the sheet reads (bot.core.model.Session has them)."""
    answers: dict
    plan: list


@dataclass(frozen=True)
class SourceRef:
    title: str
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class Status:
    value: str          # as stored in the session: "direncanakan", "belum", "jalan", ...
    label: str
    background: str     # chip colour, "#RRGGBB"
    text: str


@dataclass(frozen=True)
class Tactic:
    id: str
    title: str
    summary: str
    steps: tuple[str, ...]
    example: str
    status: Status
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class MotiveGroup:
    motivasi: str       # "akuisisi", "retensi", "ekspansi" (or whatever the session stored)
    label: str
    tactics: tuple[Tactic, ...]


@dataclass(frozen=True)
class PlanSheet:
    """Everything the picture and the document show; owner text is kept as typed (renderers clean it)."""
    nama: str
    produk: str
    segment: str                      # label, "" when not answered yet
    nilai: str
    relationships: tuple[str, ...]    # titles of the chosen relationship entries
    channel: str                      # label, "" when not answered yet
    groups: tuple[MotiveGroup, ...]
    texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def tactics(self) -> tuple[Tactic, ...]:
        return tuple(t for g in self.groups for t in g.tactics)

    @property
    def empty(self) -> bool:
        """No tactic chosen yet: both files still render (with a hint); a caller may send a message instead."""
        return not self.groups


@lru_cache(maxsize=1)
def _words() -> Mapping[str, Any]:
    text = resources.files("bot").joinpath(WORDS_PATH).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _without_icon(label: str) -> str:
    """'🎯 Kelompok khusus (ceruk)' -> 'Kelompok khusus (ceruk)': button icons do not belong on paper."""
    return re.sub(r"^[^\w(\"'“]+", "", str(label)).strip()


def _status(value: str, labels: Mapping[str, str]) -> Status:
    """The status's label (as in the chat, from flow.yaml, without its icon) and chip colours."""
    words = _words()
    colours = words["statuses"].get(value) or words["status_unknown"]
    label = _without_icon(labels[value]) if value in labels else str(value).replace("_", " ").capitalize()
    return Status(value, label, colours["background"], colours["text"])


def plan_sheet(kb: KnowledgeBase, flow: FlowLabels, session: PlanSession) -> PlanSheet:
    """What to draw for one owner; never raises for a well-formed session (see PlanSheet.empty)."""
    words = _words()
    a = session.answers or {}
    option_labels = {q: {o.value: _without_icon(o.label) for o in opts} for q, opts in flow.options.items()}

    segmen = a.get("segmen") or ""
    segment = option_labels.get("segmen", {}).get(segmen, "")
    if not segment and segmen in SEGMENT_ENTRY and SEGMENT_ENTRY[segmen] in kb.by_id:
        segment = kb.by_id[SEGMENT_ENTRY[segmen]].title
    saluran = a.get("sarana_saluran") or ""
    channel = (words.get("channels") or {}).get(saluran) or option_labels.get("sarana_saluran", {}).get(saluran, "")
    relationships = tuple(kb.by_id[r].title for r in a.get("hubungan") or () if r in kb.by_id)

    sector = a.get("sektor")   # the owner's own stories and steps, as in the chat
    by_motive: dict[str, list[Tactic]] = {}
    for item in session.plan or ():
        entry = kb.by_id.get(item.get("id", ""))
        if entry is None:
            continue   # a tactic removed from knowledge/ since it was planned
        sources, seen = [], set()
        for s in entry.sources:
            if s.key not in seen:
                seen.add(s.key)
                sources.append(SourceRef(s.title, s.author, s.url))
        tactic = Tactic(entry.id, entry.title, entry.summary, entry.steps_for(sector), entry.example_for(sector)[1],
                        _status(item.get("status") or "direncanakan", flow.plan_status), tuple(sources))
        by_motive.setdefault(str(item.get("motivasi") or ""), []).append(tactic)
    motive_labels = option_labels.get("motivasi", {})
    order = [m for m in MOTIVATIONS if m in by_motive] + [m for m in by_motive if m not in MOTIVATIONS]
    groups = tuple(MotiveGroup(m, motive_labels.get(m) or words["texts"]["other_motivation"], tuple(by_motive[m]))
                   for m in order)
    return PlanSheet(nama=str(a.get("nama") or ""), produk=str(a.get("produk") or ""), segment=segment,
                     nilai=str(a.get("nilai") or ""), relationships=relationships, channel=channel,
                     groups=groups, texts=MappingProxyType(dict(words["texts"])))
