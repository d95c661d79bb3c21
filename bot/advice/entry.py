"""One knowledge entry (a card): its fields, read and validated from one YAML file."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

CATEGORIES = ("segmen", "hubungan", "akuisisi", "retensi", "ekspansi", "prinsip")
SEGMENTS = ("massal", "ceruk", "tersegmentasi", "terdiversifikasi", "multi-sisi")
RELATIONSHIPS = ("bantuan-pribadi", "bantuan-pribadi-khusus", "swalayan",
                 "layanan-otomatis", "komunitas", "ko-kreasi")
# The owner's sector (read from what they sell); `lainnya` holds the general example.
SECTORS = ("kuliner", "fashion", "kecantikan", "jasa-harian", "jasa-profesional", "toko",
           "kerajinan", "pertanian", "lainnya")
GENERAL = "lainnya"
# What customers hold dear (read from the owner's words at the values question).
VALUE_TAGS = ("hemat", "halal", "cepat", "kualitas", "personal", "gengsi", "sehat", "tradisi",
              "online", "jam", "lingkungan")
VALUE_FITS = {"cocok": False, "bentrok": True}   # the word in the file -> clashes?
# Categories whose every entry tells one story per sector (segment entries need only the general one).
PER_SECTOR_CATEGORIES = ("hubungan", "akuisisi", "retensi", "ekspansi", "prinsip")
# Allowed values of every `fits` key; a key left out of an entry means "fits every value".
FITS_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "segmen": SEGMENTS,
    "hubungan": RELATIONSHIPS,
    "jumlah": ("sedikit", "banyak"),
    "nilai": ("kecil", "besar"),
    "waktu": ("terbatas", "cukup"),
    "saluran": ("online", "offline"),
    "sektor": SECTORS[:-1],
    "pembeli": ("konsumen", "bisnis"),   # who buys: people, or businesses (offices, schools, shops)
})
REQUIRED_FIELDS = ("id", "category", "title", "summary", "steps", "examples",
                   "keywords", "fits", "sources")
OPTIONAL_FIELDS = ("values", "sector_steps", "idea")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 40  # ids travel in button payloads; each channel checks its own limit at start
# Texts are read on phones: bound them so a consultant's slip cannot produce a wall of text.
MAX_LENGTH = {"title": 80, "summary": 400, "step": 260, "example": 500, "keyword": 60, "how": 240}


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class ValueNote:
    """How a tactic meets customers who hold one value: does it clash, and how to apply it for them."""
    tag: str
    clashes: bool
    how: str


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    title: str
    summary: str
    steps: tuple[str, ...]
    examples: Mapping[str, str]          # sector -> a short story from that sector; GENERAL always there
    keywords: tuple[str, ...]
    fits: Mapping[str, frozenset[str]]
    sources: tuple[Source, ...]
    values: Mapping[str, ValueNote] = field(default_factory=dict)
    sector_steps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    idea: str = ""                       # tactics sharing an idea (points, stamps) are not shown together
    path: str = field(default="", compare=False)

    def example_for(self, sector: str | None) -> tuple[str, str]:
        """(the sector whose story is told, the story): the owner's own, else the general one."""
        if sector in self.examples:
            return sector, self.examples[sector]
        return GENERAL, self.examples[GENERAL]

    def steps_for(self, sector: str | None) -> tuple[str, ...]:
        return self.sector_steps.get(sector or "", self.steps)

    def notes_for(self, tags) -> tuple[ValueNote, ...]:
        """What this tactic means for customers holding these values, clashes first."""
        notes = [self.values[t] for t in tags if t in self.values]
        return tuple(sorted(notes, key=lambda n: not n.clashes))

    @property
    def example(self) -> str:
        return self.examples[GENERAL]


