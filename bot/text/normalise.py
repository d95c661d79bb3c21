"""The one normaliser of owner text, in stages; answer matching and the lookup each take the stages they need.

Stages, in order: invisible characters, case and accents, stretched letters ("bangeeet"),
reduplication with "2" ("kue2"), then (lookup only) the lexicon's casual forms and the stemmer.
Answer matching stays unstemmed: stemming merges words that steer the flow ("langganan"/"pelanggan").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

MAX_PHRASE_WORDS = 4     # longest casual phrase in the lexicon
POSSESSIVE = ("nya", "ku", "mu")
# Zero-width, soft-hyphen and direction marks hide inside words ("pela\u200bnggan"): drop, never split.
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD = re.compile(r"[a-z0-9]+")
_STRETCHED_ANY = re.compile(r"(.)\1{2,}")
_STRETCHED_LETTER = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED = re.compile(r"\b([a-z]{2,})2\b")


# ----------------------------------------------------------------------------- stages

def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def fold_case(text: str) -> str:
    """Compatibility forms unified (full-width, ligatures) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def fold_accents(text: str) -> str:
    """Lower case without accents ("café" -> "cafe")."""
    if text.isascii():   # nothing to decompose (most owner text): the same result, quicker
        return text.lower()
    text = unicodedata.normalize("NFKD", text).lower()
    return "".join(c for c in text if not unicodedata.combining(c))


def unstretch(text: str, letters_only: bool = True) -> str:
    """'bangeeet' -> 'banget'."""
    stretched = _STRETCHED_LETTER if letters_only else _STRETCHED_ANY
    return stretched.sub(r"\1", text) if stretched.search(text) else text   # a sub costs more than a search


def unreduplicate(text: str) -> str:
    """'kue2' -> 'kue' (Indonesians write a repeated word with a 2)."""
    return _REDUPLICATED.sub(r"\1", text) if _REDUPLICATED.search(text) else text


def words(text: str) -> list[str]:
    return _WORD.findall(text)


# Chat and regional affixes around a standard root: Jakarta "nge-/-in" (ngelompokin), Sundanese
# "-na/-keun/nga-" (solusina, ngabales), Javanese "-e/-ne" (ongkire). A nasal prefix swallows the
# root's first letter (nanya = tanya, nyuci = cuci, mikir = pikir, ngasih = kasih): put it back.
INFORMAL_SUFFIXES = ("keun", "kan", "nya", "ne", "na", "in", "an", "e", "i")
INFORMAL_PREFIXES = (("nge", ("",)), ("nga", ("",)), ("ng", ("k", "", "g")), ("ny", ("s", "c")),
                     ("m", ("p", "b")), ("n", ("t",)), ("di", ("",)), ("ke", ("",)), ("ka", ("",)))


def informal_roots(word: str) -> list[str]:
    """Standard roots a chat or regional form may hide, most likely first (the caller keeps known ones)."""
    stems = [word] + [word[:-len(s)] for s in INFORMAL_SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3]
    out: list[str] = list(stems)   # an ending alone first: "katanya" is kata + nya, not ka + tanya
    for stem in stems:
        for prefix, restored in INFORMAL_PREFIXES:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= 3 and stem[len(prefix)] not in "gy":
                out.extend(first + stem[len(prefix):] for first in restored)
    return [w for w in dict.fromkeys(out) if w != word]


# ----------------------------------------------------------------------------- the two uses

def clean_text(text: str) -> str:
    """Owner text as stored: control and invisible characters removed, spaces tidied."""
    text = strip_invisible(_CONTROL.sub("", unicodedata.normalize("NFC", text or "")))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


@lru_cache(maxsize=4096)
def simplify(text: str) -> str:
    """For matching answers and word lists (never for storing): lower case, letters, digits, single spaces."""
    text = fold_accents(fold_case(str(text)))   # "ramé" -> "rame", never "ram"
    if text.strip() in {"?", "??", "???"}:
        return "?"
    return " ".join(words(unstretch(strip_invisible(text), letters_only=False)))


def lookup_words(text: str) -> list[str]:
    """For the lookup: accents folded, stretched letters and reduplication undone."""
    return words(unreduplicate(unstretch(fold_accents(strip_invisible(text)))))


class Normaliser:
    """The lookup's last stages: the lexicon's casual forms (longest phrase first), stopwords, stems."""

    def __init__(self, replacements: dict[str, str], stopwords: frozenset[str], same: dict[str, str] | None = None,
                 vocabulary: Iterable[str] = ()):
        """`vocabulary`: the words our own texts use (knowledge, lexicon). They are the stemmer's root
        words: PySastrawi's algorithm is MIT, but the root-word list it bundles comes from Kateglo under
        CC-BY-NC-SA 3.0 (non-commercial), so the coach never loads that list (see README, Licences)."""
        from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
        from Sastrawi.Stemmer.Stemmer import Stemmer

        self._replacements = {tuple(k.split()): tuple(v.split()) for k, v in replacements.items()}
        self._stopwords = stopwords
        # Words we know to be real (never "typos" of another of our words); a word outside them that
        # reduces to one of them by an affix is that word ("pelayanan" -> "layan").
        self.roots = frozenset(vocabulary) | {w for v in replacements.values() for w in v.split()}
        self.stem = lru_cache(maxsize=65536)(Stemmer(ArrayDictionary(sorted(self.roots))).stem)
        self._same = {k: v.split() for k, v in (same or {}).items()}
        self.known: set[str] = {w for key in self._replacements for w in key} | set(self._stopwords) | set(self._same)
        self._first_words = frozenset(key[0] for key in self._replacements if key)   # where a phrase may start

    def words(self, text: str) -> list[str]:
        """Words with chat, regional and misspelt forms in their standard form (the `same` table)."""
        return [part for word in lookup_words(text) for part in self._same.get(word, (word,))]

    def base(self, word: str) -> str:
        """The word without a possessive ending ("pelanggannya", "ongkirnya", "tokoku") when what is left
        is a word we know: the ending says whose, not what about."""
        if word in self._stopwords or not word.endswith(POSSESSIVE):
            return word
        for ending in POSSESSIVE:
            rest = word[:-len(ending)]
            if word.endswith(ending) and len(rest) >= 3 and (rest in self.roots or (rest,) in self._replacements):
                return rest
        return word

    def expand(self, words: Sequence[str]) -> list[str]:
        """Apply the lexicon, longest phrase first; a phrase also matches with possessive endings dropped."""
        based = [self.base(w) for w in words]
        out: list[str] = []
        i = 0
        while i < len(words):
            starts = words[i] in self._first_words or based[i] in self._first_words   # else none can match here
            for n in range(min(MAX_PHRASE_WORDS, len(words) - i) if starts else 0, 0, -1):
                replacement = (self._replacements.get(tuple(words[i:i + n]))
                               or self._replacements.get(tuple(based[i:i + n])))
                if replacement is not None:
                    out.extend(replacement)
                    i += n
                    break
            else:
                out.append(based[i])
                i += 1
        return out

    def stems(self, words: Iterable[str]) -> list[str]:
        # Single letters carry no meaning once "e mail" has become "email" ("é" is not a question).
        return [self.stem(w) or w for w in words if w not in self._stopwords and len(w) > 1]

    def terms(self, text: str) -> list[str]:
        return self.stems(self.expand(self.words(text)))
