"""What a typed reply at a question means: an intent (answer, help, back, skip, restart, question, unclear) and its value.

Pure and data-driven: every word list is bot/text/id/understand.yaml. The reading order is the
one an owner's reply needs: a whole-reply command, then a question about the question (help) or
about marketing (question), then an answer (ordinals, numbers with their unit, "both", accepting
the suggestion, option words with negation and contrast), then "don't know", else unclear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Sequence

from rapidfuzz import fuzz, process

from ..text import normalise
from .amounts import Amounts
from .flow import Option, Step
from .business import Business
from .negation import Negation
from .phrases import any_phrase

TYPO_CUTOFF = 85          # rapidfuzz ratio for a whole reply that is a misspelt option name
SHORT_REPLY = 4           # words: an ordinal or a command counts only in a reply this short
REDUPLICATED = re.compile(r"^(\w+?)2(nya)?$")   # "dua2nya", "kue2"


@dataclass(frozen=True)
class Understood:
    intent: str
    value: Any = None
    alternatives: tuple[str, ...] = ()

    def as_json(self) -> dict:
        data = {"intent": self.intent, "value": self.value}
        if self.alternatives:
            data["alternatives"] = list(self.alternatives)
        return data


@dataclass
class Reader:
    """Reads replies with the word lists of one locale."""
    words: Mapping[str, Any]
    same: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.same = {k: str(v) for k, v in self.words["same"].items()}
        w = self.words
        self.filler = set(self.phrases(w["filler"]))
        self.commands = {name: set(self.phrases(items)) for name, items in w["commands"].items()}
        self.dont_know, self.meta = self.phrases(w["dont_know"]), self.phrases(w["meta"])
        self.marketing, self.starts = set(self.phrases(w["marketing"])), set(self.phrases(w["question_starts"]))
        self.unclear = set(self.phrases(w["unclear"]))
        self.accept, self.both = self.phrases(w["accept"]), self.phrases(w["both"])
        self.ordinals = {phrase: int(n) for n, items in w["ordinals"].items() for phrase in self.phrases(items)}
        self.contrast, self.either = set(self.phrases(w["contrast"])), set(self.phrases(w["either"]))
        self.hesitations = set(self.phrases(w["hesitations"]))
        self.denied = Negation(w, self.tokens).denied
        self.vague, self.corrections = set(self.phrases(w["vague"])), set(self.phrases(w["corrections"]))
        self.hedges = set(self.phrases(w["hedges"]))
        self._says_customers = any_phrase(self.phrases(w.get("customers", ())))
        self.leads = ["", *self.phrases(w["command_leads"])]   # "" : the command leads the reply itself
        self.amounts = Amounts(w, self.tokens)
        self.business = Business(w, self.tokens, self.denied)   # sector, value tags, traits
        self.sector, self.value_tags, self.traits = self.business.sector, self.business.value_tags, self.business.traits
        # Each reply is read against several lists: one regex search per list instead of a loop over it.
        self._says_meta, self._says_dont_know = any_phrase(self.meta), any_phrase(self.dont_know)
        self._says_accept, self._says_both = any_phrase(self.accept), any_phrase(self.both)
        self._says_either = any_phrase(list(self.either))
        self._back_words = {w for phrase in self.commands["back"] for w in phrase.split()}
        restart = self.commands["restart"]
        self._restart_phrase = any_phrase([p for p in restart if " " in p])
        self._restart_starts = tuple(f"{lead} {p} ".lstrip() for p in restart if " " not in p for lead in self.leads)
        # Options repeat on every reply (the same step's, or a hook's rebuilt equal): their names are kept.
        self._names = lru_cache(maxsize=1024)(   # an option's label, value and aliases in standard form
            lambda o: tuple(self.phrases([o.label, o.value.replace("-", " "), *o.aliases])))
        self._padded_names = lru_cache(maxsize=256)(   # in order: (" name ", value, length), names over a letter
            lambda options: tuple((f" {n} ", o.value, len(n)) for o in options for n in self._names(o) if len(n) > 1))
        self._label_words = lru_cache(maxsize=256)(self._words_of_labels)

    @staticmethod
    def nothing(step_id: str) -> Any:
        """What a text step yields when the reader finds nothing in it: no sector, no value tags."""
        return "lainnya" if step_id == "produk" else []

    # ---- words

    def tokens(self, text: str) -> list[str]:
        """The reply's words in standard form (chat, regional and misspelt words replaced)."""
        out: list[str] = []
        for word in normalise.simplify(text).split():
            word = REDUPLICATED.sub(r"\1 \1\2", word) if "2" in word and not word.isdigit() else word
            for part in word.split():
                out.extend(self.same.get(part, part).split())
        return out

    def phrases(self, items: Sequence) -> list[str]:
        return [" ".join(self.tokens(str(item))) for item in items if str(item).strip()]

    @staticmethod
    def has(text: str, phrase: str) -> bool:
        return bool(phrase) and f" {phrase} " in f" {text} "

    # ---- reading

    def read(self, step: Step, options: Sequence[Option], text: str, slash: Mapping[str, str] = {}) -> Understood:
        """The meaning of `text` typed at `step`, whose buttons are `options` (in the order shown)."""
        if text.strip().startswith("/"):
            name = slash.get(text.strip()[1:].split()[0].split("@")[0].lower() if text.strip()[1:] else "", "")
            return Understood({"ulang": "restart", "start": "restart", "kembali": "back",
                               "bantuan": "help"}.get(name, "unclear"))
        if normalise.simplify(text) == "?":
            return Understood("help")
        tokens = self.tokens(text)
        while len(tokens) > 2 and " ".join(tokens[:2]) in self.hesitations:   # "apa ya, ibu2 pengajian"
            tokens = tokens[2:]
        while len(tokens) > 1 and tokens[0] in self.hesitations:
            tokens = tokens[1:]
        if not tokens:
            return Understood("unclear")
        said = " ".join(tokens)
        core = [t for t in tokens if t not in self.filler]
        core_text = " ".join(core)
        command = self._command(core_text, len(core), options, said, step)
        if command:
            return Understood(command)
        asks = text.rstrip().endswith("?") or tokens[0] in self.starts or "gimana" in tokens or "apa" in tokens
        corrected = self._after(said, self.corrections) if options and not asks else said   # "maksudnya X itu apa?" asks
        if corrected != said and (answer := self._answer(step, options, corrected, corrected)) is not None:
            return answer   # "offline, eh online deng", "eh maksudnya online aja": the correction answers
        # at a text step "maksudnya" may lead the answer ("maksudnya mereka suka murah"): only asking is help
        if self._says_meta(said) and (asks or (options and len(core) <= 6)):
            return Understood("help")
        if asks and any(t in self.marketing for t in tokens):
            return Understood("question")
        if core and all(w in self.vague for w in core):   # "ya gitu deh", "tergantung sih": no option's "ya"
            return Understood("unclear")
        if self._only_dont_know(said):   # "hmm gatau": not the "tidak" of a yes/no question
            return Understood("answer", step.on_help) if step.on_help else Understood("help")
        answer = self._answer(step, options, said, text)
        if answer is not None:
            return answer
        if self._says_dont_know(said):
            return Understood("answer", step.on_help) if step.on_help else Understood("help")
        if asks:
            return Understood("question")
        return Understood("unclear")

    def _command(self, core: str, size: int, options: Sequence[Option], said: str, step: Step) -> str | None:
        if self._option_phrases(options, said):
            return None   # the option wins: "biar pelanggan balik lagi" answers, it does not go back
        # some filler is a command too: "salah kak", "salah pilih" go back, "salah satu" does not
        back = " ".join(w for w in said.split() if w not in self.filler or w in self._back_words)
        if core in self.commands["back"] or back in self.commands["back"]:
            return "back"
        if size == 0:
            return None
        # "ulang", "mau ulang aja", "mulai dari nol dong" restart; "kue ulang tahun" does not: a phrase of
        # several words anywhere, a word of its own only first (after a lead: "mau").
        if size <= SHORT_REPLY + 2 and (self._restart_phrase(core) or f"{core} ".startswith(self._restart_starts)):
            return "restart"
        if step.skip and core in self.commands["skip"]:
            return "skip"
        return None

    def _answer(self, step: Step, options: Sequence[Option], said: str, raw: str) -> Understood | None:
        if step.id == "produk":
            sector = self.sector(raw)
            if self._only_unclear(said) or (sector == "lainnya" and self._says_dont_know(said)):
                return None   # nothing said yet, or "I sell all sorts, can't name it": help, not "lainnya"
            return Understood("answer", sector)
        if step.id == "nilai":
            tags = self.value_tags(said)
            return Understood("answer", tags) if tags else None
        if step.id == "sektor" and self.sector(raw) != "lainnya":   # "warung makan" picks kuliner
            return Understood("answer", self.sector(raw))
        if not options:
            return None
        values = [o.value for o in options]
        # "A, tapi B": B first, except where both may be the answer ("lewat WA, tp klien aku datangi")
        part = said if "keduanya" in values else self._after(said, self.contrast)
        for text in ((part, said) if part != said else (said,)):
            found = self._choice(step, options, values, text, raw)
            if found is not None:
                return found
        return None

    def _choice(self, step: Step, options: Sequence[Option], values: list[str], said: str,
                raw: str) -> Understood | None:
        words = said.split()
        if said.isdigit() and 1 <= int(said) <= len(values):   # a button's number, typed
            return Understood("answer", values[int(said) - 1])
        if "saran" in values and self._says_accept(said):
            return Understood("answer", "saran")
        if "keduanya" in values and self._says_both(said):
            return Understood("answer", "keduanya")
        if torn := self.amounts.torn(step.id, raw):
            return Understood("unclear", None, torn)
        amount = self.amounts.option(step.id, raw)
        if amount is not None:
            return Understood("answer", amount)
        matched = self._option_phrases(options, said)
        refused = {v for v, length in matched.items() if self._negated(raw, v, length, options, step.names_problems)}
        if refused and len(refused) < len(matched):   # "teu online, dateng langsung": the one not turned down
            matched, refused = {v: n for v, n in matched.items() if v not in refused}, set()
        if "keduanya" in values and len({v for v in matched if v != "keduanya"}) >= 2:
            return Understood("answer", "keduanya")
        if matched:
            ranked = sorted(matched.items(), key=lambda kv: -kv[1])
            best, length = ranked[0]
            if best in refused:   # "belum online", "ga setuju": of two options the other, else ask again
                if len(values) != 2:
                    return Understood("unclear")
                best = next(v for v in values if v != best)
            elif len(ranked) > 1 and (ranked[1][1] == length or self._says_either(said)):
                return Understood("unclear", None, (best, ranked[1][0]))   # "A atau B", "dua2nya": ask back
            return Understood("answer", best)
        if len(words) <= SHORT_REPLY:
            picks = list(dict.fromkeys(values[n - 1] if n > 0 else values[n] for phrase, n in self.ordinals.items()
                                       if self.has(said, phrase) and -len(values) <= n <= len(values) and n))
            if len(picks) == 2:   # "1 atau 2": ask back with both
                return Understood("unclear", None, tuple(picks))
            if len(picks) == 1 and not self._counts(words):
                return Understood("answer", picks[0])
        # "agak" after "agak beda or sangat beda?": a word of one option's label alone picks it; a word of
        # two labels asks back with both ("pribadi": "Bantuan pribadi" or "Bantuan pribadi khusus")
        core = [w for w in words if w not in self.filler]
        held = self._label_words(tuple(options)).get(core[0], ()) if len(core) == 1 else ()
        if len(held) in (1, 2):
            return Understood("answer", held[0]) if len(held) == 1 else Understood("unclear", None, held)
        names = {name: o.value for o in options for name in self._names(o)}
        typo = process.extractOne(said, list(names), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return Understood("answer", names[typo[0]]) if typo else None

    def _option_phrases(self, options: Sequence[Option], said: str) -> dict[str, int]:
        """Option value -> length of its longest name found in the reply."""
        found: dict[str, int] = {}
        padded = f" {said} "
        for name, value, length in self._padded_names(tuple(options)):
            if name in padded and length > found.get(value, 0):
                found[value] = length
        return found

    def _negated(self, text: str, value: str, length: int, options: Sequence[Option], refusing: bool) -> bool:
        """The option's longest name found in the reply is negated ("tidak terlalu beda" is a name, "beda" in
        it is no denial of it); an option named by the negation itself ("tidak", "bukan") is not."""
        option = next(o for o in options if o.value == value)
        own = frozenset(self._names(option))
        return any(self.denied(text, name, refusing, own) for name in self._names(option) if len(name) == length)

    def _words_of_labels(self, options: tuple[Option, ...]) -> dict[str, tuple[str, ...]]:
        """Word (over two letters) -> the values of the options whose label holds it, in order."""
        holders: dict[str, list[str]] = {}
        for option in options:
            for word in {w for w in self.phrases([option.label])[0].split() if len(w) > 2 and w not in self.unclear}:
                holders.setdefault(word, []).append(option.value)
        return {w: tuple(values) for w, values in holders.items()}

    def _counts(self, words: list[str]) -> bool:
        """A number followed by what it counts ("ada 2 montir"), not by filler or a hedge ("2 kayaknya")."""
        return any(i + 1 < len(words) and (w.isdigit() or w in self.ordinals)
                   and words[i + 1] not in self.filler and words[i + 1] not in self.hedges
                   and words[i + 1] not in self.either and words[i + 1] not in self.ordinals
                   for i, w in enumerate(words))

    @staticmethod
    def _after(said: str, markers: set[str]) -> str:
        """The words after the last of `markers` ("tapi", "maksudnya"), or all of them."""
        words = said.split()
        cut = max((i for i, w in enumerate(words) if w in markers), default=-1)
        return " ".join(words[cut + 1:]) if 0 <= cut < len(words) - 1 else said

    def names_customers(self, text: str) -> bool:
        """The reply names people or where they come from ("ibu2 arisan komplek")."""
        return bool(self._says_customers(" ".join(self.tokens(text))))

    def little_but_dont_know(self, text: str, most: int = 0) -> bool:
        """"Don't know", or what the question means, with at most `most` words beside it ("ga tau kak,
        belum pernah mikir" at most 3): no answer in it. 0: nothing but filler ("hmm gatau kak")."""
        said = " ".join(self.tokens(text))
        found = self._says_dont_know(said) or self._says_meta(said)
        rest = f"{said[:found.start()]} {said[found.end():]}".split() if found else []
        return bool(found) and len([w for w in rest if w not in self.unclear and w not in self.filler]) <= most

    def asks(self, text: str) -> bool:
        """A question mark and a question word: "lha nek wong kantor piye?", not "nasi goreng?"."""
        return text.rstrip().endswith("?") and any(w in self.starts for w in self.tokens(text))

    def _only_dont_know(self, said: str) -> bool:
        found = self._says_dont_know(said)
        return bool(found) and self._only_unclear(f"{said[:found.start()]} {said[found.end():]}".strip())

    def only_unclear(self, text: str) -> bool:
        return self._only_unclear(" ".join(self.tokens(text)))

    def _only_unclear(self, said: str) -> bool:
        return said in self.unclear or all(w in self.unclear or w in self.filler for w in said.split())
