"""Load and validate the knowledge base (knowledge/) into immutable entries."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from . import offtopic
from .entry import CATEGORIES, Entry, Source, read_entry

MOTIVATIONS = ("akuisisi", "retensi", "ekspansi")
# The knowledge entry that explains each segment type.
SEGMENT_ENTRY = MappingProxyType({"massal": "segmen-pasar-massal", "ceruk": "segmen-ceruk",
                                  "tersegmentasi": "segmen-tersegmentasi",
                                  "terdiversifikasi": "segmen-terdiversifikasi",
                                  "multi-sisi": "segmen-multi-sisi"})
# The overview entry of each category: explained to owners, never offered as a tactic.
OVERVIEW_IDS = frozenset({"segmen-pelanggan", "hubungan-pelanggan", "akuisisi-pelanggan",
                          "retensi-pelanggan", "ekspansi-penjualan"})
LEXICON_SECTIONS = ("singkatan", "slang", "istilah")
WORD_LISTS = ("tanya", "tanya_akhir", "tentang_usaha")   # lexicon.yaml's plain word lists besides `abaikan`


class KnowledgeError(Exception):
    """One or more problems in knowledge/, each naming the file and the field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Lexicon:
    """How owners write: casual forms (one or more words) -> standard words, plus ignored words."""
    replacements: Mapping[str, str]
    stopwords: frozenset[str]
    question_words: frozenset[str] = frozenset()   # mark the clause that asks, in a long message
    business_words: frozenset[str] = frozenset()   # a question about the business: guesses may be offered
    question_tails: frozenset[str] = frozenset()   # a clause ending in one asks ("bagus ga", "perlu nggak")


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
    return Lexicon(MappingProxyType(replacements), frozenset(stopwords), lists["tanya"], lists["tentang_usaha"],
                   lists["tanya_akhir"])


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
            entry = read_entry(path, _read_yaml(path, problems), sources, problems)
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
