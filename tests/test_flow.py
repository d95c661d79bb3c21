"""The flow is data: a step added without Python runs, and the main path is walked as the flow declares it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.engine import Coach
from bot.core.flow import Flow, FlowError
from bot.core.model import Command, Text
from bot.text.render import LOCALE_DIR, rich_text, to_plain
from tests.flow_walk import walk

EXTRA = Path(__file__).parent / "data" / "extra_step"


def extra_flow(tmp_path: Path) -> Flow:
    """bot/text/id/flow.yaml with the fixture's step inserted, in a folder of its own with its template."""
    fixture = yaml.safe_load((EXTRA / "step.yaml").read_text(encoding="utf-8"))
    flow = yaml.safe_load((LOCALE_DIR / "flow.yaml").read_text(encoding="utf-8"))
    ids = [s["id"] for s in flow["steps"]]
    flow["steps"].insert(ids.index(fixture["after"]) + 1, fixture["step"])
    (tmp_path / "flow.yaml").write_text(yaml.safe_dump(flow, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(EXTRA / "ask", tmp_path / "ask")
    return Flow.load(tmp_path)


def test_a_step_added_as_data_is_asked_answered_and_stored(kb, coach, tmp_path):
    extended = Coach(kb, extra_flow(tmp_path), coach.lookup)
    session, met, _ = walk(extended, until="lama_usaha")
    step, ask = met[-1]
    assert [m[0] for m in met] == ["nama", "produk", "lama_usaha"]
    shown = to_plain(rich_text(ask.template, extended.flow.template_folders, **ask.context))
    assert shown.startswith("Langkah 1 dari 6 · Usaha Anda") and "Toko Kue Melati berjalan?" in shown
    assert [b.short for row in ask.buttons for b in row if b.short] == ["🌱 Baru mulai", "🌳 Sudah lama"]

    typed = extended.handle(session, Text("udah lama sih"))   # typed, matched by an alias inside
    assert typed.session.answers["lama_usaha"] == "lama" and typed.session.step == "segmen"
    back = extended.handle(typed.session, Command("kembali"))
    assert back.session.step == "lama_usaha" and back.replies[-1].context["previous"] == "lama"
    helped = extended.handle(session, Text("gatau"))
    assert "sejak pertama kali" in rich_text(helped.replies[0].template, **helped.replies[0].context)

    finished, met, _ = walk(extended)
    assert finished.step == "selesai" and finished.answers["lama_usaha"] == "baru" and finished.plan


def test_the_main_path_follows_the_flow_file(coach):
    session, met, _ = walk(coach)
    steps_met = list(dict.fromkeys(m[0] for m in met))   # the tactic step is met twice: pick, then plan
    # every declared step but the segment quiz, which only "belum tahu" leads to, and the sector
    # question, asked only when what they sell ("kue ulang tahun": kuliner) does not say it
    assert steps_met == [sid for sid in coach.flow.steps if not sid.startswith("kuis_") and sid != "sektor"]
    assert session.answers["sektor"] == "kuliner"
    groups = list(coach.flow.groups)
    for step, ask in met[:-1]:
        group = coach.flow.steps[step].group
        assert ask.template == f"ask/{step}.j2"
        assert ask.context["progress"]["number"] == groups.index(group) + 1
    stored = {sid: session.answers.get(sid) for sid, step in coach.flow.steps.items()
              if step.kind == "choice" and sid in session.answers}
    assert stored["segmen"] == "massal" and stored["motivasi"] == "akuisisi"
    assert session.answers["hubungan"] and len(session.plan) == 1


@pytest.mark.parametrize("change, message", [
    (lambda f: f["steps"][0].update(group="nowhere"), "group 'nowhere'"),
    (lambda f: f["steps"][2].update(next="nowhere"), "unknown step 'nowhere'"),
    (lambda f: f["steps"][2]["options"][0].update(short="x" * 21), "short label"),
    (lambda f: f["steps"][0].pop("limit"), "needs a limit"),
])
def test_a_broken_flow_file_is_refused_naming_the_step(tmp_path, change, message):
    flow = yaml.safe_load((LOCALE_DIR / "flow.yaml").read_text(encoding="utf-8"))
    change(flow)
    (tmp_path / "flow.yaml").write_text(yaml.safe_dump(flow, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(FlowError, match=message):
        Flow.load(tmp_path)


def test_a_product_the_coach_does_not_place_brings_the_sector_question(coach):
    s, _, _ = walk(coach, until="produk")
    asked = coach.handle(s, Text("macem2 pokoknya"))
    assert asked.session.step == "sektor" and asked.session.answers["sektor"] == "lainnya"
    typed = coach.handle(asked.session, Text("warung makan lah"))
    assert typed.session.answers["sektor"] == "kuliner" and typed.session.step == "segmen"


@pytest.mark.parametrize("typed, segment", [
    # (how many, are their needs alike, a special group?, two sides?) typed as owners type them
    (("banyak bgt", "hampir sama", "siapa aja", "ga"), "massal"),
    (("rame", "sama semua", "iya khusus muslimah", "tidak"), "ceruk"),
    (("itu2 aja", "agak beda", None, "nggak"), "tersegmentasi"),
    (("banyak", "beda jauh", None, "bukan"), "terdiversifikasi"),
    (("sedikit", "agak beda", None, "iya saling butuh"), "multi-sisi"),
])
def test_the_segment_quiz_can_land_on_every_segment_type(coach, typed, segment):
    s, _, _ = walk(coach, until="segmen")
    s = coach.handle(s, Text("belum tahu")).session
    for step, text in zip(("kuis_jumlah", "kuis_kebutuhan", "kuis_khusus", "kuis_saling"), typed):
        if text is None:   # the special-group question comes only after "alike"
            assert s.step != step
            continue
        assert s.step == step
        s = coach.handle(s, Text(text)).session
    assert s.answers["segmen"] == segment and s.step == "nilai"
