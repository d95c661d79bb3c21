"""The plan as a printable A4 PDF (fpdf2): the canvas answers, then every tactic in full."""
from __future__ import annotations

from .fonts import drawable, font_paths, owner_name
from .sheet import PlanSheet


def plan_pdf(sheet: PlanSheet) -> bytes:
    """A printable A4 PDF: the canvas answers, then every tactic with its steps, example and sources."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    t = sheet.texts
    paths = font_paths()
    name = owner_name(sheet)
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
