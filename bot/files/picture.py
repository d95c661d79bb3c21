"""The plan as a phone-sized PNG (Pillow): the customer side of the canvas and the chosen tactics."""
from __future__ import annotations

import io
from typing import Any

from .fonts import drawable, font_paths, line_height, owner_name, wrap
from .sheet import PlanSheet

# picture geometry (pixels) and colours; the words are in the plan files' YAML (see sheet.WORDS_PATH)
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
        step = line_height(font)
        for line in wrap(text, font, width, max_lines):
            self.text(x, y, line, style, size, fill)
            y += step
        return y

    def measure(self, text, style, size, width, max_lines=None) -> int:
        font = self.fonts(style, size)
        return len(wrap(text, font, width, max_lines)) * line_height(font)

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
    head_h = line_height(head_font) + 22
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
    y = c.paragraph(MARGIN, y, owner_name(sheet), "bold", SIZES["name"], COLORS["header_text"], inner, NAME_LINES)
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
                chip_h = line_height(chip_font) + 10
                line_h = line_height(title_font)
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
    height = max(MIN_HEIGHT, tac_bottom + 40 + line_height(footer_font) + 40)
    footer = t["footer"]
    c.text((WIDTH - footer_font.getlength(footer)) / 2, height - 40 - line_height(footer_font), footer,
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
