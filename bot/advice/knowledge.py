"""Load and validate the knowledge base (knowledge/) into immutable entries."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from . import offtopic

CATEGORIES = ("segmen", "hubungan", "akuisisi", "retensi", "ekspansi", "prinsip")
MOTIVATIONS = ("akuisisi", "retensi", "ekspansi")
SEGMENTS = ("massal", "ceruk", "tersegmentasi", "terdiversifikasi", "multi-sisi")
# The knowledge entry that explains each segment type.
SEGMENT_ENTRY = MappingProxyType({"massal": "segmen-pasar-massal", "ceruk": "segmen-ceruk",
                                  "tersegmentasi": "segmen-tersegmentasi",
                                  "terdiversifikasi": "segmen-terdiversifikasi",
                                  "multi-sisi": "segmen-multi-sisi"})
RELATIONSHIPS = ("bantuan-pribadi", "bantuan-pribadi-khusus", "swalayan",
                 "layanan-otomatis", "komunitas", "ko-kreasi")
# Allowed values of every `fits` key; a key left out of an entry means "fits every value".
FITS_VALUES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "segmen": SEGMENTS,
    "hubungan": RELATIONSHIPS,
    "jumlah": ("sedikit", "banyak"),
    "nilai": ("kecil", "besar"),
    "waktu": ("terbatas", "cukup"),
    "saluran": ("online", "offline"),
})
# The overview entry of each category: explained to owners, never offered as a tactic.
OVERVIEW_IDS = frozenset({"segmen-pelanggan", "hubungan-pelanggan", "akuisisi-pelanggan",
                          "retensi-pelanggan", "ekspansi-penjualan"})
REQUIRED_FIELDS = ("id", "category", "title", "summary", "steps", "example",
                   "keywords", "fits", "sources")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 40  # ids travel in button payloads; each channel checks its own limit at start
# Texts are read on phones: bound them so a consultant's slip cannot produce a wall of text.
MAX_LENGTH = {"title": 80, "summary": 400, "step": 260, "example": 700, "keyword": 60}
LEXICON_SECTIONS = ("singkatan", "slang", "istilah")
WORD_LISTS = ("tanya", "tentang_usaha")   # lexicon.yaml's plain word lists besides `abaikan`


class KnowledgeError(Exception):
    """One or more problems in knowledge/, each naming the file and the field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    title: str
    summary: str
    steps: tuple[str, ...]
    example: str
    keywords: tuple[str, ...]
    fits: Mapping[str, frozenset[str]]
    sources: tuple[Source, ...]
    path: str = field(default="", compare=False)


@dataclass(frozen=True)
class Lexicon:
    """How owners write: casual forms (one or more words) -> standard words, plus ignored words."""
    replacements: Mapping[str, str]
    stopwords: frozenset[str]
    question_words: frozenset[str] = frozenset()   # mark the clause that asks, in a long message
    business_words: frozenset[str] = frozenset()   # a question about the business: guesses may be offered


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    lexicon: Lexicon
    texts: Mapping[str, Any]  # profil.yaml: phrases the recommender shows to owners
    off_topics: offtopic.OffTopics = offtopic.OffTopics()   # luar-topik.yaml
    by_id: Mapping[str, Entry] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({e.id: e for e in self.entries}))

    def in_category(self, category: str) -> list[Entry]:
        return [e for e in self.entries if e.category == category]


def default_dir() -> Path:
    """knowledge/ of a source checkout (so edits show at once), else the copy installed with the package."""
    override = os.environ.get("COACH_KNOWLEDGE")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent   # bot/
    checkout = package.parent / "knowledge"
    if (checkout / "sources.yaml").is_file():
        return checkout
    return package / "knowledge_data"


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (baris {mark.line + 1})" if mark else ""
        problems.append(f"{path}: bukan YAML yang sah{where}: {getattr(exc, 'problem', exc)}")
    except OSError as exc:
        problems.append(f"{path}: tidak bisa dibaca: {exc.strerror}")
    return None


