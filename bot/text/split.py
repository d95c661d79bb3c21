"""Rich text cut into parts of at most N visible characters, each part valid markup: any channel's long replies."""
from __future__ import annotations

import html
import re

from .render import to_plain

_PIECE = re.compile(r"<[^<>]*>|&#?\w+;|\n| |[^<&\n ]+|[<&]")
_TAG = re.compile(r"<(/?)([a-z]+)")


def _visible_length(piece: str) -> int:
    text = html.unescape(piece) if piece.startswith("&") else piece
    return len(text.encode("utf-16-le")) // 2


def _visible_length_of(message: str) -> int:
    return len(to_plain(message).encode("utf-16-le")) // 2


def split_message(message: str, limit: int) -> list[str]:
    """Cut a long HTML message into parts of at most `limit` visible characters.

    Cuts fall on a line break where possible (else a space, else anywhere); tags open at a cut are
    closed at its end and opened again at the start of the next part, so each part is valid HTML.
    """
    # a character is at most two UTF-16 units and markup only adds characters: most replies need no count
    if 2 * len(message) <= limit or _visible_length_of(message) <= limit:
        return [message]
    parts: list[str] = []
    current: list[str] = []   # pieces of the part being built
    length = 0                # its visible length
    open_tags: list[tuple[str, str]] = []   # (name, opening tag) currently open
    cut_at: tuple[int, int, list[tuple[str, str]]] | None = None  # (index, length, tags) of best cut

    def flush(index: int, tags: list[tuple[str, str]]) -> None:
        nonlocal current, length
        head, tail = current[:index], current[index:]
        text = "".join(head) + "".join(f"</{name}>" for name, _ in reversed(tags))
        if to_plain(text).strip():
            parts.append(text.strip())
        current = [opening for _, opening in tags] + tail
        length = sum(_visible_length(p) for p in tail if not p.startswith("<"))

    for piece in _pieces(message, limit):
        tag = _TAG.match(piece) if piece.startswith("<") and len(piece) > 1 else None
        if tag:
            name = tag.group(2)
            if tag.group(1):
                if open_tags and open_tags[-1][0] == name:
                    open_tags.pop()
            elif not piece.endswith("/>"):
                open_tags.append((name, piece))
            current.append(piece)
            continue
        size = _visible_length(piece)
        if length + size > limit:
            if cut_at is None:
                cut_at = (len(current), length, list(open_tags))
            flush(cut_at[0], cut_at[2])
            cut_at = None
        current.append(piece)
        length += size
        if piece == "\n":
            cut_at = (len(current), length, list(open_tags))
        elif piece == " " and (cut_at is None or cut_at[1] < length - limit // 4):
            # a space only when no line break is near: lines read better whole
            cut_at = (len(current), length, list(open_tags))
    flush(len(current), [])
    return parts


def _pieces(message: str, limit: int):
    """Tags, entities, line breaks, spaces and words; words longer than a part are chopped."""
    for match in _PIECE.finditer(message):
        piece = match.group(0)
        if piece.startswith(("<", "&")) or len(piece) <= limit // 2:
            yield piece
        else:
            step = limit // 2
            yield from (piece[i:i + step] for i in range(0, len(piece), step))
