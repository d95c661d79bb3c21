"""Recommendations follow the owner's profile, and each carries a reason the owner can read."""
from __future__ import annotations

import pytest

from bot.advice.knowledge import OVERVIEW_IDS
from bot.advice.recommend import Profile, relationships, tactics

CERUK_BESAR = Profile("ceruk", "sedikit", "besar", "cukup", "offline")
WARUNG = Profile("massal", "banyak", "kecil", "terbatas", "offline")
OLSHOP_SIBUK = Profile("massal", "banyak", "kecil", "terbatas", "online")
KOMUNITAS_HOBI = Profile("tersegmentasi", "banyak", "kecil", "cukup", "online")


@pytest.mark.parametrize("profile, first, also", [
    (CERUK_BESAR, "bantuan-pribadi-khusus", "bantuan-pribadi"),
    (WARUNG, "swalayan", None),
    (OLSHOP_SIBUK, "swalayan", "layanan-otomatis"),
    (KOMUNITAS_HOBI, "komunitas", "ko-kreasi"),
    (Profile("multi-sisi", "banyak", "kecil", "terbatas", "online"), "layanan-otomatis", None),
])
def test_relationship_types_for_profiles(kb, profile, first, also):
    recs = relationships(kb, profile)
    assert recs[0].entry.id == first
    assert 1 <= len(recs) <= 2
    if also:
        assert recs[1].entry.id == also
    assert all(r.entry.category == "hubungan" and r.entry.id not in OVERVIEW_IDS for r in recs)


def test_reason_names_what_the_owner_said(kb):
    rec = relationships(kb, CERUK_BESAR)[0]
    assert "pelanggan Anda tidak terlalu banyak" in rec.reasons
    assert "nilai belanja tiap pelanggan besar" in rec.reasons


@pytest.mark.parametrize("profile, motivation, expected_in_top3, never", [
    (WARUNG, "retensi", "kartu-stempel", None),
    (WARUNG, "akuisisi", "sampel-gratis", None),
    (CERUK_BESAR, "retensi", "sentuhan-pribadi", None),
    (KOMUNITAS_HOBI, "akuisisi", "media-sosial", None),
    (OLSHOP_SIBUK, "akuisisi", "ulasan-marketplace", None),
])
def test_tactics_for_profiles(kb, profile, motivation, expected_in_top3, never):
    hubungan = tuple(r.entry.id for r in relationships(kb, profile))
    profile = Profile(**{**profile.__dict__, "hubungan": hubungan})
    ranked = tactics(kb, profile, motivation)
    assert len(ranked) >= 3
    assert expected_in_top3 in [r.entry.id for r in ranked[:3]]
    assert all(r.entry.category == motivation and r.entry.id not in OVERVIEW_IDS for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_online_only_tactics_sink_for_an_offline_warung(kb):
    ranked = [r.entry for r in tactics(kb, WARUNG, "akuisisi", limit=20)]
    online_only = [e for e in ranked if e.fits.get("saluran") == frozenset({"online"})]
    offline_ok = [e for e in ranked if "online" not in e.fits.get("saluran", frozenset({"offline"})) or
                  "offline" in e.fits.get("saluran", frozenset({"offline"}))]
    assert online_only and offline_ok
    assert ranked.index(online_only[0]) > ranked.index(offline_ok[0])


def test_planned_tactics_are_not_offered_again(kb):
    first = tactics(kb, WARUNG, "retensi")[0].entry.id
    assert first not in [r.entry.id for r in tactics(kb, WARUNG, "retensi", exclude=frozenset({first}))]
