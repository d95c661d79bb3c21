"""Traits an owner's own words show beyond the buttons: businesses buy, staff, working alone, self-service."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping


class Traits:
    """Reads understand.yaml's `traits` and `counted_staff`; `tokens` is the reader's (words in standard form)."""

    def __init__(self, words: Mapping[str, Any], tokens: Callable[[str], list[str]]):
        self.tokens = tokens
        phrases = lambda items: [" ".join(tokens(str(item))) for item in items if str(item).strip()]
        self.phrases = {trait: phrases(items) for trait, items in words["traits"].items()}
        self.counted_staff = re.compile(r"\b\d+ (?:orang )?(?:%s)\b" % "|".join(
            sorted(map(re.escape, phrases(words["counted_staff"])), key=len, reverse=True)))

    def read(self, text: str) -> frozenset[str]:
        said = f" {' '.join(self.tokens(text))} "
        found = set()
        for trait, phrases in self.phrases.items():
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
