"""The plan as files to keep: the sheet from a real coaching session, its PNG and its PDF."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.core.model import Action, Session, Start, Text
from bot.files import PlanSheet, drawable, plan_pdf, plan_png, plan_sheet

# A toko kue owner: retention tactics first, then a second round for new customers.
SCRIPT = ["/start", "Toko Kue Melati", "kue ulang tahun dan kue kering", "kelompok khusus",
          "ibu-ibu pengajian, wajib halal, pesan lewat WA", "banyak", "besar", "cukup", "keduanya",
          "setuju", "balik lagi", "1", "2", "3", "selesai", "lagi", "pelanggan baru", "1", "2", "selesai"]
HOSTILE_NAME = '<b>Toko</b> & "Anak" 😀'


def _action(line: str) -> Action:
    return Start() if line == "/start" else Text(line)


def run(coach, script) -> Session:
    session = None
    for line in script:
        session = coach.handle(session, _action(line)).session
    return session


@pytest.fixture(scope="module")
def flow(coach):
    return coach.flow


@pytest.fixture(scope="module")
def finished(coach) -> Session:
    session = run(coach, SCRIPT)
    assert session.step == "selesai" and len(session.plan) == 5
    return session


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)    # A4 portrait
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=1)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def png_image(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.width == 1080
    assert 1350 <= image.height <= 2400          # portrait, no taller than one phone screen
    return image.convert("RGB")


def distinct_colors(image: Image.Image) -> int:
    return len(image.resize((270, image.height // 4)).getcolors(maxcolors=1 << 20))


def test_sheet_holds_the_whole_plan(coach, flow, finished):
    sheet = plan_sheet(coach.kb, flow, finished)
    assert isinstance(sheet, PlanSheet) and not sheet.empty
    assert sheet.nama == "Toko Kue Melati" and sheet.produk == "kue ulang tahun dan kue kering"
    assert sheet.segment == "Kelompok khusus (ceruk)"          # flow label without its icon
    assert sheet.nilai.startswith("ibu-ibu pengajian")
    assert sheet.relationships and all(r == coach.kb.by_id[i].title
                                       for r, i in zip(sheet.relationships, finished.answers["hubungan"]))
    assert sheet.channel and "😀" not in sheet.channel
    assert [g.motivasi for g in sheet.groups] == ["akuisisi", "retensi"]   # canvas order, not pick order
    labels = {o.value: o.label for o in coach.flow.options["motivasi"]}
    assert all(labels[g.motivasi].endswith(g.label) for g in sheet.groups)
    assert [t.id for t in sheet.tactics] == [i["id"] for m in ("akuisisi", "retensi")
                                             for i in finished.plan if i["motivasi"] == m]
    for tactic in sheet.tactics:
        entry = coach.kb.by_id[tactic.id]
        # "kue ulang tahun": the owner's own sector's story, as in the chat
        assert finished.answers["sektor"] == "kuliner"
        assert tactic.steps == entry.steps_for("kuliner") and tactic.example == entry.examples["kuliner"]
        assert tactic.status.value == "direncanakan" and tactic.status.label == "Direncanakan"
        assert [s.title for s in tactic.sources] == [s.title for s in entry.sources]
    assert any(s.url for t in sheet.tactics for s in t.sources)


def test_statuses_have_labels_and_unknown_ones_do_not_crash(coach, flow, finished):
    session = Session.from_dict(finished.to_dict())
    for item, status in zip(session.plan, ["belum", "jalan", "berhasil", "tidak_cocok", "ditunda_dulu"]):
        item["status"] = status
    sheet = plan_sheet(coach.kb, flow, session)
    labels = {t.status.value: t.status.label for t in sheet.tactics}
    assert labels == {"belum": "Belum dicoba", "jalan": "Sedang jalan", "berhasil": "Berhasil",
                      "tidak_cocok": "Tidak cocok", "ditunda_dulu": "Ditunda dulu"}
    assert len({t.status.background for t in sheet.tactics}) >= 4
    text = pdf_text(plan_pdf(sheet))
    for label in labels.values():
        assert label in text
    png_image(plan_png(sheet))


def test_png_is_a_readable_portrait(coach, flow, finished):
    image = png_image(plan_png(plan_sheet(coach.kb, flow, finished)))
    assert distinct_colors(image) > 20            # not blank: boxes, chips, antialiased text
    assert image.getpixel((5, 5)) != image.getpixel((5, image.height - 5))   # header band vs page


def test_pdf_has_plan_steps_examples_and_sources(coach, flow, finished):
    sheet = plan_sheet(coach.kb, flow, finished)
    text = pdf_text(plan_pdf(sheet))
    assert "Toko Kue Melati" in text and "Kelompok khusus (ceruk)" in text
    for tactic in sheet.tactics:
        assert " ".join(tactic.title.split()) in text
        assert " ".join(tactic.steps[0].split())[:60] in text
        assert " ".join(tactic.example.split())[:40] in text
    urls = {s.url for t in sheet.tactics for s in t.sources if s.url}
    assert urls and all(url in text.replace(" ", "") for url in urls)
    assert "dibuat dengan Coach UMKM" in text


def test_hostile_owner_text_is_drawn_not_crashed(coach, flow, finished):
    session = Session.from_dict(finished.to_dict())
    session.answers.update(nama=HOSTILE_NAME, produk="kue " + "x" * 400,
                           nilai=("halal & murah <script>alert(1)</script> “enak” 🍰 " * 30)[:1000])
    sheet = plan_sheet(coach.kb, flow, session)
    assert sheet.nama == HOSTILE_NAME                              # kept as typed; renderers clean it
    assert drawable(sheet.nama) == '<b>Toko</b> & "Anak"'
    image = png_image(plan_png(sheet))
    assert distinct_colors(image) > 20
    text = pdf_text(plan_pdf(sheet))
    assert '<b>Toko</b> & "Anak"' in text and "😀" not in text
    assert "“enak”" in text and "<script>alert(1)</script>" in text


def test_emoji_only_name_and_odd_characters(coach, flow, finished):
    session = Session.from_dict(finished.to_dict())
    session.answers.update(nama="😀\u200d🍰\ufe0f", produk="Kopi\x00 Ｓusu\tgula aren 🌴")
    sheet = plan_sheet(coach.kb, flow, session)
    assert drawable(sheet.produk) == "Kopi Susu gula aren"
    text = pdf_text(plan_pdf(sheet))
    assert "Usaha Anda" in text                                    # a name made only of emoji
    png_image(plan_png(sheet))


@pytest.mark.parametrize("script", [[], ["/start", "Warung Bu Sri", "nasi rames"]])
def test_empty_plan_is_a_sensible_sheet(coach, flow, script):
    session = run(coach, script) if script else Session()
    sheet = plan_sheet(coach.kb, flow, session)
    assert sheet.empty and sheet.tactics == ()
    image = png_image(plan_png(sheet))
    assert image.height == 1350 and distinct_colors(image) > 10
    text = pdf_text(plan_pdf(sheet))
    assert "Belum ada taktik" in text and "Belum diisi" in text
    assert ("Warung Bu Sri" if script else "Usaha Anda") in text


def test_a_long_plan_stays_one_phone_screen(coach, flow):
    session = Session(answers={"nama": "Laundry Kilat", "segmen": "massal", "sarana_saluran": "online",
                               "hubungan": ["swalayan", "layanan-otomatis"]},
                      plan=[{"id": e.id, "motivasi": e.category, "status": "jalan"}
                            for e in coach.kb.entries if e.category in ("akuisisi", "retensi", "ekspansi")])
    sheet = plan_sheet(coach.kb, flow, session)
    assert len(sheet.tactics) > 20
    image = png_image(plan_png(sheet))
    assert image.height > 2000
    text = pdf_text(plan_pdf(sheet))
    assert all(" ".join(t.title.split()) in text for t in sheet.tactics)   # the PDF keeps them all


def test_plan_items_missing_from_knowledge_are_skipped(coach, flow, finished):
    session = Session.from_dict(finished.to_dict())
    session.plan.append({"id": "taktik-yang-sudah-dihapus", "motivasi": "retensi", "status": "jalan"})
    session.plan.append({"id": session.plan[0]["id"], "motivasi": None, "status": None})
    sheet = plan_sheet(coach.kb, flow, session)
    assert "taktik-yang-sudah-dihapus" not in {t.id for t in sheet.tactics}
    assert sheet.groups[-1].label == "Taktik lain"
    plan_png(sheet)
    plan_pdf(sheet)
