"""When an owner's words turn a phrase down ("belum online", "bukan kuliner", "ga butuh pelanggan baru")."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from .phrases import any_phrase

CLAUSE = re.compile(r"[,;.!?\n]+")   # a negation reaches no further than its clause


class Negation:
    """Reads understand.yaml's `negations`, `only`, `wants` and `customers` (people: a wish turned down
    after them is theirs, a problem); `tokens` is the reader's (words in standard form)."""

    def __init__(self, words: Mapping[str, Any], tokens: Callable[[str], list[str]]):
        phrases = lambda key: {" ".join(tokens(str(w))) for w in words[key]}
        self.tokens = tokens
        self.negations, self.only, self.wants = phrases("negations"), phrases("only"), phrases("wants")
        self.names_people = any_phrase(list(phrases("customers") | phrases("they")))

    def denied(self, text: str, phrase: str, refusing: bool = False, own: frozenset[str] = frozenset()) -> bool:
        """Wherever the phrase stands in the text it follows a negation, at most two words before it and in
        the same clause ("bukan kuliner, fashion": fashion stands), not "not only" ("bukan cuma kue");
        never one of `own` (the option "tidak" is not denied by its own word). `refusing`: only a wish the
        owner turns down ("ga butuh pelanggan baru"), where a problem may name the answer ("pelanggan
        jarang balik", "pelanggan ga mau balik lagi" are retensi)."""
        flags = []
        target = phrase.split()
        for words in map(self.tokens, CLAUSE.split(text)):
            for i in (i for i in range(len(words)) if words[i:i + len(target)] == target):
                before = words[max(0, i - 2):i]
                negated = any(w in self.negations and w not in own for w in before) and \
                    not any(w in self.only for w in before)
                if negated and refusing:   # the owner's own wish: no customers named before it
                    negated = any(w in self.wants for w in before) and \
                        not self.names_people(" ".join(words[:max(0, i - 2)]))
                flags.append(negated)
        return bool(flags) and all(flags)
