"""Quick questions in owners' own words: the right card, a choice of cards when unsure, an honest off-topic answer."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.advice.lookup import Lookup
from bot.core.engine import Coach
from bot.core.model import Command, Press, Text
from tests.flow_walk import walk


def _found(coach, query):
    return coach.lookup.find(query)


def test_subscription_is_kept_apart_from_customers(coach):
    # "langganan" and "pelanggan" share a stem; a weekly vegetable subscription is not about customers in general.
    assert _found(coach, "mau bikin paket langganan sayur mingguan buat pelanggan").hits[0].id == "paket-langganan"
    assert _found(coach, "sistem langganan bulanan katering gmn ya").hits[0].id == "paket-langganan"
    regulars = _found(coach, "gimana biar langganan lama ga pindah ke warung lain")
    assert regulars.hits and regulars.hits[0].id != "paket-langganan"


def test_a_lone_letter_is_not_a_question(coach):
    for text in ("é", "e", "?", "x" * 50):
        assert not _found(coach, text).hits


def test_the_asking_clause_outweighs_the_backstory(coach):
    # The backstory is about a shop on a marketplace; the question is how to ask customers what they want.
    found = _found(coach, "sy jualan sepatu di shopee udh 3 thn, rame di awal. "
                          "gimana cara nanya ke pembeli sebenernya mereka maunya apa?")
    assert found.hits[0].id in {"survei-pelanggan", "kenali-nilai-pelanggan"}


def test_off_topic_questions_get_an_honest_answer_and_no_card(coach):
    for question, topic in [("npwp buat usaha kecil wajib ga sih", "pajak"),
                            ("cara daftar NIB lewat oss gimana", "izin"),
                            ("ngajuin kur di bank syaratnya apa", "pinjaman"),
                            ("gaji karyawan warung harus umr ga?", "karyawan"),
                            # pricing has no card: an honest pointer, not "Paket langganan" or "Kolaborasi"
                            ("kumaha ngitung harga jual sayur nu bener", "harga"),
                            ("cara menentukan harga jual", "harga"),
                            ("boleh gk sih jual thrift impor, takut ilegal", "hukum")]:
        found = _found(coach, question)
        assert found.topic is not None and found.topic.id == topic, question
        assert not found.hits


def test_a_question_about_customers_is_not_off_topic_for_one_word(coach):
    # "halal" here is what the customers value, not the certificate procedure.
    found = _found(coach, "gimana promosi ke pembeli kalau produk sy udh sertifikat halal")
    assert found.topic is None and found.hits


def test_off_topic_in_the_chat_is_answered_then_the_question_comes_back(coach):
    s, _, _ = walk(coach, until="segmen")
    out = coach.handle(s, Text("pajak umkm yg 0,5% bayarnya lewat mana?"))
    text = "\n".join(r.template for r in out.replies)
    assert "off_topic.j2" in text and "card.j2" not in text
    assert out.session.step == "segmen" and out.replies[-1].template == "ask/segmen.j2"
    assert out.events[-1].topic == "pajak" and out.events[-1].best is None


def test_unsure_the_coach_offers_cards_as_buttons_and_a_tap_shows_one(kb):
    # A lookup that is never sure (coverage can't reach 101%) puts every question in the "offer" band.
    unsure = Coach(kb, lookup=Lookup(kb.entries, kb.lexicon, kb.off_topics, min_coverage=1.01))
    s, _, _ = walk(unsure)
    out = unsure.handle(s, Command("cari", "gimana biar pembeli balik lagi"))
    offer = next(r for r in out.replies if r.template == "offered_cards.j2")
    taps = [b.data for row in offer.buttons for b in row]
    assert 1 <= len(taps) <= 3 and taps[0] == "d:retensi-pelanggan"
    assert out.events[-1].best is None   # a guess counts as "not found" in the stats
    shown = unsure.handle(out.session, Press(taps[0])).replies
    assert [r.context["entry"].id for r in shown if r.template == "card.j2"] == ["retensi-pelanggan"]
    # Guesses are for questions about the business only.
    other = unsure.handle(s, Command("cari", "obat sakit kepala yg ampuh")).replies
    assert "search_empty.j2" in [r.template for r in other] and "offered_cards.j2" not in [r.template for r in other]


def test_cari_json_marks_offered_cards_and_prints_nothing_for_off_topic():
    run = subprocess.run([sys.executable, "-m", "bot", "cari", "--json"], capture_output=True, text=True,
                         input="biar pembeli balik lagi\npajak umkm bayarnya gmn\n", timeout=60)
    sure, off_topic = (json.loads(line) for line in run.stdout.splitlines())
    assert sure[0]["sure"] is True and sure[0]["category"] == "retensi"
    assert off_topic == []


def test_javanese_sundanese_and_betawi_questions_find_their_card(coach):
    # "kumaha" once stemmed to "maha"; the reader's word table is now the lookup's first stage.
    for question, card in [("piye carane ben pembeli ora pindah neng toko liyane", "retensi-pelanggan"),
                           ("kumaha carana supaya pembeli teu kabur ka toko sabeulah", "retensi-pelanggan"),
                           ("aye pengen bikin grup wa buat pelanggan, perlu kagak?", "komunitas"),
                           ("kulo kedah promosi wonten ig nopo mboten?", "media-sosial")]:
        found = _found(coach, question)
        assert found.hits and found.hits[0].id == card, (question, [h.id for h in found.hits])
