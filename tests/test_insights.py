"""Inline lookups, "Membantu?" feedback and the operators' statistics on a seeded database."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from bot.app import stats
from tests.collecting import CHANNEL, handle
from bot.core.model import Command, Press, Start
from bot.app.service import CoachService
from bot.storage import Storage
from tests.fakes import telegram_html_error
from tests.recording_request import run_offline
from tests.test_channels import SCRIPT, core_action
from tests.test_checkins import Clock, wib

DAY = 86400


def inline_answers(coach, storage, queries: list[str]) -> list[list[dict]]:
    request, errors = run_offline(CoachService(coach, storage), [
        {"update_id": i, "inline_query": {"id": f"iq{i}", "query": query, "offset": "",
                                          "from": {"id": 77, "is_bot": False, "first_name": "Sari"}}}
        for i, query in enumerate(queries, 1)])
    assert errors == []
    calls = [p for name, p in request.calls if name == "answerInlineQuery"]
    assert len(calls) == len(queries)
    return [json.loads(p["results"]) if isinstance(p["results"], str) else p["results"] for p in calls]


def test_inline_query_offers_matching_cards_ready_to_send(coach, storage):
    (results,) = inline_answers(coach, storage, ["gmn biar pelanggan balik lagi"])
    assert results and results[0]["id"] == "retensi-pelanggan"
    assert len(results) <= 10
    for result in results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML" and telegram_html_error(content["message_text"]) is None
        assert len(content["message_text"]) <= 4096


def test_empty_inline_query_offers_the_most_used_tactics(coach, storage):
    service = CoachService(coach, storage)
    for owner in (1, 2, 3):
        handle(service, owner, owner, Command("cari", "jualan di tiktok"))
    (results,) = inline_answers(coach, storage, [""])
    assert storage.popular_tactics(1)[0] in [r["id"] for r in results[:1]]
    assert len(results) == 10


def test_off_topic_or_huge_inline_queries_get_an_empty_or_bounded_answer(coach, storage):
    off, huge = inline_answers(coach, storage, ["jadwal kereta api besok pagi", "promosi " * 125])
    assert off == []
    assert len(huge) <= 10


def test_cards_carry_feedback_buttons_and_feedback_is_stored(service):
    reply = handle(service, 5, 5, Command("cari", "biar pelanggan balik lagi"))
    card = next(m for m in reply if "💡" in m.text)   # one message: the card, then the question asked again
    data = [d for row in card.buttons for _, d in row]
    assert data[-2:] == ["f:retensi-pelanggan:1", "f:retensi-pelanggan:0"]   # below the question's own
    assert "c:langkah_bantuan" in data[:-2] and card.text.index("💡") < card.text.index("nama usaha")
    thanks = handle(service, 5, 5, Press("f:retensi-pelanggan:1"))
    assert "Terima kasih" in thanks[0].text
    handle(service, 5, 5, Press("f:retensi-pelanggan:1"))   # a double tap counts once
    handle(service, 6, 6, Press("f:retensi-pelanggan:1"))
    handle(service, 6, 6, Press("f:retensi-pelanggan:0"))   # a change of mind: the last counts
    assert stats.compute(service.storage, service.coach.flow).feedback == [("retensi-pelanggan", 1, 1)]
    forged = handle(service, 6, 6, Press("f:tidak-ada:1"))
    assert "sudah tidak berlaku" in forged[0].text
    assert stats.compute(service.storage, service.coach.flow).feedback == [("retensi-pelanggan", 1, 1)]


@pytest.fixture
def seeded(coach, tmp_path):
    """Owners at every depth: 3 finish a plan (one 20 days ago), 2 stop at the segment, 1 only said hello."""
    clock = Clock(wib(2, 10))
    service = CoachService(coach, Storage(tmp_path / "coach.db"), clock=clock)
    for owner in (1, 2, 3):
        clock.now = wib(2, 10) if owner == 1 else wib(22, 9)
        for line in SCRIPT:
            handle(service, owner, owner, core_action(line))
    clock.now = wib(21, 9)
    for owner in (4, 5):
        for line in SCRIPT[:3]:
            handle(service, owner, owner, core_action(line))
    handle(service, 6, 6, Start())
    for owner, query in [(4, "cara jualan di tiktok"), (5, "cara jualan di tiktok"), (6, "ramalan zodiak minggu ini"),
                         (6, "pajak umkm bayarnya lewat mana")]:
        handle(service, owner, owner, Command("cari", query))
    handle(service, 2, 2, Press("f:retensi-pelanggan:1"))
    handle(service, 3, 3, Press("f:retensi-pelanggan:0"))
    handle(service, 2, 2, Press("r:3"))
    clock.now = wib(25, 10)
    service.send_due_checkins(CHANNEL)
    tactic = service.storage.load(2).plan[0]["id"]
    handle(service, 2, 2, Press(f"k:{tactic}:berhasil"))
    clock.now = wib(25, 12)
    return service, tactic


def test_statistics_on_a_seeded_database(seeded):
    service, tactic = seeded
    result = stats.compute(service.storage, service.coach.flow, now=wib(25, 12))
    assert result.owners == 6
    assert result.active == {1: 1, 7: 5, 30: 6}
    assert dict(result.funnel) == {"usaha": 6, "segmen": 5, "nilai": 3, "hubungan": 3, "motivasi": 3,
                                   "taktik": 3, "rencana": 3}
    assert result.plans_made == 3 and result.owners_with_plan == 3
    assert result.top_questions[0] == ("gmn biar pelanggan balik lagi?", 3)
    assert ("cara jualan di tiktok", 2) in result.top_questions
    assert result.missed_questions == [("ramalan zodiak minggu ini", 1)]
    assert result.off_topic == [("pajak", 1)]
    assert result.feedback == [("retensi-pelanggan", 1, 1)]
    assert result.checkins == [(tactic, {"berhasil": 1})] and result.checkins_sent == 1


def test_statistik_reply_and_funnel_picture(seeded):
    service, _ = seeded
    service.admin_ids = frozenset({1})
    replies = handle(service, 1, 1, Command("statistik"))
    text = "\n".join(m.text for m in replies if m.text)
    assert "Pemilik usaha: 6" in text and "ramalan zodiak minggu ini" in text and "1× pajak" in text
    assert "Segmen pelanggan: 5 (83%)" in text
    assert [m.file for m in replies if m.file] == ["statistik"]
    chart = service.file(1, "statistik")
    image = Image.open(io.BytesIO(chart.data))
    assert image.format == "PNG" and image.width == 1080 and len(image.getcolors(maxcolors=1 << 16) or ()) > 3


@pytest.mark.slow
def test_stats_command_line(seeded, tmp_path):
    service, _ = seeded
    env = dict(os.environ, COACH_DB=service.storage.path)
    run = subprocess.run([sys.executable, "-m", "bot", "stats", "--chart", str(tmp_path / "corong.png")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Pemilik usaha: 6" in run.stdout and "Rencana aksi jadi: 3 (50%)" in run.stdout
    assert Image.open(tmp_path / "corong.png").width == 1080
    as_json = subprocess.run([sys.executable, "-m", "bot", "stats", "--json"], env=env, capture_output=True,
                             text=True, timeout=60)
    data = json.loads(as_json.stdout)
    assert data["pemilik"] == 6 and data["corong"]["rencana"] == 3
