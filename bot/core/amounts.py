"""Amounts owners write ("1,5jt", "seratusan ribu", "sehari 40an") and the option each means at a counted step."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

# A number not glued to a word ("rata2" holds none; "Rp250.000" does), its unit after it.
START = r"(?:(?<=rp)|(?<![a-z]))"
DIGITS = r"(\d+(?:[.,]\d{3})*(?:[.,]\d+)?)"
UNIT = r"(rb|ribu|rebu|k|jt|juta|jeti)"
NUMBER = re.compile(START + DIGITS + r"\s*-?\s*(an)?\s*" + UNIT + r"?(?:an)?\b")
RANGE = re.compile(START + DIGITS + r"\s*" + UNIT + r"?\s*(?:-|sampai|sampe|s/d|hingga|atau)\s*\d[\d.,]*\s*"
                   + UNIT + r"\b")   # "50-100rb" (the end's unit), "50rb - 1jt" (its own)


def _value(digits: str) -> float:
    """"250.000" and "1.500.000" are thousands; "1,5" and "2.5" are decimals."""
    parts = re.split(r"[.,]", digits)
    if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3):
        return float("".join(parts))
    return float(".".join(parts))


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
        value = self.number(text, money=rule["unit"] == "rupiah")
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

    def torn(self, step_id: str, text: str) -> tuple[str, str] | None:
        """Both options, when prices on both sides of the split are named ("sekotak 25rb, jd 1jt an",
        "stiker 20rb, undangan bisa 3jt"): the owner says which is usual. A range is read at its low end."""
        rule = self.words["numbers"].get(step_id)
        if not rule or rule["unit"] != "rupiah" or RANGE.search(text.lower()):
            return None
        sides = {_value(m.group(1)) * self.words["multipliers"].get(m.group(3), 1) >= rule["split"]
                 for m in NUMBER.finditer(text.lower()) if m.group(3)}
        return (rule["below"], rule["above"]) if len(sides) == 2 else None

    def _money(self, text: str, said: list[str]) -> bool:
        """The reply names an amount of money ("50rb", "seratus ribu")."""
        return any(m.group(3) for m in NUMBER.finditer(text.lower())) or \
            any(w in self.words["multipliers"] for w in said)

    def number(self, text: str, money: bool = False) -> float | None:
        """The first amount written in digits ("1,5jt", "200rb", "30an") or in words ("seratusan ribu").
        Money: the first with a unit ("1 pelanggan 200rb"), a range at its low end ("50-100rb"); a count:
        the first without one ("30 orang, rata2 beli 25rb")."""
        multipliers, lowered = self.words["multipliers"], text.lower()
        if money and (span := RANGE.search(lowered)):
            return _value(span.group(1)) * multipliers.get(span.group(2) or span.group(3), 1)
        numbers = list(NUMBER.finditer(lowered))
        found = next((m for m in numbers if bool(m.group(3)) == money), None)
        if found:
            return _value(found.group(1)) * multipliers.get(found.group(3) or "", 1)
        spoken = self._spoken(self.tokens(text))
        if money and spoken and spoken >= 1000:   # "50 kotak, sejuta an": the money is in words
            return spoken
        if numbers:
            return _value(numbers[0].group(1)) * multipliers.get(numbers[0].group(3) or "", 1)
        return spoken

    def _spoken(self, said: list[str]) -> float | None:
        """An amount in words ("seratusan ribu", "rong atus ewu")."""
        spoken = self.words["number_words"]
        total, current, seen = 0.0, 0.0, False
        for word in said:
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
