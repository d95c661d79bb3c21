"""The quick lookup understands casual Indonesian and answers nothing rather than something wrong."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.advice.lookup import BACKSTORY_WEIGHT, TITLE_IDF, Lookup
from bot.text.normalise import Normaliser

HERE = Path(__file__).parent


def _cases(name):
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _score(lookup, cases):
    top1 = on = false_hits = off = 0
    for case in cases:
        hits = lookup.search(case["q"])
        if "expect_category" in case:
            good = bool(hits) and hits[0].category == case["expect_category"]
        elif case["expect"]:
            good = bool(hits) and hits[0].id in case["expect"]
        else:
            off += 1
            false_hits += bool(hits)
            continue
        on += 1
        top1 += good
    return top1 / on, false_hits, off


@pytest.fixture(scope="module")
def lookup(coach):
    return coach.lookup   # as the chat builds it: the reader's word table, the off-topic answers


def test_dev_set_top1_and_no_off_topic_hits(lookup):
    top1, false_hits, _ = _score(lookup, _cases("dev_queries.jsonl"))
    assert top1 >= 0.95
    assert false_hits == 0


def test_dev_set_expected_answer_always_in_top3(lookup):
    for case in _cases("dev_queries.jsonl"):
        hits = lookup.search(case["q"])[:3]
        if case.get("expect"):
            assert any(h.id in case["expect"] for h in hits), case["q"]
        elif "expect_category" in case:
            assert any(h.category == case["expect_category"] for h in hits), case["q"]


def test_owners_casual_phrasing_held_out_set(lookup):
    # Written the way owners type (slang, typos, stories); kept apart from tuning of the dev lines.
    top1, false_hits, off = _score(lookup, _cases("data/casual_queries.jsonl"))
    assert top1 >= 0.9
    assert false_hits <= off * 0.25


def test_owner_questions_held_out_set(lookup):
    # Written before tuning on any dev set, the way owners type on a phone (regional words, backstory,
    # many sectors); scored on the cards an owner is shown, as `umkm-coach cari --json` prints them.
    cases = _cases("data/owner_queries.jsonl")
    top3 = asked = false_hits = 0
    for case in cases:
        ids = [h.id for h in lookup.find(case["q"]).hits][:3]
        if case["expect"]:
            asked += 1
            top3 += any(i in case["expect"] for i in ids)
        else:
            false_hits += bool(ids)
    assert top3 / asked >= 0.94   # reached 0.975 (78/80)
    assert false_hits <= 1


def test_owner_questions_second_held_out_set(lookup):
    # Written before the issue-11 tuning, never edited after: eight sectors (warung, kue, laundry, bengkel,
    # salon, konveksi, olshop, sayur), backstory, Javanese and Sundanese, ten off-topic lines.
    cases = _cases("data/owner_queries2.jsonl")
    top1 = top3 = asked = false_hits = 0
    for case in cases:
        ids = [h.id for h in lookup.find(case["q"]).hits][:3]
        if case["expect"]:
            asked += 1
            top1 += bool(ids) and ids[0] in case["expect"]
            top3 += any(i in case["expect"] for i in ids)
        else:
            false_hits += bool(ids)
    assert top1 / asked >= 0.74   # reached 0.765 (52/68); 0.750 after round 1, 0.588 before issue 11
    assert top3 / asked >= 0.88   # reached 0.912
    assert false_hits <= 1        # of 10


@pytest.mark.parametrize("query, expected", [
    ("gmn biar pelanggan balik lagi?", "retensi"),
    ("GIMANA BIAR PELANGGAN BALIK LAGIIIII???", "retensi"),
    ("promsi di tiktok", "akuisisi"),
    ("emial marketing", "akuisisi"),
    ("cara dapetin pembeli baru", "akuisisi"),
    ("cross selling", "ekspansi"),
])
def test_casual_writing_reaches_the_right_category(lookup, query, expected):
    hits = lookup.search(query)
    assert hits and hits[0].category == expected


@pytest.mark.parametrize("query", ["", "   ", "zzzz", "😂😂😂", "cara main gitar", "ramalan cuaca besok",
                                   "halo", "\x00\x00", "a" * 5000])
def test_off_topic_and_empty_queries_get_nothing(lookup, query):
    assert lookup.search(query) == []


@pytest.mark.parametrize("query", ["gimana caranya biar toko rame?", "piye carane ben warung rame?"])
def test_wanting_the_shop_busy_is_wanting_new_customers(lookup, query):
    # "biar toko rame" once found "Pantau media sosial"
    hits = lookup.search(query)
    assert hits and hits[0].id == "akuisisi-pelanggan", [h.id for h in hits]


def test_typo_tolerance_finds_the_same_card(lookup):
    assert lookup.search("instagarm")[0].id == lookup.search("instagram")[0].id
    assert lookup.search("pelangan setia")[0].id == lookup.search("pelanggan setia")[0].id


def test_real_words_are_not_taken_for_typos(lookup):
    # "ramalan" (forecast) is one letter from "ramadan"; it must stay itself.
    terms = lookup.query_terms("ramalan")[0]
    assert "ramadan" not in terms


def test_a_tactic_already_tried_is_not_the_answer(lookup):
    # Listed as done before a "but still", the tactic is what failed; a span of time is not a tactic.
    assert lookup.query_terms("diskon udh, gratis ongkir udh, tp tetep ga balik")[2] >= {"diskon", "ongkos"}
    assert lookup.find("diskon udh, gratis ongkir udh, tp tetep ga balik").hits[0].id != "manfaat-ekstra"
    assert not lookup.query_terms("udh 3 thn jualan, tp masih sepi")[2]
    assert not lookup.query_terms("diskon udh jalan 2 minggu")[2]   # no "but": nothing reported as failed


def test_question_words_and_short_messages(lookup):
    # "Enaknya" asks: "enak" (tasty) is not the topic. A ten-word message has no backstory.
    assert "enak" not in lookup.query_terms("enaknya promosi lewat apa?")[0]
    assert {w for _, w, _ in lookup._clauses("mau naik kelas, target yg suka pamer")} == {1.0}
    assert BACKSTORY_WEIGHT in {w for _, w, _ in lookup._clauses(
        "sy jualan kue udh 3 thn di komplek, skrg sepi bgt. gmn biar rame lg?")}
    # A word in nearly half the cards ("lewat") earns no title bonus: no card is about it.
    assert all(lookup._idf[t] >= TITLE_IDF for t in lookup._titled)


def test_normalisation(kb):
    n = Normaliser(dict(kb.lexicon.replacements), kb.lexicon.stopwords)
    assert n.words("Bangetttt!!! pela\u200bnggan2") == ["banget", "pelanggan"]
    assert n.words("Café") == ["cafe"]
    assert n.expand(["gmn", "repeat", "order"]) == ["bagaimana", "beli", "ulang"]
    terms = n.terms("yg penting pelanggan dapetin diskon")
    assert "yang" not in terms and "pelanggan" in terms


def test_the_stemmer_knows_only_our_own_words():
    # PySastrawi's bundled root list is CC-BY-NC-SA (README, Licences): the roots are the words of our texts.
    assert Normaliser({}, frozenset(), vocabulary=["rumah"]).stem("perumahan") == "rumah"
    assert Normaliser({}, frozenset(), vocabulary=["kantor"]).stem("perumahan") == "perumahan"


def test_threshold_answers_nothing_below_it(kb):
    strict = Lookup(kb.entries, kb.lexicon, min_score=1000.0)
    assert strict.search("cross selling") == []
    assert Lookup(kb.entries, kb.lexicon).search("cross selling")[0].id == "cross-selling"


def test_hits_are_ranked_best_first_with_scores(lookup):
    hits = lookup.search("diskon dan hadiah untuk pelanggan lama")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert set(hits[0].as_json()) >= {"id", "category", "title", "score"}
