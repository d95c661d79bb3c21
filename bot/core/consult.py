"""One owner's profile in, the coach's advice out, as `umkm-coach rekomendasi --json` prints it (pure)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..advice.recommend import relationship_ranking, tactics

if TYPE_CHECKING:
    from .engine import Coach

# The interface's keys -> the flow's steps that ask the same thing in the chat.
STEP_OF = {"sells": "produk", "segment": "segmen", "count": "sarana_jumlah", "spend": "sarana_nilai",
           "time": "sarana_waktu", "channel": "sarana_saluran", "values": "nilai", "motivation": "motivasi"}
SHOWN_TACTICS = 5


def answers_from(coach: Coach, profile: Mapping[str, Any]) -> dict:
    """The chat's answers for an interface profile: the typed texts are read as the chat reads them,
    unless the profile carries `sector` or `value_tags` to override what was read."""
    answers = {STEP_OF[k]: v for k, v in profile.items() if k in STEP_OF and v not in (None, "")}
    for step_id in ("produk", "nilai"):
        step = coach.flow.steps[step_id]
        read = coach.understand(step_id, str(answers.get(step_id) or ""))
        answers[step.reads_into] = read.value if read.intent == "answer" else coach.reader.nothing(step_id)
    if profile.get("sector"):
        answers["sektor"] = profile["sector"]
    if profile.get("value_tags") is not None:
        answers["nilai_tag"] = list(profile["value_tags"])
    return answers


def advise(coach: Coach, profile: Mapping[str, Any]) -> dict:
    """Relationship types best first, then tactics ranked as if the first type were accepted."""
    answers = answers_from(coach, profile)
    rels = relationship_ranking(coach.kb, coach.profile(answers))
    answers["hubungan"] = [rels[0].entry.id]
    tacs = tactics(coach.kb, coach.profile(answers), answers.get("motivasi") or "akuisisi", limit=SHOWN_TACTICS)
    return {
        "sector": answers["sektor"],
        "value_tags": list(answers["nilai_tag"]),
        "relationships": [{"id": r.entry.id, "reasons": list(r.reasons)} for r in rels],
        "tactics": [{"id": t.entry.id, "reasons": list(t.reasons), "example_sector": t.example_sector,
                     "values": [{"tag": n.tag, "clashes": n.clashes} for n in t.values]} for t in tacs],
    }
