"""Questions outside marketing (tax, permits, loans, recipes...): recognised by their words, answered honestly from data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

MAX_ANSWER = 600   # read on a phone, next to "what I can help with"


@dataclass(frozen=True)
class OffTopic:
    id: str
    title: str                 # shown to the operator in the stats
    phrases: tuple[str, ...]   # any one of them, as written by owners
    answer: str                # what the coach says: honest, short, where to ask instead


@dataclass(frozen=True)
class OffTopics:
    topics: tuple[OffTopic, ...] = ()
    # Words that show a question is about customers after all ("promosi produk bersertifikat halal"):
    # with one of them, the cards decide.
    about_customers: tuple[str, ...] = ()


def load(path: Path, read: Callable[[Path, list[str]], Any], problems: list[str]) -> OffTopics:
    """luar-topik.yaml; a missing file means no off-topic answers (every question goes to the cards)."""
    if not path.exists():
        return OffTopics()
    data = read(path, problems)
    if not isinstance(data, dict) or not isinstance(data.get("topik"), dict):
        problems.append(f"{path}: harus berisi bagian 'topik' (id: judul, kata, jawaban) dan 'tentang_pelanggan'")
        return OffTopics()
    topics = []
    for key, item in data["topik"].items():
        where = f"{path}: topik '{key}'"
        if not isinstance(item, dict):
            problems.append(f"{where} harus berisi judul, kata dan jawaban")
            continue
        phrases = item.get("kata")
        answer = " ".join(str(item.get("jawaban", "")).split())
        if not isinstance(phrases, list) or not phrases or not all(str(p).strip() for p in phrases):
            problems.append(f"{where}: 'kata' harus berupa daftar kata atau frasa")
            continue
        if not answer or len(answer) > MAX_ANSWER:
            problems.append(f"{where}: 'jawaban' harus diisi, paling panjang {MAX_ANSWER} huruf")
            continue
        topics.append(OffTopic(str(key), str(item.get("judul", key)), tuple(str(p) for p in phrases), answer))
    guard = data.get("tentang_pelanggan") or []
    if not isinstance(guard, list):
        problems.append(f"{path}: 'tentang_pelanggan' harus berupa daftar kata")
        guard = []
    return OffTopics(tuple(topics), tuple(str(w) for w in guard))
