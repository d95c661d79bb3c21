"""Quick lookup: rank knowledge entries for a casual Indonesian question, or answer nothing (pure)."""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ..text.normalise import Normaliser
from .knowledge import Entry, Lexicon

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
UNKNOWN_ROOT = 0.35
UNKNOWN_OTHER = 0.5
STRONG_FIELDS = frozenset({"title", "keywords", "summary", "steps"})
RELATIVE_CUTOFF = 0.3      # further hits must score at least this share of the best one
MAX_QUERY_CHARS = 500      # owners' questions are short; bound the work per query


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


def _entry_fields(entry: Entry) -> dict[str, list[str]]:
    # Keywords are separate phrases: keep them apart so bigrams do not join two keywords.
    return {"title": [entry.title], "keywords": list(entry.keywords), "summary": [entry.summary],
            "steps": list(entry.steps), "example": [entry.example]}


def _slip(typed: str, meant: str) -> bool:
    """A finger slip: one letter doubled, dropped or added, or two neighbours swapped."""
    return OSA.distance(typed, meant) == 1 and (len(typed) != len(meant) or sorted(typed) == sorted(meant))


def _with_bigrams(terms: list[str]) -> list[str]:
    return terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])]


class Lookup:
    """An inverted index over the entries with BM25F ranking and typo-tolerant query words."""

    def __init__(self, entries: Sequence[Entry], lexicon: Lexicon, min_score: float = MIN_SCORE,
                 min_coverage: float = MIN_COVERAGE):
        self.entries = tuple(entries)
        self.min_score = min_score
        self.min_coverage = min_coverage
        self.normaliser = Normaliser(dict(lexicon.replacements), lexicon.stopwords)
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
        # How telling each word is, for the coverage: words unknown to the knowledge count most.
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._idf_unigram = {t: idf for t, idf in self._idf.items() if " " not in t}
        self._correct = lru_cache(maxsize=65536)(self._closest_word)

    def _closest_word(self, word: str) -> str:
        """The known word a typo most likely meant, or the word itself when none is close."""
        if len(word) < 4 or word.isdigit() or word in self.normaliser.roots:
            return word
        base = word[:-3] if word.endswith("nya") else ""
        if base in self._surface or base in self.normaliser.known:
            return base   # "ratingnya", "pembelinya": the -nya ending owners add everywhere
        match = process.extractOne(word, self._targets, scorer=fuzz.ratio, score_cutoff=75)
        if not match:
            return word
        meant, edits = match[0], OSA.distance(word, match[0])
        stem = self.normaliser.stem(word)
        if stem != word and stem in self.normaliser.roots:
            plausible = _slip(word, meant)   # "ramalan" is ramal + an, not a typo of "ramadan"
        else:
            plausible = _slip(word, meant) or (len(word) >= 7 and edits == 1) or (len(word) >= 10 and edits == 2)
        return meant if plausible else word

    def query_terms(self, query: str) -> tuple[list[str], float]:
        """The query's terms (with bigrams) and the share of its words our knowledge speaks of."""
        words = self.normaliser.words(query[:MAX_QUERY_CHARS])
        words = [w if w in self._surface else self._correct(w) for w in words]
        terms = list(dict.fromkeys(self.normaliser.stems(self.normaliser.expand(words))))
        weights = [self._idf_unigram.get(t, self._max_idf) if t in self._strong
                   else self._max_idf * (UNKNOWN_ROOT if t in self.normaliser.roots else UNKNOWN_OTHER)
                   for t in terms]
        known = sum(w for t, w in zip(terms, weights) if t in self._strong)
        coverage = known / sum(weights) if terms else 0.0
        return _with_bigrams(terms), coverage

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        scores: dict[int, float] = defaultdict(float)
        terms, coverage = self.query_terms(query)
        if coverage < self.min_coverage:
            return []
        for term in terms:
            docs = self._postings.get(term)
            if not docs:
                continue
            idf = self._idf[term] * (BIGRAM_WEIGHT if " " in term else 1.0)
            for doc, saturated in docs.items():
                scores[doc] += idf * saturated
        if not scores:
            return []
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best = ranked[0][1]
        needed = self.min_score + SCORE_PER_MISSING * (1.0 - coverage)
        if best < needed:
            return []
        floor = max(needed, best * RELATIVE_CUTOFF)
        return [Hit(self.entries[d].id, self.entries[d].category, self.entries[d].title, s, self.entries[d])
                for d, s in ranked[:limit] if s >= floor]