def text(data: dict, name: str, where: str, problems: list[str], limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: kolom '{name}' harus berisi teks")
        return ""
    value = " ".join(value.split())
    if len(value) > limit:
        problems.append(f"{where}: kolom '{name}' terlalu panjang ({len(value)} > {limit} huruf)")
    return value


def _text_list(value: Any, name: str, where: str, problems: list[str], limit: int,
               min_items: int, max_items: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: kolom '{name}' harus berupa daftar teks")
        return ()
    if not min_items <= len(value) <= max_items:
        problems.append(f"{where}: kolom '{name}' harus berisi {min_items} sampai {max_items} butir, "
                        f"sekarang {len(value)}")
    items = tuple(" ".join(v.split()) for v in value)
    for i, item in enumerate(items, 1):
        if len(item) > limit:
            problems.append(f"{where}: kolom '{name}' butir {i} terlalu panjang ({len(item)} > {limit} huruf)")
    return items


def _mapping(data: dict, name: str, where: str, problems: list[str], keys: tuple[str, ...]) -> dict:
    raw = data.get(name) or {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: kolom '{name}' harus berupa pasangan kunci: isi")
        return {}
    unknown = [k for k in raw if k not in keys]
    if unknown:
        problems.append(f"{where}: kolom '{name}' berisi kunci tidak dikenal {unknown}; pilihan: {', '.join(keys)}")
    return {k: v for k, v in raw.items() if k in keys}


def _fits(data: dict, where: str, problems: list[str]) -> Mapping[str, frozenset[str]]:
    fits: dict[str, frozenset[str]] = {}
    for key, values in _mapping(data, "fits", where, problems, tuple(FITS_VALUES)).items():
        if not isinstance(values, list) or not values:
            problems.append(f"{where}: kolom 'fits.{key}' harus berupa daftar yang tidak kosong")
            continue
        unknown = [v for v in values if v not in FITS_VALUES[key]]
        if unknown:
            problems.append(f"{where}: kolom 'fits.{key}' berisi nilai tidak dikenal {unknown}; "
                            f"pilihan: {', '.join(FITS_VALUES[key])}")
        fits[key] = frozenset(v for v in values if v in FITS_VALUES[key])
    return MappingProxyType(fits)


def _examples(data: dict, where: str, problems: list[str]) -> Mapping[str, str]:
    raw = _mapping(data, "examples", where, problems, SECTORS)
    if GENERAL not in raw:
        problems.append(f"{where}: kolom 'examples' harus punya cerita umum '{GENERAL}'")
    return MappingProxyType({sector: text(raw, sector, f"{where}: examples", problems, MAX_LENGTH["example"])
                             for sector in SECTORS if sector in raw})


def _values(data: dict, where: str, problems: list[str]) -> Mapping[str, ValueNote]:
    notes = {}
    for tag, raw in _mapping(data, "values", where, problems, VALUE_TAGS).items():
        if not isinstance(raw, dict) or raw.get("fit") not in VALUE_FITS:
            problems.append(f"{where}: kolom 'values.{tag}.fit' harus {' atau '.join(VALUE_FITS)}")
            continue
        how = text(raw, "how", f"{where}: values.{tag}", problems, MAX_LENGTH["how"])
        notes[tag] = ValueNote(tag, VALUE_FITS[raw["fit"]], how)
    return MappingProxyType(notes)


def _sector_steps(data: dict, where: str, problems: list[str]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({
        sector: _text_list(steps, f"sector_steps.{sector}", where, problems, MAX_LENGTH["step"], 3, 6)
        for sector, steps in _mapping(data, "sector_steps", where, problems, SECTORS).items()})


def read_entry(path: Path, data: Any, sources: Mapping[str, Source], problems: list[str]) -> Entry | None:
    """The entry in one file, or None after appending every problem found (file and field named)."""
    where = str(path)
    if not isinstance(data, dict):
        problems.append(f"{where}: isi file harus berupa pasangan kolom: nilai")
        return None
    before = len(problems)
    for name in REQUIRED_FIELDS:
        if name not in data:
            problems.append(f"{where}: kolom '{name}' tidak ada")
    unknown = sorted(set(data) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        problems.append(f"{where}: kolom tidak dikenal: {', '.join(map(str, unknown))}")
    entry_id = data.get("id")
    if not isinstance(entry_id, str) or not ID_PATTERN.match(entry_id) or len(entry_id) > MAX_ID_LENGTH:
        problems.append(f"{where}: kolom 'id' harus huruf kecil, angka dan tanda hubung, "
                        f"paling panjang {MAX_ID_LENGTH} huruf")
    elif entry_id != path.stem:
        problems.append(f"{where}: kolom 'id' ({entry_id}) harus sama dengan nama file ({path.stem})")
    category = data.get("category")
    if category not in CATEGORIES:
        problems.append(f"{where}: kolom 'category' harus salah satu dari {', '.join(CATEGORIES)}")
    elif category != path.parent.name:
        problems.append(f"{where}: kolom 'category' ({category}) harus sama dengan nama folder "
                        f"({path.parent.name})")
    title = text(data, "title", where, problems, MAX_LENGTH["title"])
    summary = text(data, "summary", where, problems, MAX_LENGTH["summary"])
    examples = _examples(data, where, problems)
    steps = _text_list(data.get("steps"), "steps", where, problems, MAX_LENGTH["step"], 3, 6)
    keywords = _text_list(data.get("keywords"), "keywords", where, problems, MAX_LENGTH["keyword"], 1, 60)
    fits = _fits(data, where, problems)
    idea = data.get("idea") or ""
    if not isinstance(idea, str) or (idea and not ID_PATTERN.match(idea)):
        problems.append(f"{where}: kolom 'idea' harus satu kata huruf kecil (boleh dengan tanda hubung)")
    source_keys = data.get("sources")
    if not isinstance(source_keys, list) or not source_keys:
        problems.append(f"{where}: kolom 'sources' harus berupa daftar kunci dari sources.yaml")
        source_keys = []
    missing = [k for k in source_keys if k not in sources]
    if missing:
        problems.append(f"{where}: kolom 'sources' menyebut sumber yang tidak ada di sources.yaml: {missing}")
    values = _values(data, where, problems)
    sector_steps = _sector_steps(data, where, problems)
    if len(problems) > before:
        return None
    return Entry(id=entry_id, category=category, title=title, summary=summary, steps=steps,
                 examples=examples, keywords=keywords, fits=fits,
                 sources=tuple(sources[k] for k in source_keys), values=values,
                 sector_steps=sector_steps, idea=str(idea), path=where)


def missing_sectors(entry: Entry) -> list[str]:
    """The sectors an entry still lacks a story for (only categories that tell one per sector)."""
    if entry.category not in PER_SECTOR_CATEGORIES:
        return []
    return [s for s in SECTORS if s not in entry.examples]
