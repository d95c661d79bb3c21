"""The owner's plan as files to keep: a phone-sized PNG of the customer side of the canvas and an A4 PDF."""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import yaml

from .knowledge import MOTIVATIONS, SEGMENT_ENTRY

if TYPE_CHECKING:  # annotations only: bot.conversation (or the service) may import this module
    from .conversation import Coach, Session

# The font, shipped as a wheel on PyPI (font-source-sans-pro, SIL OFL): Latin with all Indonesian
# letters, curly quotes, dashes, bullets. Pillow and fpdf2 both read the same TTF files.
FONT_PACKAGE = "font_source_sans_pro"
FONT_FILES = {"regular": "SourceSansPro-Regular.ttf", "bold": "SourceSansPro-Bold.ttf",
              "italic": "SourceSansPro-It.ttf"}

# ---- picture geometry (pixels) and colours; the words are in bot/templates/plan_files.yaml
WIDTH = 1080                 # a phone screen's width: WhatsApp and Telegram show it 1:1 on most phones
MIN_HEIGHT = 1350            # 4:5, portrait even for a short plan
MAX_HEIGHT = 2400            # 9:20, one tall phone screen; longer plans drop details, then tactics
MARGIN, GAP, PAD = 44, 24, 28
SIZES = {"kicker": 30, "name": 72, "product": 36, "box_title": 32, "body": 36, "small": 31,
         "tactic": 37, "group": 33, "chip": 28, "footer": 28}
COLORS = {"page": "#EDF1F5", "header": "#12355B", "header_text": "#FFFFFF", "header_soft": "#C9D8E8",
          "card": "#FFFFFF", "text": "#17202A", "soft_text": "#3D4A56", "muted": "#6B7785",
          "rule": "#D9E0E7", "segment": "#0E7C86", "relationship": "#6A3FA0", "channel": "#B4531A",
          "tactics": "#12355B", "group": "#0E5A8A"}
NAME_LINES, PRODUCT_LINES, VALUE_LINES = 2, 2, 8
TITLE_LINES, STEP_LINES = 3, 3


# ----------------------------------------------------------------------------- the sheet

@dataclass(frozen=True)
class SourceRef:
    title: str
    author: str = ""
    url: str = ""


@dataclass(frozen=True)
class Status:
    value: str          # as stored in the session: "direncanakan", "belum", "jalan", ...
    label: str
    background: str     # chip colour, "#RRGGBB"
    text: str


@dataclass(frozen=True)
class Tactic:
    id: str
    title: str
    summary: str
    steps: tuple[str, ...]
    example: str
    status: Status
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class MotiveGroup:
    motivasi: str       # "akuisisi", "retensi", "ekspansi" (or whatever the session stored)
    label: str
    tactics: tuple[Tactic, ...]


@dataclass(frozen=True)
class PlanSheet:
    """Everything the picture and the document show; owner text is kept as typed (renderers clean it)."""
    nama: str
    produk: str
    segment: str                      # label, "" when not answered yet
    nilai: str
    relationships: tuple[str, ...]    # titles of the chosen relationship entries
    channel: str                      # label, "" when not answered yet
    groups: tuple[MotiveGroup, ...]
    texts: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def tactics(self) -> tuple[Tactic, ...]:
        return tuple(t for g in self.groups for t in g.tactics)

    @property
    def empty(self) -> bool:
        """No tactic chosen yet: both files still render (with a hint); a caller may send a message instead."""
        return not self.groups


