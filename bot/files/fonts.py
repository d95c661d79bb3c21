"""The font (the font-source-sans-pro wheel), what it can draw, and text wrapping for the picture and the chart."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from .sheet import PlanSheet

# The font, shipped as a wheel on PyPI (font-source-sans-pro, SIL OFL): Latin with all Indonesian
# letters, curly quotes, dashes, bullets. Pillow and fpdf2 both read the same TTF files.
FONT_PACKAGE = "font_source_sans_pro"
FONT_FILES = {"regular": "SourceSansPro-Regular.ttf", "bold": "SourceSansPro-Bold.ttf",
              "italic": "SourceSansPro-It.ttf"}


@lru_cache(maxsize=1)
def font_paths() -> Mapping[str, str]:
    try:
        folder = resources.files(FONT_PACKAGE).joinpath("files")
    except ModuleNotFoundError as exc:   # a broken install: say what is missing instead of drawing boxes
        raise RuntimeError("plan files need the font package 'font-source-sans-pro' (pip install it)") from exc
    return MappingProxyType({style: str(Path(str(folder.joinpath(name)))) for style, name in FONT_FILES.items()})


@lru_cache(maxsize=1)
def _glyphs() -> frozenset[int]:
    """Code points every style of the font can draw (regular, bold and italic share one repertoire)."""
    from fontTools.ttLib import TTFont

    sets = []
    for path in font_paths().values():
        font = TTFont(path, lazy=True)
        sets.append(set(font.getBestCmap()))
        font.close()
    return frozenset(set.intersection(*sets))


def drawable(text: str) -> str:
    """Owner text the font can show: controls and unsupported glyphs (emoji) dropped, spaces tidied."""
    glyphs = _glyphs()
    out = []
    for ch in unicodedata.normalize("NFC", str(text)):
        if ch == "\n":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Zs" or ch == "\t":
            out.append(" ")
        elif category[0] in "CZ":
            continue       # controls, zero-width joiners, private use, line separators
        elif ord(ch) in glyphs:
            out.append(ch)
        else:              # a letter with an accent the font lacks keeps its base letter; emoji go
            out.extend(c for c in unicodedata.normalize("NFKD", ch)
                       if ord(c) in glyphs and not unicodedata.combining(c))
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


def owner_name(sheet: PlanSheet) -> str:
    """The business name on one line, or the words' stand-in when nothing drawable is left."""
    return drawable(sheet.nama).replace("\n", " ") or sheet.texts["no_name"]


def line_height(font) -> int:
    """A Pillow font's line step in pixels."""
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 1.08)


def wrap(text: str, font, width: int, max_lines: int | None = None) -> list[str]:
    """Greedy word wrap by pixel width; a word wider than a line is cut; past max_lines ends with '…'."""
    lines: list[str] = []
    limit = max_lines + 1 if max_lines else None
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width:        # chop a very long word at the widest prefix
                lo, hi = 1, len(word)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if font.getlength(word[:mid]) <= width:
                        lo = mid
                    else:
                        hi = mid - 1
                lines.append(word[:lo])
                word = word[lo:]
                if limit and len(lines) >= limit:
                    break
            line = word
            if limit and len(lines) >= limit:
                break
        if line:
            lines.append(line)
        if limit and len(lines) >= limit:
            break
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip(" ,.;:") + "…"
    return lines
