"""Which relationship types and tactics fit an owner's profile, each with the reasons shown (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .entry import Entry, ValueNote
from .knowledge import OVERVIEW_IDS, KnowledgeBase

SERVICE_SECTORS = frozenset({"jasa-harian", "kecantikan"})   # the customer comes to be served in person
MAKER_SECTORS = frozenset({"fashion", "kerajinan", "jasa-profesional"})   # work made to the customer's wish

# Relationship types weighed the Business Model Canvas way: what the segment expects, against what the
# owner can afford to run. (type, condition the profile holds, points, shown as a reason?)
# Conditions: an answer value (banyak, besar, offline, ceruk...), `tag:<value tag>`, or a trait read from
# what the owner typed (see Profile.holds).
RELATIONSHIP_RULES: tuple[tuple[str, str, float, bool], ...] = (
    # Personal assistance: the UMKM default; people who come in, few customers, or customers who want a person.
    ("bantuan-pribadi", "any", 1.0, False),
    ("bantuan-pribadi", "offline", 1.5, True),
    ("bantuan-pribadi", "walk-in-service", 2.5, False),   # said by "offline" already
    ("bantuan-pribadi", "staff", 1.0, True),
    ("bantuan-pribadi", "tag:personal", 2.0, True),
    ("bantuan-pribadi", "sedikit", 1.0, True),
    ("bantuan-pribadi", "cukup", 1.0, True),
    ("bantuan-pribadi", "businesses", 1.0, True),
    ("bantuan-pribadi", "online-only", -1.0, False),
    # Dedicated personal assistance: one person holds each big client; costly, so only for big baskets.
    ("bantuan-pribadi-khusus", "besar", 2.5, True),
    ("bantuan-pribadi-khusus", "businesses", 2.5, True),
    ("bantuan-pribadi-khusus", "sedikit", 1.5, True),
    ("bantuan-pribadi-khusus", "cukup", 1.0, True),
    ("bantuan-pribadi-khusus", "staff", 1.0, True),
    ("bantuan-pribadi-khusus", "kecil", -2.0, False),
    ("bantuan-pribadi-khusus", "terbatas", -3.0, False),
    ("bantuan-pribadi-khusus", "solo-small", -4.0, False),
    # Self-service: many small, alike purchases and an owner short of hands.
    ("swalayan", "banyak", 1.5, True),
    ("swalayan", "kecil", 1.5, True),
    ("swalayan", "terbatas", 1.0, True),
    ("swalayan", "massal", 1.5, True),
    ("swalayan", "self-service", 2.0, True),
    ("swalayan", "walk-in-service", -1.5, False),
    ("swalayan", "tag:personal", -3.0, False),
    ("swalayan", "besar", -1.0, False),
    ("swalayan", "businesses", -1.0, False),
    ("swalayan", "online-only", -1.0, False),   # online, serving oneself is the automated kind
    # Automated service: online buyers in numbers the owner cannot answer one by one.
    ("layanan-otomatis", "online", 2.0, True),
    ("layanan-otomatis", "online-only", 1.0, False),
    ("layanan-otomatis", "offline-only", -2.0, False),
    ("layanan-otomatis", "banyak", 1.5, True),
    ("layanan-otomatis", "terbatas", 1.0, True),
    ("layanan-otomatis", "tag:online", 1.5, True),
    ("layanan-otomatis", "tag:cepat", 0.5, True),
    ("layanan-otomatis", "tag:personal", -1.0, False),
    # Community: customers who share an interest or a value and like meeting each other.
    ("komunitas", "online", 1.0, False),
    ("komunitas", "ceruk", 2.0, True),
    ("komunitas", "tersegmentasi", 1.0, True),
    ("komunitas", "tag:gengsi", 1.0, True),
    ("komunitas", "tag:tradisi", 1.0, True),
    ("komunitas", "tag:sehat", 1.0, True),
    ("komunitas", "tag:lingkungan", 1.0, True),
    ("komunitas", "banyak", 0.5, False),
    ("komunitas", "businesses", -1.0, False),
    # Co-creation: made with the customer; takes time, pays off only on big, custom work.
    ("ko-kreasi", "besar", 1.5, True),
    ("ko-kreasi", "ceruk", 1.0, True),
    ("ko-kreasi", "made-to-order", 1.5, True),
    ("ko-kreasi", "cukup", 1.0, True),
    ("ko-kreasi", "terbatas", -2.0, False),
    ("ko-kreasi", "solo-small", -4.0, False),
    ("ko-kreasi", "kecil", -1.0, False),
)

# Tactics: how much each answer counts when an entry's `fits` names it (open keys count as a match, so
# tactics that suit everyone compete fairly); a tactic that needs what the owner lacks drops hard.
WEIGHTS = {"segmen": 1.0, "jumlah": 1.0, "nilai": 1.0, "waktu": 1.0, "saluran": 1.5, "sektor": 1.5, "pembeli": 1.5}
OPEN_FIT = 0.7   # an entry open to every value of a key: nearly as good as one made for that value
MISMATCH = 2.0
RELATIONSHIP_MATCH = 2.5     # the tactic builds the relationship the owner accepted
VALUE_FIT = 0.5              # per customer value the tactic serves
VALUE_CLASH = 5.0            # per value it goes against: it leaves the top three unless nothing else fits
SHOWN = 3                    # the first three are kept diverse: one per idea
MIN_TACTICS = 3


@dataclass(frozen=True)
class Profile:
    segmen: str | None = None
    jumlah: str | None = None
    nilai: str | None = None
    waktu: str | None = None
    saluran: str | None = None   # None: both online and offline
    hubungan: tuple[str, ...] = ()
    sektor: str | None = None
    nilai_tag: tuple[str, ...] = ()
    # Read from what the owner typed: businesses (offices, schools, shops buy), staff, solo, self-service.
    ciri: frozenset[str] = frozenset()

    @property
    def pembeli(self) -> str:
        return "bisnis" if "businesses" in self.ciri else "konsumen"

    def holds(self, condition: str) -> bool:
        """Whether the owner said (or chose) what a rule's condition names."""
        if condition.startswith("tag:"):
            return condition[4:] in self.nilai_tag
        traits = {
            "any": True,
            "online": self.saluran in (None, "online"),
            "offline": self.saluran in (None, "offline"),
            "online-only": self.saluran == "online",
            "offline-only": self.saluran == "offline",
            "walk-in-service": self.sektor in SERVICE_SECTORS and self.saluran != "online",
            "made-to-order": self.sektor in MAKER_SECTORS,
            "solo-small": self.nilai == "kecil" and ("solo" in self.ciri or
                                                    ("staff" not in self.ciri and self.waktu == "terbatas")),
        }
        if condition in traits:
            return traits[condition]
        if condition in self.ciri:
            return True
        return condition in (self.segmen, self.jumlah, self.nilai, self.waktu)


