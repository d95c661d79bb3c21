"""The operator's funnel as a bar chart picture (Pillow, the plan picture's font)."""
from __future__ import annotations

import io

from .fonts import drawable, font_paths

WIDTH, BAR_HEIGHT, GAP, MARGIN, LABEL_WIDTH = 1080, 64, 22, 44, 400
COLORS = {"page": "#FFFFFF", "bar": "#0E7C86", "done": "#12355B", "text": "#17202A", "muted": "#6B7785"}


def funnel_png(funnel: list[tuple[str, int]], title: str = "") -> bytes:
    """Horizontal bars, one per step, longest first; each labelled with its count and share of the first."""
    from PIL import Image, ImageDraw, ImageFont

    paths = font_paths()
    regular, bold = ImageFont.truetype(paths["regular"], 32), ImageFont.truetype(paths["bold"], 40)
    top = MARGIN + (70 if title else 0)
    height = top + len(funnel) * (BAR_HEIGHT + GAP) + MARGIN
    image = Image.new("RGB", (WIDTH, height), COLORS["page"])
    draw = ImageDraw.Draw(image)
    if title:
        draw.text((MARGIN, MARGIN), drawable(title), font=bold, fill=COLORS["text"])
    first = max(funnel[0][1], 1) if funnel else 1
    span = WIDTH - 2 * MARGIN - LABEL_WIDTH - 150
    for i, (label, count) in enumerate(funnel):
        y = top + i * (BAR_HEIGHT + GAP)
        draw.text((MARGIN, y + BAR_HEIGHT / 2), drawable(label)[:24], font=regular, fill=COLORS["text"], anchor="lm")
        x0 = MARGIN + LABEL_WIDTH
        width = max(4, int(span * count / first))
        color = COLORS["done"] if i == len(funnel) - 1 else COLORS["bar"]
        draw.rounded_rectangle((x0, y, x0 + width, y + BAR_HEIGHT), radius=10, fill=color)
        share = f"{count}  ({round(100 * count / first)}%)"
        draw.text((x0 + width + 14, y + BAR_HEIGHT / 2), share, font=regular, fill=COLORS["muted"], anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
