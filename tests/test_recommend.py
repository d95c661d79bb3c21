"""Recommendations follow the owner's profile the Business Model Canvas way, respect the customers' values,
and each carries reasons taken from what the owner said."""
from __future__ import annotations

import itertools

import pytest

from bot.advice.knowledge import OVERVIEW_IDS
from bot.advice.recommend import Profile, relationship_ranking, relationships, tactics

CERUK_BESAR = Profile("ceruk", "sedikit", "besar", "cukup", "offline")
WARUNG = Profile("massal", "banyak", "kecil", "terbatas", "offline", sektor="kuliner")
OLSHOP_SIBUK = Profile("massal", "banyak", "kecil", "terbatas", "online", sektor="fashion")
KOMUNITAS_HOBI = Profile("ceruk", "banyak", "kecil", "cukup", "online", nilai_tag=("gengsi",))
LAUNDRY_SENDIRI = Profile("massal", "banyak", "kecil", "terbatas", "offline", sektor="jasa-harian",
                          ciri=frozenset({"solo"}))
KONVEKSI_B2B = Profile("tersegmentasi", "sedikit", "besar", "cukup", None, sektor="fashion",
                       ciri=frozenset({"businesses", "staff"}))
SALON_RAMAI = Profile("massal", "banyak", "kecil", "cukup", "offline", sektor="kecantikan",
                      ciri=frozenset({"staff"}))


def with_first_relationship(kb, profile: Profile) -> Profile:
    return Profile(**{**profile.__dict__, "hubungan": (relationships(kb, profile)[0].entry.id,)})


@pytest.mark.parametrize("profile, first", [
    (CERUK_BESAR, "bantuan-pribadi-khusus"),
    (WARUNG, "swalayan"),
    (OLSHOP_SIBUK, "layanan-otomatis"),
    (KOMUNITAS_HOBI, "komunitas"),
    (KONVEKSI_B2B, "bantuan-pribadi-khusus"),
    (SALON_RAMAI, "bantuan-pribadi"),      # a walk-in service with staff: personal, whatever its volume
])
def test_relationship_types_for_profiles(kb, profile, first):
    recs = relationships(kb, profile)
    assert recs[0].entry.id == first
    assert 1 <= len(recs) <= 2
    assert all(r.entry.category == "hubungan" and r.entry.id not in OVERVIEW_IDS for r in recs)


def test_a_solo_owner_with_small_baskets_never_gets_costly_relationships_first(kb):
    costly = {"bantuan-pribadi-khusus", "ko-kreasi"}
    for segmen, jumlah, saluran, sektor in itertools.product(
            ("massal", "ceruk", "tersegmentasi", "terdiversifikasi", "multi-sisi"), ("sedikit", "banyak"),
            ("offline", "online", None), ("kuliner", "fashion", "jasa-harian", "jasa-profesional", "kerajinan")):
        for ciri in (frozenset({"solo"}), frozenset({"solo", "businesses"})):
            profile = Profile(segmen, jumlah, "kecil", "terbatas", saluran, sektor=sektor, ciri=ciri)
            assert relationships(kb, profile)[0].entry.id not in costly, profile


def test_solo_laundry_and_b2b_konveksi_get_different_relationships(kb):
    assert relationships(kb, LAUNDRY_SENDIRI)[0].entry.id != relationships(kb, KONVEKSI_B2B)[0].entry.id


def test_reasons_quote_only_what_the_owner_said(kb):
    rec = relationships(kb, CERUK_BESAR)[0]
    assert "pelanggan Anda tidak terlalu banyak" in rec.reasons
    assert "nilai belanja tiap pelanggan besar" in rec.reasons
    # Nothing said about self-service or staff: no reason may claim it.
    for r in relationship_ranking(kb, CERUK_BESAR):
        assert not any("mengambil sendiri" in x or "karyawan" in x for x in r.reasons)
    staffed = relationships(kb, SALON_RAMAI)[0]
    assert "Anda punya karyawan" in staffed.reasons


@pytest.mark.parametrize("profile, motivation, expected_in_top3", [
    (WARUNG, "retensi", "kartu-stempel"),
    (WARUNG, "akuisisi", "sampel-gratis"),
    (CERUK_BESAR, "retensi", "sentuhan-pribadi"),
    (KOMUNITAS_HOBI, "akuisisi", "media-sosial"),
    (OLSHOP_SIBUK, "akuisisi", "ulasan-marketplace"),
])
def test_tactics_for_profiles(kb, profile, motivation, expected_in_top3):
    ranked = tactics(kb, with_first_relationship(kb, profile), motivation)
    assert len(ranked) >= 3
    assert expected_in_top3 in [r.entry.id for r in ranked[:3]]
    assert all(r.entry.category == motivation and r.entry.id not in OVERVIEW_IDS for r in ranked)


def test_the_first_three_are_different_ideas(kb):
    for profile in (WARUNG, OLSHOP_SIBUK, CERUK_BESAR, SALON_RAMAI, KOMUNITAS_HOBI):
        top = tactics(kb, with_first_relationship(kb, profile), "retensi")[:3]
        ideas = [r.entry.idea for r in top if r.entry.idea]
        assert len(ideas) == len(set(ideas)), [r.entry.id for r in top]


def test_a_tactic_that_clashes_with_the_customers_values_leaves_the_top_three(kb):
    plain = with_first_relationship(kb, CERUK_BESAR)
    thrifty = Profile(**{**plain.__dict__, "nilai_tag": ("hemat",)})
    clashing = [e.id for e in kb.in_category("retensi") if "hemat" in e.values and e.values["hemat"].clashes]
    assert clashing
    before = [r.entry.id for r in tactics(kb, plain, "retensi")[:3]]
    assert set(before) & set(clashing)              # without the value, a clashing tactic is in the top three
    top = tactics(kb, thrifty, "retensi")[:3]
    for r in top:
        assert r.entry.id not in clashing or r.values[0].clashes   # only with its caution shown
    assert [r.entry.id for r in top] != before


def test_tactics_that_suit_everyone_compete(kb):
    seen = set()
    for profile in (WARUNG, OLSHOP_SIBUK, CERUK_BESAR, SALON_RAMAI, KOMUNITAS_HOBI, LAUNDRY_SENDIRI, KONVEKSI_B2B):
        for tags in ((), ("kualitas",), ("cepat",)):
            p = with_first_relationship(kb, Profile(**{**profile.__dict__, "nilai_tag": tags}))
            seen |= {r.entry.id for r in tactics(kb, p, "retensi")[:3]}
    assert {"jaga-kualitas", "tangani-keluhan"} <= seen


def test_examples_come_from_the_owners_sector(kb):
    for r in tactics(kb, with_first_relationship(kb, WARUNG), "retensi"):
        assert r.example_sector == "kuliner"
        assert r.entry.example_for("kuliner")[0] == "kuliner"


def test_online_only_tactics_sink_for_an_offline_warung(kb):
    ranked = [r.entry for r in tactics(kb, WARUNG, "akuisisi", limit=20)]
    online_only = [e for e in ranked if e.fits.get("saluran") == frozenset({"online"})]
    offline_ok = [e for e in ranked if "offline" in e.fits.get("saluran", frozenset({"offline"}))]
    assert online_only and offline_ok
    assert ranked.index(online_only[0]) > ranked.index(offline_ok[0])


def test_planned_tactics_are_not_offered_again(kb):
    first = tactics(kb, WARUNG, "retensi")[0].entry.id
    assert first not in [r.entry.id for r in tactics(kb, WARUNG, "retensi", exclude=frozenset({first}))]
