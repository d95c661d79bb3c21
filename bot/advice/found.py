"""What a quick question found: the cards (sure, or offered when unsure), an off-topic answer, or nothing."""
from __future__ import annotations

from dataclasses import dataclass

from .entry import Entry
from .offtopic import OffTopic


@dataclass(frozen=True)
class Hit:
    id: str
    category: str
    title: str
    score: float
    entry: Entry

    def as_json(self) -> dict:
        return {"id": self.id, "category": self.category, "title": self.title,
                "score": round(self.score, 3), "summary": self.entry.summary}


@dataclass(frozen=True)
class Found:
    """What a question found: cards (sure, or offered when unsure), an off-topic answer, or nothing."""
    hits: tuple[Hit, ...] = ()
    sure: bool = False
    topic: OffTopic | None = None