@dataclass(frozen=True)
class Recommendation:
    entry: Entry
    score: float
    reasons: tuple[str, ...]              # phrases from knowledge/profil.yaml, joined by the template
    values: tuple[ValueNote, ...] = ()    # how the customers' values shaped it (clashes first)
    example_sector: str = "lainnya"       # whose story the owner is shown


def _phrase(phrases: Mapping, condition: str) -> str:
    if condition.startswith("tag:"):
        return phrases.get("nilai_tag", {}).get(condition[4:], "")
    for section in ("segmen", "jumlah", "nilai", "waktu", "saluran", "ciri"):
        if condition in phrases.get(section, {}):
            return phrases[section][condition]
    return ""


def relationships(kb: KnowledgeBase, profile: Profile, limit: int = 2) -> list[Recommendation]:
    """The relationship types that suit the segment and the owner's means, best first."""
    ranked = relationship_ranking(kb, profile)
    best = ranked[:limit]
    # A second type is offered only when it is nearly as good as the first.
    return [r for i, r in enumerate(best) if i == 0 or r.score >= best[0].score - 1.5]


def relationship_ranking(kb: KnowledgeBase, profile: Profile) -> list[Recommendation]:
    """All six relationship types, best first, each with the owner's answers that argue for it."""
    phrases = kb.texts.get("alasan", {})
    ranked = []
    for entry in kb.in_category("hubungan"):
        if entry.id in OVERVIEW_IDS:
            continue
        score, reasons = 0.0, []
        for rel, condition, points, shown in RELATIONSHIP_RULES:
            if rel == entry.id and profile.holds(condition):
                score += points
                if shown and points > 0:
                    reasons.append((points, _phrase(phrases, condition)))
        reasons.sort(key=lambda pr: -pr[0])
        ranked.append(Recommendation(entry, score, tuple(dict.fromkeys(p for _, p in reasons if p))[:3],
                                     example_sector=entry.example_for(profile.sektor)[0]))
    ranked.sort(key=lambda r: (-r.score, r.entry.id))
    return ranked


def _fit(entry: Entry, profile: Profile, phrases: Mapping) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    for key, weight in WEIGHTS.items():
        value = getattr(profile, key)
        allowed = entry.fits.get(key)
        if value is None:
            if key == "saluran" and allowed is not None:   # sells both ways: a one-channel tactic fits one
                score += weight
            continue
        if allowed is None:
            score += OPEN_FIT * weight
        elif value in allowed:
            score += weight
            reasons.append(phrases.get(key, {}).get(value, ""))
        else:
            score -= MISMATCH * weight
    return score, reasons


def _tactic(entry: Entry, profile: Profile, phrases: Mapping) -> Recommendation:
    score, reasons = _fit(entry, profile, phrases)
    allowed = entry.fits.get("hubungan")
    chosen = [h for h in profile.hubungan if allowed is None or h in allowed]
    if allowed is not None and chosen:
        score += RELATIONSHIP_MATCH
        reasons.insert(0, phrases.get("hubungan", {}).get(chosen[0], ""))
    elif allowed is None and profile.hubungan:   # works with any relationship: as good a match
        score += RELATIONSHIP_MATCH
    notes = entry.notes_for(profile.nilai_tag)
    for note in notes:
        score += -VALUE_CLASH if note.clashes else VALUE_FIT
        if not note.clashes:
            reasons.insert(0, phrases.get("nilai_tag", {}).get(note.tag, ""))
    return Recommendation(entry, score, tuple(dict.fromkeys(r for r in reasons if r))[:3], notes,
                          entry.example_for(profile.sektor)[0])


def tactics(kb: KnowledgeBase, profile: Profile, motivation: str,
            exclude: frozenset[str] = frozenset(), limit: int = 5) -> list[Recommendation]:
    """Tactics of one motivation (akuisisi, retensi, ekspansi) ranked for the profile, best first; the first
    three are of different ideas (not points, stamps and discounts together)."""
    phrases = kb.texts.get("alasan", {})
    ranked = [_tactic(e, profile, phrases) for e in kb.in_category(motivation)
              if e.id not in OVERVIEW_IDS and e.id not in exclude]
    ranked.sort(key=lambda r: (-r.score, r.entry.id))
    shown: list[Recommendation] = []
    ideas: set[str] = set()
    for rec in ranked:
        if len(shown) < SHOWN and rec.entry.idea and rec.entry.idea in ideas:
            continue
        shown.append(rec)
        ideas.add(rec.entry.idea)
    first = shown[:SHOWN]
    return (first + [r for r in ranked if r not in first])[:max(limit, MIN_TACTICS)]
