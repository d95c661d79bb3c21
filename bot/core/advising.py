"""A session's advice: the recommender's profile from the owner's answers and words, and the relationships
and tactics it ranks (pure; each distinct profile is worked out once)."""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

from ..advice.entry import FITS_VALUES
from ..advice.knowledge import KnowledgeBase
from ..advice.recommend import Profile, Recommendation, relationships, tactics
from .flow import Flow
from .model import Session
from .understand import Reader

TACTICS_SHOWN = 3             # cards per screen: each has steps and an example, phones scroll slowly


class Adviser:
    def __init__(self, kb: KnowledgeBase, flow: Flow, reader: Reader):
        self.kb = kb
        # What the profile reads, in flow order: the steps whose typed words it reads, those filling a field.
        self._typed_steps = tuple(step.id for step in flow.steps.values() if step.reads_into)
        self._profile_steps = tuple((step.id, step.profile) for step in flow.steps.values() if step.profile)
        # Every screen after the relationship step ranks the tactics again from the same few answers,
        # and reads the same typed words: both are pure, so each distinct input is worked out once.
        self._traits = lru_cache(maxsize=4096)(reader.traits)
        self._suited = lru_cache(maxsize=4096)(lambda profile: tuple(relationships(kb, profile)))
        self._ranked = lru_cache(maxsize=4096)(
            lambda profile, motivation, planned: tuple(tactics(kb, profile, motivation, exclude=planned,
                                                               limit=TACTICS_SHOWN)))

    def profile(self, answers: Mapping) -> Profile:
        """The recommender's profile from the answers of the steps that fill it (a later step wins), the
        sector and value tags read from the owner's words, and what those words say about the business."""
        typed = " . ".join(str(answers.get(step_id) or "") for step_id in self._typed_steps)
        fields: dict = {"sektor": answers.get("sektor"), "nilai_tag": tuple(answers.get("nilai_tag") or ()),
                        "ciri": self._traits(typed)}
        for step_id, name in self._profile_steps:
            value = answers.get(step_id)
            if not value:
                continue
            if name == "hubungan":
                fields["hubungan"] = tuple(value)
            elif value in FITS_VALUES.get(name, (value,)):
                fields[name] = value
        return Profile(**fields)

    def relationships(self, answers: Mapping) -> list[Recommendation]:
        """The relationship types that suit these answers, best first."""
        return list(self._suited(self.profile(answers)))

    def tactics(self, s: Session) -> list[Recommendation]:
        a = s.answers
        planned = frozenset(item["id"] for item in s.plan)
        return list(self._ranked(self.profile(a), a.get("motivasi") or "akuisisi", planned))