@lru_cache(maxsize=1)
def _words() -> Mapping[str, Any]:
    text = resources.files("bot.templates").joinpath("plan_files.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _without_icon(label: str) -> str:
    """'🎯 Kelompok khusus (ceruk)' -> 'Kelompok khusus (ceruk)': button icons do not belong on paper."""
    return re.sub(r"^[^\w(\"'“]+", "", str(label)).strip()


def _status(value: str, labels: Mapping[str, str]) -> Status:
    """The status's label (as in the chat, from flow.yaml, without its icon) and chip colours."""
    words = _words()
    colours = words["statuses"].get(value) or words["status_unknown"]
    label = _without_icon(labels[value]) if value in labels else str(value).replace("_", " ").capitalize()
    return Status(value, label, colours["background"], colours["text"])


def plan_sheet(coach: Coach, session: Session) -> PlanSheet:
    """What to draw for one owner; never raises for a well-formed session (see PlanSheet.empty)."""
    words = _words()
    kb, flow = coach.kb, coach.flow
    a = session.answers or {}
    option_labels = {q: {o.value: _without_icon(o.label) for o in opts} for q, opts in flow.options.items()}

    segmen = a.get("segmen") or ""
    segment = option_labels.get("segmen", {}).get(segmen, "")
    if not segment and segmen in SEGMENT_ENTRY and SEGMENT_ENTRY[segmen] in kb.by_id:
        segment = kb.by_id[SEGMENT_ENTRY[segmen]].title
    saluran = a.get("sarana_saluran") or ""
    channel = (words.get("channels") or {}).get(saluran) or option_labels.get("sarana_saluran", {}).get(saluran, "")
    relationships = tuple(kb.by_id[r].title for r in a.get("hubungan") or () if r in kb.by_id)

    by_motive: dict[str, list[Tactic]] = {}
    for item in session.plan or ():
        entry = kb.by_id.get(item.get("id", ""))
        if entry is None:
            continue   # a tactic removed from knowledge/ since it was planned
        sources, seen = [], set()
        for s in entry.sources:
            if s.key not in seen:
                seen.add(s.key)
                sources.append(SourceRef(s.title, s.author, s.url))
        tactic = Tactic(entry.id, entry.title, entry.summary, tuple(entry.steps), entry.example,
                        _status(item.get("status") or "direncanakan", flow.data["plan_status"]), tuple(sources))
        by_motive.setdefault(str(item.get("motivasi") or ""), []).append(tactic)
    motive_labels = option_labels.get("motivasi", {})
    order = [m for m in MOTIVATIONS if m in by_motive] + [m for m in by_motive if m not in MOTIVATIONS]
    groups = tuple(MotiveGroup(m, motive_labels.get(m) or words["texts"]["other_motivation"], tuple(by_motive[m]))
                   for m in order)
    return PlanSheet(nama=str(a.get("nama") or ""), produk=str(a.get("produk") or ""), segment=segment,
                     nilai=str(a.get("nilai") or ""), relationships=relationships, channel=channel,
                     groups=groups, texts=MappingProxyType(dict(words["texts"])))


# ----------------------------------------------------------------------------- fonts and text

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


def _name(sheet: PlanSheet) -> str:
    return drawable(sheet.nama).replace("\n", " ") or sheet.texts["no_name"]


# ----------------------------------------------------------------------------- the picture

class _Fonts:
    def __init__(self) -> None:
        from PIL import ImageFont

        paths = font_paths()
        self._cache: dict[tuple[str, int], Any] = {}
        self._make = lambda style, size: ImageFont.truetype(paths[style], size)

    def __call__(self, style: str, size: int):
        key = (style, size)
        if key not in self._cache:
            self._cache[key] = self._make(style, size)
        return self._cache[key]


def _line_height(font) -> int:
    ascent, descent = font.getmetrics()
    return int((ascent + descent) * 1.08)


def _wrap(text: str, font, width: int, max_lines: int | None = None) -> list[str]:
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


class _Canvas:
    """Draw operations recorded with a y cursor, so the height is known before the image is made."""

    def __init__(self, fonts: _Fonts):
        self.fonts = fonts
        self.background: list[tuple] = []   # card backgrounds, painted first
        self.ops: list[tuple] = []

    def rect(self, box, fill, radius=0, outline=None):
        self.ops.append(("rect", tuple(int(v) for v in box), fill, radius, outline))

    def text(self, x, y, text, style, size, fill):
        self.ops.append(("text", (int(x), int(y)), text, style, size, fill))

    def paragraph(self, x, y, text, style, size, fill, width, max_lines=None) -> int:
        """Wrapped text from (x, y); returns the y below it."""
        font = self.fonts(style, size)
        step = _line_height(font)
        for line in _wrap(text, font, width, max_lines):
            self.text(x, y, line, style, size, fill)
            y += step
        return y

    def measure(self, text, style, size, width, max_lines=None) -> int:
        font = self.fonts(style, size)
        return len(_wrap(text, font, width, max_lines)) * _line_height(font)

    def render(self, height: int) -> bytes:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (WIDTH, height), COLORS["page"])
        draw = ImageDraw.Draw(image)
        for op in (*self.background, *self.ops):
            if op[0] == "rect":
                _, box, fill, radius, outline = op
                draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline,
                                       width=2 if outline else 0)
            else:
                _, xy, text, style, size, fill = op
                draw.text(xy, text, font=self.fonts(style, size), fill=fill)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def _box(c: _Canvas, x: int, y: int, w: int, title: str, color: str, body) -> tuple[int, Any]:
    """A canvas box: coloured heading band, white body drawn by body(c, x, y, w) -> bottom y.

    Returns the box's natural bottom and a function that paints its background down to a given y
    (boxes side by side are stretched to the same height, as on the canvas)."""
    head_font = c.fonts("bold", SIZES["box_title"])
    head_h = _line_height(head_font) + 22
    c.text(x + PAD, y + 12, title.upper(), "bold", SIZES["box_title"], COLORS["header_text"])
    bottom = body(c, x + PAD, y + head_h + 20, w - 2 * PAD) + PAD - 6

    def paint(to_y: int) -> None:
        c.background += [("rect", (x, y, x + w, to_y), COLORS["card"], 22, None),
                         ("rect", (x, y, x + w, y + head_h + 22), color, 22, None),
                         ("rect", (x, y + head_h, x + w, y + head_h + 22), COLORS["card"], 0, None)]
    return bottom, paint


