"""Advice fits the owner: walks typed as owners type show their own sector's stories and steps, their
customers' values change the advice, and relationship types follow what they said about their business."""
from __future__ import annotations

from bot.core.model import Start, Text
from bot.text.render import rich_text, to_plain

KATERING = {"nama": "Katering Bu Ani", "produk": "katering nasi kotak buat acara kantor",
            "segmen": "kelompok khusus", "nilai": "wajib halal, tepat waktu, harga bersahabat",
            "sarana_jumlah": "sekitar 30 pelanggan sebulan", "sarana_nilai": "500rb sekali pesan",
            "sarana_waktu": "ada 3 karyawan", "sarana_saluran": "dua2nya", "hubungan": "terserah",
            "motivasi": "pelanggan balik lagi"}
BENGKEL = {"nama": "Bengkel Jaya", "produk": "bengkel motor, ganti oli, servis ringan", "segmen": "semua orang",
           "nilai": "pengen cepet kelar dan murah", "sarana_jumlah": "sehari 20an motor", "sarana_nilai": "50rb",
           "sarana_waktu": "sendirian", "sarana_saluran": "offline", "hubungan": "terserah",
           "motivasi": "pelanggan balik lagi"}
LAUNDRY = {"nama": "Laundry Kilat", "produk": "laundry kiloan, saya kerjakan sendiri", "segmen": "semua orang",
           "nilai": "mahasiswa kos, maunya murah dan cepet", "sarana_jumlah": "banyak", "sarana_nilai": "20rb",
           "sarana_waktu": "sendirian", "sarana_saluran": "offline", "hubungan": "terserah",
           "motivasi": "pelanggan baru"}
KONVEKSI = {"nama": "Konveksi Maju", "produk": "konveksi seragam kantor dan sekolah, ada 20 penjahit",
            "segmen": "beberapa kelompok mirip", "nilai": "rapi dan tepat waktu", "sarana_jumlah": "sekitar 15 klien",
            "sarana_nilai": "jutaan", "sarana_waktu": "ada karyawan", "sarana_saluran": "dua2nya",
            "hubungan": "terserah", "motivasi": "pelanggan baru"}


def shown(reply) -> str:
    return to_plain(rich_text(reply.template, **reply.context))


def typed_walk(coach, typed: dict) -> tuple[object, dict[str, str]]:
    """The whole chat typed, never a button: each step's answer from `typed`, the first two tactics, done.
    Returns the last session and what was shown at each step (all replies of the turn joined)."""
    out = coach.handle(None, Start())
    seen: dict[str, str] = {}
    while True:
        s = out.session
        seen[s.step] = seen.get(s.step, "") + "\n".join(shown(r) for r in out.replies)
        if s.step == "selesai":
            return s, seen
        if s.step == "taktik":
            text = "selesai" if s.answers.get("pilihan") else "1 dan 2"
        else:
            text = typed[s.step]
        out = coach.handle(s, Text(text))
        assert out.session.step != s.step or s.step == "taktik", (s.step, text, [shown(r) for r in out.replies])


def test_plans_tell_only_the_owners_own_sector(coach):
    for typed, sector in ((KATERING, "kuliner"), (BENGKEL, "jasa-harian")):
        s, seen = typed_walk(coach, typed)
        assert s.answers["sektor"] == sector
        screens = seen["taktik"] + seen["selesai"]
        assert s.plan
        for entry in coach.kb.entries:
            for other, story in entry.examples.items():
                if other != sector:
                    assert story[:60] not in screens, (entry.id, other)
        for item in s.plan:
            entry = coach.kb.by_id[item["id"]]
            assert entry.examples[sector][:60] in seen["taktik"]        # their own story was shown
            assert entry.steps_for(sector)[0][:60] in seen["selesai"]   # and their steps are in the plan


def test_customers_values_change_the_advice(coach):
    thrifty = {**KATERING, "nilai": "pelanggan cari yang murah, hemat banget"}
    proud = {**KATERING, "nilai": "pelanggan pengen eksklusif dan mewah, gengsi"}
    _, a = typed_walk(coach, thrifty)
    _, b = typed_walk(coach, proud)
    assert a["taktik"] != b["taktik"]
    assert "cari yang hemat" in a["taktik"] and "tampil keren" in b["taktik"]


def test_solo_laundry_and_b2b_konveksi_get_different_relationships_for_reasons_they_gave(coach):
    laundry, seen_l = typed_walk(coach, LAUNDRY)
    konveksi, seen_k = typed_walk(coach, KONVEKSI)
    assert laundry.answers["hubungan"][0] != konveksi.answers["hubungan"][0]
    assert konveksi.answers["hubungan"][0] == "bantuan-pribadi-khusus"
    assert laundry.answers["hubungan"][0] not in ("bantuan-pribadi-khusus", "ko-kreasi")
    assert "kantor, sekolah" in seen_k["hubungan"]   # it said who buys: offices and schools
    assert "karyawan" not in seen_l["hubungan"]   # the laundry said it works alone: no reason may claim staff
    assert "datang" in seen_l["hubungan"]         # it chose offline: people come to it


def test_rekomendasi_json_gives_what_the_chat_would_and_honours_overrides(coach):
    import json
    import subprocess
    import sys

    from bot.core.consult import advise
    hijab = {"sells": "hijab segi empat dan pashmina", "segment": "ceruk", "count": "banyak", "spend": "kecil",
             "time": "cukup", "channel": "online", "values": "muslimah, pengen modis tapi murah",
             "motivation": "akuisisi"}
    overridden = {**hijab, "sector": "kerajinan", "value_tags": ["lingkungan"]}
    lines = [hijab, overridden, "not a profile"]
    done = subprocess.run([sys.executable, "-m", "bot", "rekomendasi", "--json"], capture_output=True, text=True,
                          timeout=60, input="".join(json.dumps(x) + "\n" for x in lines))
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(out) == 3
    assert out[0] == json.loads(json.dumps(advise(coach, hijab)))          # the chat's own function
    assert out[0]["sector"] == "fashion" and {"halal", "gengsi", "hemat"} <= set(out[0]["value_tags"])
    assert len({t["id"] for t in out[0]["tactics"][:3]}) == 3
    assert all(t["example_sector"] == "fashion" for t in out[0]["tactics"])
    assert out[1]["sector"] == "kerajinan" and out[1]["value_tags"] == ["lingkungan"]
    assert "error" in out[2]
