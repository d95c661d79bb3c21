"""Which relationship types and tactics fit an owner's profile, each with the reason shown (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .entry import Entry
from .knowledge import OVERVIEW_IDS, KnowledgeBase

# How much each answer counts when it agrees (or disagrees) with an entry's `fits`.
WEIGHTS = {"segmen": 2.0, "jumlah": 1.5, "nilai": 1.5, "waktu": 1.0, "saluran": 1.0}
MISMATCH = 1.5      # a tactic that needs what the owner lacks (online-only for a warung) drops hard
RELATIONSHIP_MATCH = 3.0
OPEN_FIT = 0.5      # an entry that suits every value of a key is a safe, lesser match
MIN_TACTICS = 3


@dataclass(frozen=True)
class Profile:
    segmen: str | None = None
    jumlah: str | None = None
    nilai: str | None = None
    waktu: str | None = None
    saluran: str | None = None   # None: both online and offline
    hubungan: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    entry: Entry
    score: float
    reasons: tuple[str, ...]   # phrases from knowledge/profil.yaml, joined by the template


def _match(entry: Entry, profile: Profile, phrases: Mapping) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    for key, weight in WEIGHTS.items():
        value = getattr(profile, key)
        if value is None:
            continue
        allowed = entry.fits.get(key)
        if allowed is None:
            score += OPEN_FIT * weight
        elif value in allowed:
            score += weight
            reasons.append(phrases.get(key, {}).get(value, ""))
        else:
            score -= MISMATCH * weight
    return score, [r for r in reasons if r]


def relationships(kb: KnowledgeBase, profile: Profile, limit: int = 2) -> list[Recommendation]:
    """The relationship types that suit the segment and the owner's means, best first."""
    phrases = kb.texts.get("alasan", {})
    ranked = []
    for entry in kb.in_category("hubungan"):
        if entry.id in OVERVIEW_IDS:
            continue
        score, reasons = _match(entry, profile, phrases)
        ranked.append(Recommendation(entry, score, tuple(reasons)))
    ranked.sort(key=lambda r: (-r.score, r.entry.id))
    best = ranked[:limit]
    # A second type is offered only when it is nearly as good as the first.
    return [r for i, r in enumerate(best) if i == 0 or r.score >= best[0].score - WEIGHTS["segmen"]]


def tactics(kb: KnowledgeBase, profile: Profile, motivation: str,
            exclude: frozenset[str] = frozenset(), limit: int = 5) -> list[Recommendation]:
    """Tactics of one motivation (akuisisi, retensi, ekspansi) ranked for the profile, best first."""
    phrases = kb.texts.get("alasan", {})
    ranked = []
    for entry in kb.in_category(motivation):
        if entry.id in OVERVIEW_IDS or entry.id in exclude:
            continue
        score, reasons = _match(entry, profile, phrases)
        allowed = entry.fits.get("hubungan")
        chosen = [h for h in profile.hubungan if allowed is None or h in allowed]
        if allowed is None:
            score += OPEN_FIT * RELATIONSHIP_MATCH
        elif chosen:
            score += RELATIONSHIP_MATCH
            reasons = [phrases.get("hubungan", {}).get(chosen[0], "")] + reasons
        ranked.append(Recommendation(entry, score, tuple(r for r in reasons if r)))
    ranked.sort(key=lambda r: (-r.score, r.entry.id))
    return ranked[:max(limit, MIN_TACTICS)]

