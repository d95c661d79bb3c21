"""Quick lookup: rank knowledge entries for a casual Indonesian question, offer them when unsure, or say it is off-topic (pure)."""
from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from functools import lru_cache
from typing import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ..text.normalise import Normaliser, informal_roots, lookup_words
from .entry import Entry
from .found import Found, Hit
from .knowledge import Lexicon
from .offtopic import OffTopic, OffTopics

# How much a match in each field counts: owners' words live in keywords and titles;
# examples tell stories about warung and kue that must not pull unrelated queries in.
FIELD_WEIGHTS = {"title": 3.0, "keywords": 3.0, "summary": 1.2, "steps": 0.6, "example": 0.25}
BIGRAM_WEIGHT = 0.6        # adjacent word pairs: "media sosial" beats "media" + "sosial" apart
K1, B = 1.2, 0.5           # BM25 saturation and length normalisation
# Answer nothing rather than something wrong. Words our knowledge speaks of must carry at least
# MIN_COVERAGE of the query, and the best hit must score MIN_SCORE plus SCORE_PER_MISSING for each
# share of the query that is not covered: "instagram" alone needs little, a question full of words
# about something else needs a strong match. A word the knowledge never uses weighs
# UNKNOWN_ROOT (a real Indonesian word: "cuaca", "gitar") or UNKNOWN_OTHER (brands, products,
# slang: "skincare", "bakso") times the weight of the rarest known word. Tuned on
# tests/data/casual_queries.jsonl (owners' own phrasing, typos, off-topic chatter).
MIN_SCORE = 1.0
SCORE_PER_MISSING = 6.0
MIN_COVERAGE = 0.5
UNKNOWN_ROOT, UNKNOWN_OTHER = 0.35, 0.5
STRONG_FIELDS = frozenset({"title", "keywords", "summary", "steps"})
RELATIVE_CUTOFF = 0.3      # further hits must score at least this share of the best one
MAX_QUERY_CHARS = 500      # owners' questions are short; bound the work per query
# Below the sure bar the best cards are still offered as buttons ("Maksud Anda salah satu ini?")
# when the knowledge speaks of at least UNSURE_COVERAGE of the question and the best hit reaches
# UNSURE_SHARE of the sure bar: an empty "Maaf" helps no one when a card did score.
UNSURE_COVERAGE, UNSURE_SHARE = 0.3, 0.5
# In a message of more than ONE_THOUGHT words the clause that asks ("gimana caranya biar pembeli tetap
# milih saya?") says what the owner wants; the backstory weighs this much. "Mau naik kelas, target yg
# suka pamer" is one thought.
BACKSTORY_WEIGHT, ONE_THOUGHT = 0.5, 10
THIN_QUESTION = 2           # an asking clause naming fewer known words than this leans on the one before
# The title says what a card is about ("Tangani komplain ..."): a question word there counts this much
# more than BM25 gives, whose saturation ties a card listing the word among thirty keywords with it.
TITLE_BONUS = 0.5
TITLE_IDF = 0.8             # not for a word in nearly half the cards: "promosi lewat apa" is no card titled "lewat"
# "Gratis ongkir udh, diskon udh, tetep aja ga balik": a clause saying a tactic was done already
# (TRIED_MARK), before a "but still" (TRIED_BUT), reports what failed; the cards titled with its words
# are the owner's past, not the answer: their score is multiplied by TRIED. "Udah 3 tahun" is a
# span of time (TRIED_SPAN), not a tactic.
TRIED = 0.5
TRIED_IDF = 1.5             # only telling words ("diskon", "ongkos"), never "pelanggan" or "beli"
TRIED_MARK = frozenset({"sudah", "pernah"})
TRIED_BUT = frozenset({"tapi", "tetap", "masih", "malah", "padahal"})
TRIED_SPAN = frozenset({"tahun", "bulan", "minggu", "hari", "jam"})
CLAUSES = re.compile(r"[.,;:!?\n]+|\s(?:tapi|tp|padahal|terus|trus|trs)\s")


