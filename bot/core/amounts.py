"""Amounts owners write ("1,5jt", "seratusan ribu", "sehari 40an") and the option each means at a counted step."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

NUMBER = re.compile(r"(?<![a-z])(\d+(?:[.,]\d+)?)\s*-?\s*(an)?\s*(rb|ribu|rebu|k|jt|juta|jeti)?(?:an)?\b")


class Amounts:
    """Reads numbers with understand.yaml's `numbers`, `per_month`, `number_words` and `multipliers`;
    `tokens` is the reader's (a reply's words in standard form)."""

    def __init__(self, words: Mapping[str, Any], tokens: Callable[[str], list[str]]):
        self.words = words
        self.tokens = tokens
        self.fewer = [" ".join(tokens(p)) for p in words.get("fewer_than", ())]

    def option(self, step_id: str, text: str) -> str | None:
        """The option a number means at a counted step ("sehari 40an" customers is many a month)."""
        rule, said = self.words["numbers"].get(step_id), self.tokens(text)
        if not rule:
            return None
        counted = any(w in rule.get("not_with", ()) and self.number(n) for n, w in zip(said, said[1:]))
        if counted and not self._money(text, said):
            return None   # a count of something else: "ratusan org" is no price ("1 orang 50rb" is)
        value = self.number(text)
        if value is None:
            return None
        if rule["unit"] == "rupiah" and value < 1000:   # "sekitar 40" at a price means 40 ribu
            value *= 1000
        if any(f" {p} " in f" {' '.join(said)} " for p in self.fewer):   # "kurang dari 50": below the split
            value -= 0.5
        if rule["unit"] == "customers":
            per = [self.words["per_month"][w] for w in said if w in self.words["per_month"]]
            value *= per[0] if per else 1
        return rule["above"] if value >= rule["split"] else rule["below"]

    def _money(self, text: str, said: list[str]) -> bool:
        """The reply names an amount of money ("50rb", "seratus ribu")."""
        return any(m.group(3) for m in NUMBER.finditer(text.lower())) or \
            any(w in self.words["multipliers"] for w in said)

    def number(self, text: str) -> float | None:
        """The first amount written in digits ("1,5jt", "200rb", "30an") or in words ("seratusan ribu")."""
        multipliers = self.words["multipliers"]
        numbers = list(NUMBER.finditer(text.lower()))   # the one with a unit first: "1 pelanggan 200rb"
        found = next((m for m in numbers if m.group(3)), numbers[0] if numbers else None)
        if found:
            digits, unit = found.group(1), found.group(3) or ""
            return float(digits.replace(".", "").replace(",", ".")) * multipliers.get(unit, 1)
        spoken = self.words["number_words"]
        total, current, seen = 0.0, 0.0, False
        for word in self.tokens(text):
            n = spoken.get(word, spoken.get(word[:-2]) if word.endswith("an") else None)
            if n is None:
                continue
            seen = True
            if word.startswith(("puluh", "ratus", "ribu", "juta")) and word not in ("puluhan", "ratusan", "ribuan"):
                current = max(current, 1) * n
                if n >= 1000:
                    total, current = total + current, 0.0
            else:
                current += n
        return total + current if seen else None
