"""The business name in a sentence ("usaha sy namanya Kue Bu Ani"), as typed; and a bare greeting, which names none."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..text.normalise import simplify
from .understand import Reader

# Punctuation around a name that is not part of it ("namanya: Kue Bu Ani!").
EDGES = " .!?:;-\"'“”"


@dataclass(frozen=True)
class NameReader:
    """Word lists from understand.yaml's `name`; `standard` puts one typed word in standard form
    ("sy" -> "saya"), so the lists hold standard words only."""
    leads: frozenset[str]
    nouns: frozenset[str]
    owners: frozenset[str]
    copulas: frozenset[str]
    greetings: frozenset[str]
    salams: frozenset[str]   # greetings answered "Wa'alaikumsalam"
    thanks: frozenset[str]
    none: frozenset[str]   # "belum ada" before a closing "namanya": no name yet
    courtesies: frozenset[str]   # around a greeting, no part of it: "kakak", "admin"
    after: frozenset[str]        # after a name, no part of it: "kak", "ya", "deh"
    filler: frozenset[str]
    corrections: frozenset[str]   # "eh", "maksudnya": the name typed after one is the one meant
    standard: Callable[[str], str]

    @classmethod
    def of(cls, reader: Reader) -> NameReader:
        """The lists under `name` in the reader's words (none: every text is taken as the name)."""
        def standard(word: str) -> str:
            return " ".join(reader.tokens(word))

        def group(key: str) -> frozenset[str]:
            return frozenset(standard(str(w)) for w in reader.words.get("name", {}).get(key, ()))
        return cls(group("leads"), group("nouns"), group("owners"), group("copulas"), group("greetings"),
                   group("salams"), group("thanks"), group("none"), group("courtesies"),
                   frozenset(simplify(str(w)) for w in reader.words.get("name", {}).get("after", ())),
                   frozenset(reader.filler), frozenset(reader.corrections), standard)

    def greets(self, text: str) -> str:
        """"salam", "thanks" or "hello" for only a greeting or thanks ("halo kak", "assalamualaikum", "P",
        "makasih kak 🙏"), with courtesies and filler around it; "" for anything else."""
        said = " ".join(self.standard(word) for word in text.split()).split()
        kept = self.greetings | self.salams | self.thanks
        plain = " ".join(w for w in said if w in kept or (w not in self.filler and w not in self.courtesies))
        # "ya" alone answers; "punten" (read "maaf") greets
        return next((kind for kind, words in (("salam", self.salams), ("thanks", self.thanks),
                                              ("hello", self.greetings)) if plain in words), "")

    def name(self, text: str) -> str:
        """The name the owner typed: after "namanya", "nama toko saya", "nama usaha:" when the text has
        one (a comma ends it: "namanya Kue Bu Ani, jualan kue basah"; courtesies after it go), or
        before a closing "namanya"; "" for none yet ("belum ada namanya"); else the text itself.

        A bare "nama" leads only before a colon or the words that follow a lead-in ("nama usaha saya
        ..."): "Warung Nama Baik" is a name."""
        typed = text.replace(":", ": ").split()
        said = [self.standard(word) for word in typed]
        cut = max((i for i, word in enumerate(said) if word in self.corrections   # after a comma: "Warung Eh Jeh"
                   and (i == 0 or typed[i - 1].endswith(","))), default=-1)
        rest = typed[cut + 1:]
        while rest and self.standard(rest[0]) in self.filler:   # "Katering Bu Yuli, eh salah, Dapur Bu Yuli"
            rest.pop(0)
        if cut >= 0 and rest:
            return self.name(" ".join(rest))
        for i, word in enumerate(said):
            if word not in self.leads:
                continue
            rest, bare = i + 1, word == self.standard("nama")
            # "nama toko saya X"; after "namanya" a noun is the name's own: "namanya Toko Barokah"
            for group in (self.nouns, self.owners, self.copulas) if bare else (self.copulas,):
                while rest < len(said) and not said[rest]:   # a lone ":" or "-"
                    rest += 1
                if any(":" in w or w == "-" for w in typed[i:rest]):
                    break   # after a colon comes the name: "Nama: Warung Bu Sri"
                if rest < len(said) and said[rest] in group:
                    rest += 1
            while rest < len(said) and not said[rest]:
                rest += 1
            if bare and rest == i + 1 and ":" not in typed[i]:
                continue
            before = " ".join(typed[:i]).strip(EDGES)   # "Toko Ani namanya", "Bu Ani namanya, jualan kue"
            if any(f" {w} " in f" {' '.join(said[:i])} " for w in self.none):
                return ""   # "usaha saya belum ada namanya"
            words = [] if typed[i].endswith(",") else " ".join(typed[rest:]).split(",")[0].split()
            while words and simplify(words[-1]) in self.after:   # as typed: "mas" reads as "kak"
                words.pop()   # "namanya Toko Ani kak" ("Toko Mas" keeps its "Mas")
            name = " ".join(words).strip(EDGES) or before
            if self.standard(name) in self.none:
                return ""   # "nama usaha belum ada"
            if name:
                return name
        words = text.split()
        while len(words) > 2 and simplify(words[-1]) in self.after:   # "Thrift by Rara kak wkwk"; "Mas Bro" stays
            words.pop()
        return " ".join(words) if len(words) < len(text.split()) else text.strip()
