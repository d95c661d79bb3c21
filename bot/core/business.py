"""What an owner's own words say about the business: its sector, what its customers value, and traits
beyond the buttons (businesses buy, staff, working alone, self-service)."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from .phrases import any_phrase

Denied = Callable[[str, str], bool]   # the reader's: is this phrase negated wherever it stands in the text?


class Business:
    """Reads understand.yaml's `sectors`, `weak_sector_words`, `values`, `traits` and `counted_staff`;
    `tokens` is the reader's (a reply's words in standard form)."""

    def __init__(self, words: Mapping[str, Any], tokens: Callable[[str], list[str]], denied: Denied):
        self.tokens, self.denied = tokens, denied
        phrases = lambda items: [" ".join(tokens(str(item))) for item in items if str(item).strip()]
        self.sectors = {sector: phrases(items) for sector, items in words["sectors"].items()}
        self.weak_sector = set(phrases(words["weak_sector_words"]))
        # Each reply is read against several lists: one regex search per list instead of a loop over it.
        self._says_sector = {sector: any_phrase(found) for sector, found in self.sectors.items()}
        self._says_value = {tag: any_phrase(phrases(items)) for tag, items in words["values"].items()}
        self.trait_phrases = {trait: phrases(items) for trait, items in words["traits"].items()}
        self.counted_staff = re.compile(r"\b\d+ (?:orang )?(?:%s)\b" % "|".join(
            sorted(map(re.escape, phrases(words["counted_staff"])), key=len, reverse=True)))

    def sector(self, text: str) -> str:
        """The sector most of the words name (a weak word, "warung", only breaks ties); "bukan kuliner" names none."""
        scores: dict[str, tuple[int, int]] = {}
        said = " ".join(self.tokens(text))
        padded = f" {said} "
        for order, (sector, phrases) in enumerate(self.sectors.items()):
            if not self._says_sector[sector](said):
                continue
            hits = [p for p in phrases if f" {p} " in padded and not self.denied(text, p)]
            strong = [p for p in hits if p not in self.weak_sector]
            if hits:
                scores[sector] = (len(strong), -order)
        return max(scores, key=scores.get) if scores else "lainnya"

    def value_tags(self, said: str) -> list[str]:
        return [tag for tag, says in self._says_value.items() if says(said)]

    def traits(self, text: str) -> frozenset[str]:
        said = f" {' '.join(self.tokens(text))} "
        found = set()
        for trait, phrases in self.trait_phrases.items():
            for phrase in phrases:
                if f" {phrase} " in said:
                    found.add(trait)
                    # taken out, so no word in it is read again: "anak sekolah" is no school buying,
                    # "tanpa karyawan" no staff (the lists' order matters)
                    said = said.replace(f" {phrase} ", " | ")
        if self.counted_staff.search(said):
            found.add("staff")
        if "staff" in found:
            found.discard("solo")
        return frozenset(found - {"ignore"})