def _lines_body(items: list[tuple[str, str, int, str, int | None]]):
    """A body of paragraphs: (text, style, size, colour, max_lines), separated by a small gap."""
    def body(c: _Canvas, x, y, w):
        for i, (text, style, size, color, max_lines) in enumerate(items):
            if i:
                y += 10
            y = c.paragraph(x, y, text, style, size, color, w, max_lines)
        return y
    return body


def _layout(sheet: PlanSheet, fonts: _Fonts, step_lines: int, shown: int) -> tuple[_Canvas, int]:
    t = sheet.texts
    c = _Canvas(fonts)
    inner = WIDTH - 2 * MARGIN

    # header band: kicker, business name, product
    y = 56
    y = c.paragraph(MARGIN, y, t["kicker"], "bold", SIZES["kicker"], COLORS["header_soft"], inner) + 4
    y = c.paragraph(MARGIN, y, _name(sheet), "bold", SIZES["name"], COLORS["header_text"], inner, NAME_LINES)
    produk = drawable(sheet.produk).replace("\n", " ")
    if produk:
        y = c.paragraph(MARGIN, y + 6, t["product"].format(produk=produk), "regular", SIZES["product"],
                        COLORS["header_soft"], inner, PRODUCT_LINES)
    header_bottom = y + 40
    c.background.append(("rect", (0, 0, WIDTH, header_bottom), COLORS["header"], 0, None))

    # the customer side of the canvas: relationships over channels on the left, segments on the right
    top = header_bottom + 36
    col = (inner - GAP) // 2
    left_x, right_x = MARGIN, MARGIN + col + GAP
    missing = (t["not_filled"], "italic", SIZES["body"], COLORS["muted"], 1)
    rel_items = [("• " + drawable(r.split(":")[0]), "bold", SIZES["body"], COLORS["text"], 2)
                 for r in sheet.relationships if drawable(r)] or [missing]
    rel_bottom, rel_paint = _box(c, left_x, top, col, t["relationship"], COLORS["relationship"],
                                 _lines_body(rel_items))
    channel = drawable(sheet.channel)
    ch_items = [(channel, "bold", SIZES["body"], COLORS["text"], 3)] if channel else [missing]
    ch_top = rel_bottom + GAP
    ch_bottom, ch_paint = _box(c, left_x, ch_top, col, t["channel"], COLORS["channel"], _lines_body(ch_items))
    segment = drawable(sheet.segment)
    nilai = drawable(sheet.nilai)
    seg_items = [(segment, "bold", SIZES["body"], COLORS["text"], 3)] if segment else [missing]
    seg_items.append((t["values"], "bold", SIZES["small"], COLORS["segment"], 2))
    seg_items.append((nilai, "regular", SIZES["small"], COLORS["text"], VALUE_LINES) if nilai else
                     (t["not_filled"], "italic", SIZES["small"], COLORS["muted"], 1))
    seg_bottom, seg_paint = _box(c, right_x, top, col, t["segment"], COLORS["segment"], _lines_body(seg_items))
    row_bottom = max(ch_bottom, seg_bottom)
    rel_paint(rel_bottom)
    ch_paint(row_bottom)
    seg_paint(row_bottom)

    # the tactics, grouped by motivation, each with its status chip
    tactics = list(sheet.tactics)
    hidden = len(tactics) - min(shown, len(tactics))

    def tactic_body(c: _Canvas, x, y, w):
        if not tactics:
            return c.paragraph(x, y, t["empty_plan"], "italic", SIZES["body"], COLORS["muted"], w, 4)
        chip_font = fonts("bold", SIZES["chip"])
        title_font = fonts("bold", SIZES["tactic"])
        count = 0
        for g, group in enumerate(sheet.groups):
            if count >= shown:
                break
            if g:
                y += 18
            y = c.paragraph(x, y, drawable(group.label), "bold", SIZES["group"], COLORS["group"], w, 2) + 4
            for tactic in group.tactics:
                if count >= shown:
                    break
                count += 1
                c.rect((x, y + 4, x + w, y + 6), COLORS["rule"])
                y += 20
                label = drawable(tactic.status.label) or tactic.status.value
                chip_w = int(chip_font.getlength(label)) + 36
                chip_h = _line_height(chip_font) + 10
                line_h = _line_height(title_font)
                chip_y = y + (line_h - chip_h) // 2 + 2
                c.rect((x + w - chip_w, chip_y, x + w, chip_y + chip_h), tactic.status.background, chip_h // 2)
                c.text(x + w - chip_w + 18, chip_y + 4, label, "bold", SIZES["chip"], tactic.status.text)
                y = c.paragraph(x, y, drawable(tactic.title), "bold", SIZES["tactic"], COLORS["text"],
                                w - chip_w - 20, TITLE_LINES)
                if step_lines and tactic.steps:
                    first = t["first_step"].format(step=drawable(tactic.steps[0]))
                    y = c.paragraph(x, y + 4, first, "regular", SIZES["small"], COLORS["soft_text"], w,
                                    step_lines)
                y += 6
        if hidden:
            y = c.paragraph(x, y + 14, t["more_tactics"].format(n=hidden), "italic", SIZES["small"],
                            COLORS["muted"], w, 2)
        return y

    tac_top = row_bottom + GAP
    tac_bottom, tac_paint = _box(c, MARGIN, tac_top, inner, t["tactics"], COLORS["tactics"], tactic_body)
    tac_paint(tac_bottom)

    footer_font = fonts("regular", SIZES["footer"])
    height = max(MIN_HEIGHT, tac_bottom + 40 + _line_height(footer_font) + 40)
    footer = t["footer"]
    c.text((WIDTH - footer_font.getlength(footer)) / 2, height - 40 - _line_height(footer_font), footer,
           "regular", SIZES["footer"], COLORS["muted"])
    return c, height


def plan_png(sheet: PlanSheet) -> bytes:
    """A 1080 px wide portrait PNG (1350 to 2400 px high) of the plan, to post in a WhatsApp group."""
    fonts = _Fonts()
    total = len(sheet.tactics)
    for step_lines in range(STEP_LINES, -1, -1):   # too tall: first steps get shorter, then go
        canvas, height = _layout(sheet, fonts, step_lines, total)
        if height <= MAX_HEIGHT:
            break
    shown = total
    while height > MAX_HEIGHT and shown > 1:         # still too tall: the last tactics go to the PDF
        shown -= 1
        canvas, height = _layout(sheet, fonts, 0, shown)
    return canvas.render(min(height, MAX_HEIGHT))


# ----------------------------------------------------------------------------- the document

def plan_pdf(sheet: PlanSheet) -> bytes:
    """A printable A4 PDF: the canvas answers, then every tactic with its steps, example and sources."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    t = sheet.texts
    paths = font_paths()
    name = _name(sheet)
    family = "SourceSans"

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(family, "", 9)
            self.set_text_color(110, 119, 133)
            self.cell(0, 6, drawable(f"{t['footer']} · {name[:60]}"), align="L")
            self.set_x(self.l_margin)
            self.cell(0, 6, t["pdf_page"].format(page=self.page_no(), pages="{nb}"), align="R")

    pdf = Document(orientation="portrait", unit="mm", format="A4")
    pdf.alias_nb_pages("{nb}")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font(family, "", paths["regular"])
    pdf.add_font(family, "B", paths["bold"])
    pdf.add_font(family, "I", paths["italic"])
    title = drawable(t["pdf_title"].format(nama=name))
    pdf.set_title(title)
    pdf.set_author(drawable(t["footer"]))
    pdf.set_creator(drawable(t["footer"]))
    pdf.add_page()

    def text(body: str, size: float = 11, style: str = "", color=(23, 32, 42), h: float | None = None,
             indent: float = 0) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, h or size * 0.5, body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def keep(height: float) -> None:
        """A new page now if the next `height` mm would not fit: no heading alone at a page's foot."""
        if pdf.will_page_break(height):
            pdf.add_page()

    def heading(body: str, size: float, color=(18, 53, 91), before: float = 4) -> None:
        keep(before + 25)
        pdf.ln(before)
        text(body, size, "B", color)
        pdf.ln(1)

    muted = (107, 119, 133)
    text(drawable(t["kicker"]), 10, "B", (14, 90, 138))
    text(name, 24, "B", (18, 53, 91), h=11)
    produk = drawable(sheet.produk)
    if produk:
        text(t["product"].format(produk=produk), 12, "", (61, 74, 86))
    pdf.ln(2)
    text(drawable(t["pdf_intro"]), 11, "I", muted)

    heading(drawable(t["pdf_canvas"]), 16, before=6)
    rows = [(t["segment"], drawable(sheet.segment)), (t["values"], drawable(sheet.nilai)),
            (t["relationship"], "\n".join(drawable(r) for r in sheet.relationships)),
            (t["channel"], drawable(sheet.channel))]
    for label, value in rows:
        text(drawable(label), 11, "B", (14, 124, 134))
        text(value or t["not_filled"], 11, "" if value else "I", (23, 32, 42) if value else muted, indent=4)
        pdf.ln(1.5)

    heading(drawable(t["tactics"]), 16, before=6)
    if sheet.empty:
        text(drawable(t["empty_plan"]), 11, "I", muted)
    for group in sheet.groups:
        heading(drawable(group.label), 14, (14, 90, 138), before=3)
        for tactic in group.tactics:
            keep(45)
            pdf.ln(1)
            text(drawable(tactic.title), 13, "B")
            status = tactic.status
            pdf.set_font(family, "B", 10)
            label = drawable(t["pdf_status"].format(status=status.label))
            width = pdf.get_string_width(label) + 6
            pdf.set_fill_color(*_rgb(status.background))
            pdf.set_text_color(*_rgb(status.text))
            pdf.cell(width, 6, label, fill=True, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
            if tactic.summary:
                text(drawable(tactic.summary), 11)
            keep(18)
            text(drawable(t["pdf_steps"]), 11, "B", (61, 74, 86), h=6)
            for step in tactic.steps:
                keep(10)
                y = pdf.get_y()
                pdf.set_draw_color(61, 74, 86)
                pdf.rect(pdf.l_margin + 1, y + 1.1, 3.2, 3.2)
                text(drawable(step), 11, indent=7)
                pdf.ln(0.8)
            if tactic.example:
                keep(18)
                text(drawable(t["pdf_example"]), 11, "B", (61, 74, 86), h=6)
                text(drawable(tactic.example), 11, "I", (61, 74, 86), indent=4)
            if tactic.sources:
                keep(6 + 5 * len(tactic.sources))
                text(drawable(t["pdf_sources"]), 9.5, "B", muted, h=5)
                for source in tactic.sources:
                    pdf.set_x(pdf.l_margin + 4)
                    pdf.set_font(family, "", 9.5)
                    pdf.set_text_color(*muted)
                    who = f" ({source.author})" if source.author else ""
                    pdf.write(4.6, drawable(f"{source.title}{who}"))
                    if source.url:
                        pdf.set_text_color(14, 90, 138)
                        pdf.write(4.6, " " + source.url, link=source.url)
                    pdf.ln(5)
            pdf.set_draw_color(217, 224, 231)
            pdf.ln(2)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(2)
    return bytes(pdf.output())


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