def _text(data: dict, name: str, where: str, problems: list[str], limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: kolom '{name}' harus berisi teks")
        return ""
    value = " ".join(value.split())
    if len(value) > limit:
        problems.append(f"{where}: kolom '{name}' terlalu panjang ({len(value)} > {limit} huruf)")
    return value


def _text_list(data: dict, name: str, where: str, problems: list[str], limit: int,
               min_items: int, max_items: int) -> tuple[str, ...]:
    value = data.get(name)
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


def _fits(data: dict, where: str, problems: list[str]) -> Mapping[str, frozenset[str]]:
    raw = data.get("fits")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: kolom 'fits' harus berupa pasangan kunci: daftar nilai")
        return MappingProxyType({})
    fits: dict[str, frozenset[str]] = {}
    for key, values in raw.items():
        if key not in FITS_VALUES:
            problems.append(f"{where}: kolom 'fits.{key}' tidak dikenal; pilihan: {', '.join(FITS_VALUES)}")
            continue
        if not isinstance(values, list) or not values:
            problems.append(f"{where}: kolom 'fits.{key}' harus berupa daftar yang tidak kosong")
            continue
        unknown = [v for v in values if v not in FITS_VALUES[key]]
        if unknown:
            problems.append(f"{where}: kolom 'fits.{key}' berisi nilai tidak dikenal {unknown}; "
                            f"pilihan: {', '.join(FITS_VALUES[key])}")
        fits[key] = frozenset(v for v in values if v in FITS_VALUES[key])
    return MappingProxyType(fits)


def _entry(path: Path, data: Any, sources: Mapping[str, Source], problems: list[str]) -> Entry | None:
    where = str(path)
    if not isinstance(data, dict):
        problems.append(f"{where}: isi file harus berupa pasangan kolom: nilai")
        return None
    before = len(problems)
    for name in REQUIRED_FIELDS:
        if name not in data:
            problems.append(f"{where}: kolom '{name}' tidak ada")
    unknown = sorted(set(data) - set(REQUIRED_FIELDS))
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
    title = _text(data, "title", where, problems, MAX_LENGTH["title"])
    summary = _text(data, "summary", where, problems, MAX_LENGTH["summary"])
    example = _text(data, "example", where, problems, MAX_LENGTH["example"])
    steps = _text_list(data, "steps", where, problems, MAX_LENGTH["step"], 3, 6)
    keywords = _text_list(data, "keywords", where, problems, MAX_LENGTH["keyword"], 1, 60)
    fits = _fits(data, where, problems)
    source_keys = data.get("sources")
    if not isinstance(source_keys, list) or not source_keys:
        problems.append(f"{where}: kolom 'sources' harus berupa daftar kunci dari sources.yaml")
        source_keys = []
    missing = [k for k in source_keys if k not in sources]
    if missing:
        problems.append(f"{where}: kolom 'sources' menyebut sumber yang tidak ada di sources.yaml: {missing}")
    if len(problems) > before:
        return None
    return Entry(id=entry_id, category=category, title=title, summary=summary, steps=steps,
                 example=example, keywords=keywords, fits=fits,
                 sources=tuple(sources[k] for k in source_keys), path=where)


def _sources(path: Path, problems: list[str]) -> dict[str, Source]:
    data = _read_yaml(path, problems)
    if not isinstance(data, dict):
        if data is not None:
            problems.append(f"{path}: harus berupa pasangan kunci: sumber")
        return {}
    out = {}
    for key, value in data.items():
        if not isinstance(value, dict) or not isinstance(value.get("title"), str):
            problems.append(f"{path}: sumber '{key}' harus punya kolom 'title'")
            continue
        out[str(key)] = Source(key=str(key), title=value["title"], author=str(value.get("author", "")),
                               url=str(value.get("url", "")))
    return out


def _lexicon(path: Path, problems: list[str]) -> Lexicon:
    data = _read_yaml(path, problems)
    replacements: dict[str, str] = {}
    stopwords: set[str] = set()
    if not isinstance(data, dict):
        if data is not None:
            problems.append(f"{path}: harus berisi bagian {', '.join(LEXICON_SECTIONS)} dan abaikan")
        return Lexicon(MappingProxyType(replacements), frozenset(stopwords))
    for section in LEXICON_SECTIONS:
        mapping = data.get(section) or {}
        if not isinstance(mapping, dict):
            problems.append(f"{path}: bagian '{section}' harus berupa pasangan 'tulisan: kata baku'")
            continue
        for key, value in mapping.items():
            if not isinstance(value, str) or not str(key).strip():
                problems.append(f"{path}: bagian '{section}', kunci '{key}' harus diisi teks")
                continue
            replacements[" ".join(str(key).lower().split())] = " ".join(value.lower().split())
    ignore = data.get("abaikan") or []
    if not isinstance(ignore, list):
        problems.append(f"{path}: bagian 'abaikan' harus berupa daftar kata")
    else:
        stopwords = {str(w).lower().strip() for w in ignore if str(w).strip()}
    lists = {}
    for section in WORD_LISTS:
        items = data.get(section) or []
        if not isinstance(items, list):
            problems.append(f"{path}: bagian '{section}' harus berupa daftar kata")
            items = []
        lists[section] = frozenset(str(w).lower().strip() for w in items if str(w).strip())
    unknown = sorted(set(data) - set(LEXICON_SECTIONS) - {"abaikan"} - set(WORD_LISTS))
    if unknown:
        problems.append(f"{path}: bagian tidak dikenal: {', '.join(map(str, unknown))}")
    return Lexicon(MappingProxyType(replacements), frozenset(stopwords), lists["tanya"], lists["tentang_usaha"])


def load(directory: str | Path | None = None) -> KnowledgeBase:
    """Read and validate every file; raise KnowledgeError listing all problems at once."""
    root = Path(directory) if directory else default_dir()
    problems: list[str] = []
    if not root.is_dir():
        raise KnowledgeError([f"{root}: folder pengetahuan tidak ditemukan"])
    sources = _sources(root / "sources.yaml", problems)
    lexicon = _lexicon(root / "lexicon.yaml", problems)
    texts = _read_yaml(root / "profil.yaml", problems) or {}
    off_topics = offtopic.load(root / "luar-topik.yaml", _read_yaml, problems)
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for category in CATEGORIES:
        for path in sorted((root / category).glob("*.y*ml")):
            entry = _entry(path, _read_yaml(path, problems), sources, problems)
            if entry is None:
                continue
            if entry.id in seen:
                problems.append(f"{path}: kolom 'id' ({entry.id}) sudah dipakai di {seen[entry.id]}")
                continue
            seen[entry.id] = str(path)
            entries.append(entry)
    stray = [p for p in root.glob("*/*.y*ml") if p.parent.name not in CATEGORIES]
    for path in stray:
        problems.append(f"{path}: folder '{path.parent.name}' bukan kategori; pilihan: {', '.join(CATEGORIES)}")
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=tuple(entries), lexicon=lexicon, texts=MappingProxyType(texts),
                         off_topics=off_topics)