def _entry_fields(entry: Entry) -> dict[str, list[str]]:
    # Keywords are separate phrases: keep them apart so bigrams do not join two keywords.
    return {"title": [entry.title], "keywords": list(entry.keywords), "summary": [entry.summary],
            "steps": list(entry.steps), "example": [entry.example]}


def _slip(typed: str, meant: str) -> bool:
    """A finger slip: one letter doubled, dropped or added, or two neighbours swapped; owners rarely
    miss a word's first letter, and a different one there is usually a different word ("pajak", "ajak")."""
    return (typed[0] == meant[0] and OSA.distance(typed, meant) == 1
            and (len(typed) != len(meant) or sorted(typed) == sorted(meant)))


def _with_bigrams(terms: list[str]) -> list[str]:
    return terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])]


class Lookup:
    """An inverted index over the entries with BM25F ranking and typo-tolerant query words."""

    def __init__(self, entries: Sequence[Entry], lexicon: Lexicon, off_topics: OffTopics = OffTopics(),
                 same: dict[str, str] | None = None, min_score: float = MIN_SCORE,
                 min_coverage: float = MIN_COVERAGE):
        """`same`: one written word -> its standard form (chat spelling, Javanese, Sundanese, Betawi),
        the table the answer reader uses too, applied before the lexicon."""
        self.entries = tuple(entries)
        self.min_score = min_score
        self.min_coverage = min_coverage
        vocabulary = {w for entry in self.entries for texts in _entry_fields(entry).values()
                      for text in texts for w in lookup_words(text)}
        vocabulary |= {w for topic in off_topics.topics for p in topic.phrases for w in lookup_words(p)}
        vocabulary |= {w for v in (same or {}).values() for w in v.split()}
        self.normaliser = Normaliser(dict(lexicon.replacements), lexicon.stopwords, same or {},
                                     vocabulary | lexicon.stopwords | lexicon.question_words)
        self._asking = lexicon.question_words
        self._tails = lexicon.question_tails
        self._business = frozenset(t for w in lexicon.business_words for t in self.normaliser.terms(w))
        self._topics = [(topic, f" {' '.join(terms)} ", " ".join(terms)) for topic in off_topics.topics
                        for terms in map(self.normaliser.terms, topic.phrases) if terms]
        self._customer_words = [f" {' '.join(self.normaliser.terms(w))} " for w in off_topics.about_customers]
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        surface: set[str] = set(self.normaliser.known)
        strong_surface: set[str] = set()   # words of the fields that say what an entry is about
        strong: set[str] = set()
        lengths: dict[str, list[int]] = defaultdict(list)
        per_entry: list[dict[str, list[str]]] = []
        for entry in self.entries:
            fields = {}
            for name, texts in _entry_fields(entry).items():
                terms: list[str] = []
                for text in texts:
                    words = self.normaliser.words(text)
                    surface.update(words)
                    stems = self.normaliser.stems(self.normaliser.expand(words))
                    if name in STRONG_FIELDS:
                        strong_surface.update(words)
                        strong.update(stems)
                    terms.extend(_with_bigrams(stems))
                fields[name] = terms
                lengths[name].append(len(terms))
            per_entry.append(fields)
        average = {name: (sum(ls) / len(ls) or 1.0) for name, ls in lengths.items()}
        for doc, fields in enumerate(per_entry):
            weighted: dict[str, float] = defaultdict(float)
            for name, terms in fields.items():
                norm = 1 - B + B * len(terms) / average[name]
                counts: dict[str, int] = defaultdict(int)
                for term in terms:
                    counts[term] += 1
                for term, count in counts.items():
                    weighted[term] += FIELD_WEIGHTS[name] * count / norm
            for term, tf in weighted.items():
                self._postings[term][doc] = tf / (K1 + tf)
        n = len(self.entries)
        self._idf = {term: math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
                     for term, docs in self._postings.items()}
        self._surface = frozenset(surface)
        self._targets = sorted(w for w in strong_surface | self.normaliser.known if len(w) >= 3)
        self._strong = frozenset(strong)
        # What each card is about (title, keywords): a sure answer must meet the card there.
        self._about = [frozenset(fields['title']) | frozenset(fields['keywords']) for fields in per_entry]
        self._titled: dict[str, list[int]] = defaultdict(list)
        for doc, fields in enumerate(per_entry):
            for term in (t for t in set(fields['title']) if self._idf[t] >= TITLE_IDF):
                self._titled[term].append(doc)
        # How telling each word is, for the coverage: words unknown to the knowledge count most.
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._idf_unigram = {t: idf for t, idf in self._idf.items() if " " not in t}
        self._correct = lru_cache(maxsize=65536)(self._closest_word)

    def _closest_word(self, word: str) -> str:
        """The known word a typo most likely meant, or the word itself when none is close."""
        if len(word) < 4 or word.isdigit() or word in self.normaliser.roots:
            return word
        known = next((root for root in informal_roots(word)
                      if root in self._surface or root in self.normaliser.known), None)
        if known:
            return known   # "ratingnya", "ngelompokin", "solusina": a root we know inside chat affixes
        match = process.extractOne(word, self._targets, scorer=fuzz.ratio, score_cutoff=75)
        if not match:
            return word
        meant, edits = match[0], OSA.distance(word, match[0])
        if len(meant) < len(word) <= 4:
            return word   # "jamu" is not "jam" with a slip: a short word rarely loses a letter
        stem = self.normaliser.stem(word)
        if stem != word and stem in self.normaliser.roots:
            plausible = _slip(word, meant)   # "ramalan" is ramal + an, not a typo of "ramadan"
        else:
            plausible = _slip(word, meant) or (len(word) >= 8 and edits == 1) or (len(word) >= 10 and edits == 2)
        return meant if plausible else word

    def _clauses(self, query: str) -> list[tuple[list[str], float, bool]]:
        """The question's clauses as corrected words, each with its weight (see BACKSTORY_WEIGHT) and
        whether it reports a tactic already tried (see TRIED).

        A clause that asks but names almost nothing ("..., kudu piye?", "gimana mintanya?") asks about
        the clause before it: that one counts as asking too."""
        clauses = []
        for match in re.finditer(r"[^.,;:!?\n]+[.,;:!?\n]*", query[:MAX_QUERY_CHARS]):
            for part in CLAUSES.split(" " + match.group() + " "):
                words = self.normaliser.words(part)
                if words:
                    words = [w if w in self._surface else self._correct(w) for w in words]
                    expanded = self.normaliser.expand(words)
                    asks = ("?" in match.group() or words[-1] in self._tails
                            or any(w in self._asking for w in expanded))
                    named = sum(1 for t in self.normaliser.stems(expanded) if t in self._strong)
                    clauses.append([words, asks, named, set(expanded)])
        for before, clause in zip(clauses, clauses[1:]):
            if clause[1] and clause[2] < THIN_QUESTION:
                before[1] = True
        short = sum(len(clause[0]) for clause in clauses) <= ONE_THOUGHT   # one thought, no backstory
        asking = 0 if short else sum(1 for clause in clauses if clause[1])
        but = not TRIED_BUT.isdisjoint(self.normaliser.expand(self.normaliser.words(query[:MAX_QUERY_CHARS])))
        out = []
        for i, (words, asks, _, said) in enumerate(clauses):
            tried = (but and not asks and i < len(clauses) - 1 and not TRIED_MARK.isdisjoint(said)
                     and TRIED_SPAN.isdisjoint(said))
            weight = 1.0 if asks or asking in (0, len(clauses)) else BACKSTORY_WEIGHT
            out.append((words, BACKSTORY_WEIGHT if tried else weight, tried))
        return out

    def query_terms(self, query: str) -> tuple[dict[str, float], float, frozenset[str]]:
        """The query's terms (with bigrams) and their weights, the share of its words our knowledge speaks
        of, and the words of the tactics the owner says were tried already."""
        weighted: dict[str, float] = {}
        tried: set[str] = set()
        for words, weight, was_tried in self._clauses(query):
            # "Enaknya ...", "mending ...": the word asks, its root ("enak") is no topic, unlike "siapa".
            words = [w for w in words if w not in self._asking or w in self._strong]
            stems = self.normaliser.stems(self.normaliser.expand(words))
            if was_tried:
                tried.update(stems)
            for term in _with_bigrams(stems):
                weighted[term] = max(weighted.get(term, 0.0), weight)
        unigrams = [t for t in weighted if " " not in t]
        idf = [self._idf_unigram.get(t, self._max_idf) if t in self._strong
               else self._max_idf * (UNKNOWN_ROOT if t in self.normaliser.roots else UNKNOWN_OTHER)
               for t in unigrams]
        known = sum(w * weighted[t] for t, w in zip(unigrams, idf) if t in self._strong)
        total = sum(w * weighted[t] for t, w in zip(unigrams, idf))
        return weighted, (known / total if total else 0.0), frozenset(tried)

    def off_topic(self, weighted: dict[str, float]) -> OffTopic | None:
        """The topic outside marketing the question is about, unless it also speaks of customers."""
        if not self._topics:
            return None
        said = " " + " ".join(t for t in weighted if " " not in t) + " "
        if any(w in said for w in self._customer_words):
            return None
        return next((topic for topic, padded, phrase in self._topics if padded in said or phrase in weighted), None)

    def find(self, query: str, limit: int = 3) -> Found:
        """The cards for a question, sure or offered, or the off-topic answer, or nothing."""
        weighted, coverage, tried = self.query_terms(query)
        topic = self.off_topic(weighted)
        if topic is not None:
            return Found(topic=topic)
        if coverage < min(self.min_coverage, UNSURE_COVERAGE):
            return Found()
        scores: dict[int, float] = defaultdict(float)
        for term, weight in weighted.items():
            docs = self._postings.get(term)
            if not docs:
                continue
            idf = self._idf[term] * weight * (BIGRAM_WEIGHT if " " in term else 1.0)
            for doc, saturated in docs.items():
                scores[doc] += idf * saturated
        if not scores:
            return Found()
        strength = max(scores.values())   # the bars below were set on this, before the title bonus
        for term, weight in weighted.items():
            for doc in self._titled.get(term, ()):
                if doc in scores:
                    scores[doc] += TITLE_BONUS * self._idf[term] * weight * (BIGRAM_WEIGHT if " " in term else 1.0)
        for term in (t for t in tried if self._idf.get(t, 0.0) >= TRIED_IDF):
            for doc in self._titled.get(term, ()):
                if doc in scores:   # per word: "ongkir udh, diskon udh" names the card twice
                    scores[doc] *= TRIED
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best = ranked[0][1]
        needed = self.min_score + SCORE_PER_MISSING * (1.0 - coverage)
        sure = (coverage >= self.min_coverage and strength >= needed
                and not self._about[ranked[0][0]].isdisjoint(weighted))
        if not sure and (coverage < UNSURE_COVERAGE or strength < max(self.min_score, needed * UNSURE_SHARE)
                         or not self._business.intersection(weighted)):
            return Found()   # guesses only for questions about the business, never for "obat sakit kepala"
        floor = max(needed, best * RELATIVE_CUTOFF) if sure else best * RELATIVE_CUTOFF
        hits = tuple(Hit(self.entries[d].id, self.entries[d].category, self.entries[d].title, s, self.entries[d])
                     for d, s in ranked[:limit] if s >= floor)
        return Found(hits, sure)

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """Only the cards the lookup is sure of."""
        found = self.find(query, limit)
        return list(found.hits) if found.sure else []
