"""Finding any of many phrases in a reply's standard words, as whole words, in one regex search."""
from __future__ import annotations

import re
from typing import Callable, Sequence


def any_phrase(phrases: Sequence[str]) -> Callable[[str], re.Match | None]:
    """A search for any of `phrases` as whole words (a space or an end on both sides): what
    any(has(text, p) for p in phrases) asks, in one regex search."""
    alternatives = "|".join(map(re.escape, sorted({p for p in phrases if p}, key=len, reverse=True)))
    return re.compile(r"(?<![^ ])(?:%s)(?![^ ])" % alternatives if alternatives else r"(?!)").search
