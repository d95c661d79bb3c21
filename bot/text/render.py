"""Templates -> neutral rich text: a small tag set (<b>, <i>, <u>, <s>, <a>, <code>, <pre>) around escaped text.

Every channel turns it into its own markup (Telegram keeps it as HTML, the console drops the tags).
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

LOCALE_DIR = Path(__file__).resolve().parent / "id"   # the coach's words: Indonesian
_TAG = re.compile(r"<[^<>]*>")


@lru_cache(maxsize=8)
def environment(folders: tuple[Path, ...] = (LOCALE_DIR,)) -> Environment:
    """Templates from the first folder that has them (a test flow adds its own before the locale's)."""
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders]),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=False, auto_reload=False)   # templates change with a deploy
    env.filters["cut"] = cut
    env.filters["short"] = short_title
    return env


def cut(text: str, limit: int = 60) -> str:
    """Shorten owner-supplied text for headings and buttons, on a word boundary when possible."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head) + "…"


def short_title(title: str) -> str:
    """'Cross selling: tawarkan barang pelengkap' -> 'Cross selling' for lists and buttons."""
    return str(title).split(":")[0].strip()


def rich_text(template: str, folders: tuple[Path, ...] = (LOCALE_DIR,), **context) -> str:
    """Render a template to rich text; owner values are escaped by autoescape."""
    text = environment(folders).get_template(template).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def to_plain(message: str) -> str:
    """Rich text without its tags, entities decoded: what a terminal shows."""
    return html.unescape(_TAG.sub("", message))
