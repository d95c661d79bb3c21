"""Quick questions: the sure card, the best few offered when unsure, the honest off-topic answer, or 'not found'."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Collection, Mapping

from ..advice.knowledge import MOTIVATIONS
from ..advice.found import Found, Hit
from ..text.normalise import clean_text
from ..text.render import short_title
from . import screens
from .model import LookedUp, Outcome, Reply

if TYPE_CHECKING:
    from .engine import Coach

QUERY_LIMIT = 300
CONFIDENT_LOOKUP = 2.0   # a card interrupts a typed answer only this sure, unless the owner asked a question


def answer(coach: Coach, out: Outcome, query: str, quiet: bool = False, min_score: float = 0.0,
           among: Collection[str] | None = None) -> bool:
    """Answer a question; False (and, unless quiet, a 'not found') when nothing fits.

    Quiet callers are reading a reply to a question of the flow: only a sure card (one of `among`, if
    given) or an off-topic answer interrupts them, since offering guesses there would hide "I did not
    understand"."""
    query = query[:QUERY_LIMIT]
    found = coach.lookup.find(query, limit=3)
    if among is not None and (found.topic or not found.hits or found.hits[0].id not in among):
        return False
    sure = found.sure and found.hits[0].score >= min_score
    offer = not quiet and not found.sure and bool(found.hits)
    out.events.append(LookedUp(query, found.hits[0].id if sure else None,
                               round(found.hits[0].score, 3) if found.hits else 0.0,
                               found.topic.id if found.topic else None))
    reply = _reply(coach, query, found, sure, offer, out.session.answers)
    if reply.template != "search_empty.j2" or not quiet:
        out.replies.append(reply)
    return reply.template != "search_empty.j2"


def answer_typed(coach: Coach, out: Outcome, raw: str, asks: bool) -> bool:
    """Typed words that answer no question of the flow: a question gets any sure card. Words that ask
    nothing get only the card they name ("kartu stempel"): the owner meant to answer, and a tip merely
    found in their words ("tergantung", "murah, enak, halal") would stand between them and the question.
    False (nothing added) when no card is given."""
    if asks:
        return answer(coach, out, raw, quiet=True)
    named = named_tactics(coach, raw)
    return bool(named) and answer(coach, out, raw, quiet=True, among=named)


def named_tactics(coach: Coach, raw: str) -> list[str]:
    """Tactics the words name by a word only that tactic's title holds ("referral", "stempel"), in order."""
    titled = title_words(coach, whole=False)   # the subtitles hold everyday words ("melayani sendiri")
    return list(dict.fromkeys(next(iter(titled[w])) for w in coach.reader.tokens(raw) if len(titled.get(w, ())) == 1))


@lru_cache(maxsize=8)
def title_words(coach: Coach, whole: bool) -> dict[str, frozenset[str]]:
    """Each telling word of the entries' titles, `whole` or short ("Cross selling" of "Cross selling: ..."),
    over three letters and no stopword, filler or "oke" -> the entries whose title holds it."""
    common = coach.kb.lexicon.stopwords | coach.reader.filler | coach.reader.unclear   # "jadi", "sampai"
    holders: dict[str, set[str]] = {}
    for entry in coach.kb.entries:
        for word in set(coach.reader.tokens(entry.title if whole else short_title(entry.title))):
            if len(word) > 3 and word not in common:
                holders.setdefault(word, set()).add(entry.id)
    return {word: frozenset(ids) for word, ids in holders.items()}


def reply_outside(coach: Coach, query: str) -> tuple[Found, Reply]:
    """One answer outside a conversation (`umkm-coach cari`)."""
    query = query[:QUERY_LIMIT]
    found = coach.lookup.find(query, limit=3)
    return found, _reply(coach, query, found, found.sure, not found.sure and bool(found.hits))


def _reply(coach: Coach, query: str, found: Found, sure: bool, offer: bool, answers: Mapping = {}) -> Reply:
    if found.topic is not None:
        return Reply("off_topic.j2", {"answer": found.topic.answer})
    if sure:
        return screens.card(coach, list(found.hits), answers)
    if offer:
        return screens.offered_cards(coach, list(found.hits))
    return Reply("search_empty.j2", {"query": query})


def inline_cards(coach: Coach, query: str, popular: list[str], limit: int = 10) -> list[Reply]:
    """Cards offered for `@bot query` in any chat; an empty query offers the most-used tactics."""
    query = clean_text(query)[:QUERY_LIMIT]
    if query:
        entries = [hit.entry for hit in coach.lookup.search(query, limit=limit)]
    else:
        ids = [i for i in popular if i in coach.kb.by_id]
        ids += [e.id for c in MOTIVATIONS for e in coach.kb.in_category(c) if e.id not in ids]
        entries = [coach.kb.by_id[i] for i in ids[:limit]]
    return [Reply("card.j2", {**screens.owner_fit(coach, {}), "entry": e, "others": []}) for e in entries]


def show_card(coach: Coach, out: Outcome, tactic: str) -> None:
    """One of the offered cards, tapped."""
    entry = coach.kb.by_id.get(tactic)
    if entry is None:   # a card removed from the knowledge since the offer
        return coach.stale(out)
    out.replies.append(screens.card(coach, [Hit(entry.id, entry.category, entry.title, 0.0, entry)],
                                    out.session.answers))
