"""Typed replies at each question, as owners write them: the intent and the value the coach reads."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# (step, what the owner typed, intent, value): phrasing from owners' chats, not the dev set's lines
CASES = [
    ("segmen", "ga tau deh", "answer", "belum-tahu"),          # at segmen, "don't know" picks the quiz
    ("kuis_jumlah", "ga tau deh", "help", None),
    ("segmen", "yang kedua aja", "answer", "ceruk"),
    ("segmen", "yg pertama", "answer", "massal"),
    ("segmen", "nomor 3", "answer", "tersegmentasi"),
    ("sarana_saluran", "yang terakhir", "answer", "keduanya"),
    ("segmen", "mundur", "back", None),
    ("motivasi", "balik", "back", None),
    ("nilai", "mundur dulu", "back", None),
    ("motivasi", "ulang dari awal", "restart", None),
    ("motivasi", "biar pelanggan balik lagi", "answer", "retensi"),   # the option wins over "back"
    ("motivasi", "biar pelanggan ga pindah ke toko lain", "answer", "retensi"),
    ("sarana_saluran", "online sama offline dua2nya", "answer", "keduanya"),
    ("sarana_saluran", "lewat WA dan datang langsung", "answer", "keduanya"),
    ("sarana_saluran", "di pasar, lapak sendiri", "answer", "offline"),
    ("hubungan", "terserah", "answer", "saran"),
    ("hubungan", "ikut saran aja", "answer", "saran"),
    ("hubungan", "kagak ngerti maksudnya", "help", None),
    # numbers: customers a month (split at 50), rupiah a purchase (split at 100 ribu)
    ("sarana_jumlah", "sekitar 30 orang sebulan", "answer", "sedikit"),
    ("kuis_jumlah", "30an orang", "answer", "sedikit"),
    ("sarana_jumlah", "paling 40 sebulan", "answer", "sedikit"),
    ("sarana_jumlah", "sehari aja 40an", "answer", "banyak"),
    ("sarana_jumlah", "seminggu 20an orang", "answer", "banyak"),
    ("sarana_nilai", "200rb", "answer", "besar"),
    ("sarana_nilai", "1,5jt", "answer", "besar"),
    ("sarana_nilai", "seratusan ribu", "answer", "besar"),
    ("sarana_nilai", "500 ribuan", "answer", "besar"),
    ("sarana_nilai", "sekali beli 25 ribu", "answer", "kecil"),
    # negation and hedges
    ("sarana_nilai", "ga gede sih", "answer", "kecil"),
    ("sarana_jumlah", "ga banyak sih", "answer", "sedikit"),
    ("kuis_jumlah", "kayaknya rame", "answer", "banyak"),
    ("sarana_waktu", "ada 2 karyawan", "answer", "cukup"),
    # sectors and values, regional words
    ("produk", "aye jualan nasi uduk ama gorengan", "answer", "kuliner"),
    ("produk", "servis ac sama kulkas", "answer", "jasa-harian"),
    ("produk", "bikin souvenir nikahan dari kayu", "answer", "kerajinan"),
    ("produk", "jual sayur hidroponik", "answer", "pertanian"),
    ("produk", "les privat matematika", "answer", "jasa-profesional"),
    ("nilai", "wong kene senengane sing murah lan cepet", "answer", ["hemat", "cepat"]),
    ("nilai", "kebanyakan ojol, butuh cepet", "answer", ["cepat"]),   # ojol drivers buy in person
    ("nilai", "pesen lewat ojol aja", "answer", ["online"]),
    ("segmen", "piye yo, bedane opo", "help", None),
    ("motivasi", "kumaha carana meh loba nu meuli?", "question", None),
    ("nilai", "lewati", "skip", None),
    ("segmen", "é", "unclear", None),
]


@pytest.mark.parametrize(("step", "text", "intent", "value"), CASES)
def test_a_typed_reply_is_read_as_the_owner_meant_it(coach, step, text, intent, value):
    read = coach.understand(step, text)
    assert (read.intent, read.value) == (intent, value)


def test_torn_between_two_options_offers_both(coach):
    read = coach.understand("sarana_nilai", "murah tapi mahal")
    assert read.intent in ("answer", "unclear")
    torn = coach.understand("kuis_kebutuhan", "sama atau beda jauh")
    assert torn.intent == "unclear" and set(torn.alternatives) == {"mirip", "sangat-beda"}


def test_understand_json_answers_line_for_line():
    lines = [{"step": "segmen", "text": "yg kedua"}, {"step": "tidak-ada", "text": "x"},
             {"step": "sarana_nilai", "text": "200rb"}]
    done = subprocess.run([sys.executable, "-m", "bot", "understand", "--json"], text=True, capture_output=True,
                          input="".join(json.dumps(line) + "\n" for line in lines), timeout=60)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(out) == 3
    assert out[0] == {"intent": "answer", "value": "ceruk"} and out[2]["value"] == "besar"
    assert out[1]["intent"] == "unclear" and "error" in out[1]


# The chat walked with typed words only, as an owner on a phone would: (typed, the step it leads to)
TYPED_WALK = [("Warung Bu Sri", "produk"), ("nasi pecel", "segmen"), ("ga tau deh", "kuis_jumlah"),
              ("sekitar 30 orang sebulan", "kuis_kebutuhan"), ("mundur", "kuis_jumlah"),
              ("30an orang", "kuis_kebutuhan"), ("hampir sama semua", "kuis_khusus"),
              ("siapa aja sih", "kuis_saling"), ("ga", "nilai"),
              ("murah dan halal, belinya pagi", "sarana_nilai"), ("ga gede sih", "sarana_waktu"),
              ("sendirian", "sarana_saluran"), ("online sama offline dua2nya", "hubungan"),
              ("terserah", "motivasi"), ("biar pelanggan ga pindah ke toko lain", "taktik"),
              ("1", "taktik"), ("selesai", "selesai")]


def test_the_whole_flow_typed_without_a_button(service):
    from bot.core.model import Start, Text
    from tests.collecting import handle

    handle(service, 5, 5, Start())
    for typed, step in TYPED_WALK:
        replies = handle(service, 5, 5, Text(typed))
        assert service.storage.load(5).step == step, (typed, [r.text[:80] for r in replies])
        assert not any("belum menangkap" in r.text for r in replies), typed
    answers = service.storage.load(5).answers
    assert (answers["kuis_jumlah"], answers["sarana_nilai"], answers["sarana_saluran"], answers["motivasi"]) == \
        ("sedikit", "kecil", "keduanya", "retensi")


def test_torn_between_two_options_the_coach_asks_back_with_both(service):
    from bot.core.model import Start, Text
    from tests.collecting import handle

    for line in ["/start", "Warung Bu Sri", "nasi pecel", "ga tau deh", "30an orang"]:
        handle(service, 6, 6, Start() if line == "/start" else Text(line))
    replies = handle(service, 6, 6, Text("sama atau beda jauh"))
    assert "atau" in replies[0].text and "Maaf" not in replies[0].text
    assert service.storage.load(6).step == "kuis_kebutuhan"
    # Only the two it was torn between are offered, besides back and help.
    offered = [data for row in replies[-1].buttons for _, data in row if data.startswith("a:")]
    assert sorted(offered) == ["a:kuis_kebutuhan:mirip", "a:kuis_kebutuhan:sangat-beda"]


def _typed(coach, *lines):
    from tests.flow_walk import walk
    from bot.core.model import Text
    s, _, _ = walk(coach, until="produk")
    out = None
    for line in lines:
        out = coach.handle(s, Text(line))
        s = out.session
    return out


def test_a_typed_answer_is_confirmed_on_top_of_the_next_question(coach):
    from bot.core.model import Press
    from bot.text.render import rich_text, to_plain
    out = _typed(coach, "nasi pecel", "ga tau deh", "paling 40 sebulan")
    shown = to_plain(rich_text(out.replies[-1].template, **out.replies[-1].context))
    assert len(out.replies) == 1 and shown.startswith("✅ Oke: Sedikit")   # one message, the guess on top
    assert out.session.answers["kuis_jumlah"] == "sedikit"
    back = [b.data for row in out.replies[-1].buttons for b in row if b.data == "c:kembali"]
    undone = coach.handle(out.session, Press(back[0]))
    assert undone.session.step == "kuis_jumlah"   # one tap undoes a wrong guess
    pressed = coach.handle(undone.session, Press("a:kuis_jumlah:sedikit")).replies[-1]
    assert pressed.context["heard"] is None   # a pressed button needs no confirming


def test_the_sector_is_stored_shown_once_and_corrected_with_a_button(coach):
    from bot.core.model import Press, Text
    from bot.text.render import rich_text, to_plain
    out = _typed(coach, "jahit seragam sekolah")
    assert out.session.answers["sektor"] == "fashion" and out.session.step == "segmen"
    ask = out.replies[-1]
    assert "Usaha Anda: 👗 Fashion" in to_plain(rich_text(ask.template, **ask.context))
    fix = [b.data for row in ask.buttons for b in row if b.data == "c:ubah_sektor"]
    assert fix, "a button corrects the sector"
    asked = coach.handle(out.session, Press(fix[0]))
    assert asked.session.step == "sektor"
    fixed = coach.handle(asked.session, Text("jasa profesional"))
    assert fixed.session.answers["sektor"] == "jasa-profesional" and fixed.session.step == "segmen"
    again = coach.handle(fixed.session, Text("kelompok khusus")).replies[-1]
    assert "Usaha Anda" not in to_plain(rich_text(again.template, **again.context))   # shown once


def test_what_customers_value_is_stored_as_tags_and_echoed(coach):
    from bot.text.render import rich_text, to_plain
    out = _typed(coach, "kue kering", "kelompok khusus", "ibu2 pengajian, wajib halal, cari yg murah")
    assert set(out.session.answers["nilai_tag"]) >= {"halal", "hemat"}
    shown = to_plain(rich_text(out.replies[-1].template, **out.replies[-1].context))
    assert shown.startswith("✅ Yang penting bagi pelanggan Anda:") and "halal" in shown
    skipped = _typed(coach, "kue kering", "kelompok khusus", "lewati")
    assert skipped.session.answers["nilai_tag"] == []


@pytest.mark.parametrize(("typed", "name"), [
    ("toko kue sy namanya Kue Bu Ani", "Kue Bu Ani"),
    ("Nama usaha saya: Warung Sri", "Warung Sri"),
    ("nama toko aku Toko Laris", "Toko Laris"),          # the name may start with the noun the lead-in used
    ("namanya Bengkel Jaya Motor, buka dari 2015", "Bengkel Jaya Motor"),
    ("nama brandnya adalah \"Hijab Nisa\"", "Hijab Nisa"),
    ("Warung Nama Baik", "Warung Nama Baik"),            # "nama" inside a name leads nothing
    ("namanya Toko Barokah", "Toko Barokah"),            # after "namanya" the noun is the name's
    ("jenengku Pak Darmo, tani sayur", "Pak Darmo"),     # Javanese
    ("nama : Toko Barokah", "Toko Barokah"),              # after a colon, all of it
    ("nama toko:Barokah", "Barokah"),
    ("namanya Toko Ani kak", "Toko Ani"),                 # courtesies after the name go
    ("Toko Barokah namanya kak", "Toko Barokah"),         # the name before a closing "namanya"
    ("namanya Toko Mas", "Toko Mas"),                     # "Mas" here is the name's own
    ("Bu Ani namanya, jualan kue", "Bu Ani"),
    ("Laundry Kilat", "Laundry Kilat"),
    ("Thrift by Rara kak wkwk", "Thrift by Rara"),       # a bare name loses its courtesies and laughter too
    ("Hijab Nadia.id wkwk", "Hijab Nadia.id"),
    ("Katering Bu Yuli, eh salah, Dapur Bu Yuli", "Dapur Bu Yuli"),   # corrected: the name after it
    ("Warung Eh Jeh", "Warung Eh Jeh"),
    ("Mas Bro", "Mas Bro"),
    ("nami usaha abdi teh Anyaman Ceu Iis", "Anyaman Ceu Iis"),   # Sundanese
])
def test_the_business_name_is_read_out_of_a_sentence(coach, typed, name):
    from tests.flow_walk import walk
    from bot.core.model import Text
    from bot.text.render import rich_text, to_plain
    s, _, _ = walk(coach, until="nama")
    out = coach.handle(s, Text(typed))
    assert out.session.step == "produk" and out.session.answers["nama"] == name
    greeting = to_plain(rich_text(out.replies[-1].template, **out.replies[-1].context))
    assert f"Salam kenal, {name}!" in greeting


@pytest.mark.parametrize("greeting", ["halo", "Halo kak", "assalamualaikum", "selamat pagi kak", "P", "punten",
                                      "halo admin", "Assalamualaikum warahmatullahi wabarakatuh", "sugeng enjang",
                                      "monggo", "mangga"])
def test_a_greeting_at_the_name_question_is_greeted_back_not_taken_for_the_name(coach, greeting):
    from tests.flow_walk import walk
    from bot.core.model import Text
    s, _, _ = walk(coach, until="nama")
    out = coach.handle(s, Text(greeting))
    assert out.session.step == "nama" and "nama" not in out.session.answers
    assert [r.template for r in out.replies] == ["greeted.j2", "ask/nama.j2"]
    named = coach.handle(out.session, Text("RM Pagi Sore"))   # greeting words inside a name are the name
    assert named.session.answers["nama"] == "RM Pagi Sore"


@pytest.mark.parametrize(("typed", "value"), [("per orang 50rb", "kecil"), ("200rb per orang", "besar"),
                                              ("1 orang 50rb", "kecil"), ("ratusan org sebulan", None),
                                              ("30 pelanggan", None)])
def test_a_count_of_people_is_no_price(coach, typed, value):
    # at "how much does one customer spend", "ratusan org" counts people: not read as "ratusan ribu"
    read = coach.understand("sarana_nilai", typed)
    assert (read.intent, read.value) == (("answer", value) if value else ("unclear", None))


NOT_SAME = ("unclear", None, ("agak-beda", "sangat-beda"))   # not the same, but how different? asked back


@pytest.mark.parametrize(("step", "typed", "read"), [
    ("kuis_kebutuhan", "ga sama sih", NOT_SAME),                  # once read as "hampir sama" ("sama")
    ("kuis_kebutuhan", "beda2, ojol mau cepet, anak sekolah mau murah", NOT_SAME),
    ("kuis_kebutuhan", "iya", ("answer", "mirip", ())),
    ("kuis_kebutuhan", "ga beda kok", ("answer", "mirip", ())),
    ("segmen", "bukan semua orang", ("unclear", None, ("ceruk", "tersegmentasi"))),   # once "semua orang"
    ("motivasi", "pelanggan jarang balik lagi", ("answer", "retensi", ())),   # the problem names the aim
    ("kuis_kebutuhan", "ga terlalu beda", ("unclear", None, ("mirip", "agak-beda"))),
    ("kuis_jumlah", "ga banyak", ("answer", "sedikit", ())),      # two options: the other one
    ("kuis_kebutuhan", "ada 2 montir", ("unclear", None, ())),    # a count, once read as button 2
    ("kuis_kebutuhan", "no 2 aja", ("answer", "agak-beda", ())),
    ("kuis_kebutuhan", "2 kayaknya", ("answer", "agak-beda", ())),
    ("kuis_kebutuhan", "1 atau 2", ("unclear", None, ("mirip", "agak-beda"))),
    ("sarana_nilai", "1 pelanggan 200rb", ("answer", "besar", ())),   # the amount with a unit counts
    ("sarana_nilai", "rata2 pembeli 150rb", ("answer", "besar", ())),  # "rata2" holds no amount
    ("sarana_jumlah", "kurang dari 50", ("answer", "sedikit", ())),
    ("sarana_jumlah", "ga sampe 50", ("answer", "sedikit", ())),
    ("sarana_nilai", "Rp250.000", ("answer", "besar", ())),          # "Rp" glued to the number
    ("sarana_nilai", "1.500.000", ("answer", "besar", ())),          # thousands
    ("sarana_nilai", "50-100rb", ("answer", "kecil", ())),           # a range: its low end
    ("sarana_nilai", "50rb - 150rb", ("answer", "kecil", ())),       # units on both ends
    ("sarana_saluran", "ga online, offline", ("answer", "offline", ())),
    ("motivasi", "kita ga butuh pelanggan baru", ("unclear", None, ())),   # the owner's wish, with "kita"
    ("sarana_nilai", "pesenan kantor sekali pesen 50 kotak, sejuta an", ("answer", "besar", ())),   # money in words
    ("sarana_nilai", "rongatus ewu", ("answer", "besar", ())),       # Javanese, written as one word
    # prices on both sides of the split: the owner says which is usual (the first one once decided)
    ("sarana_nilai", "sekotak 25rb, jd 1jt an lah", ("unclear", None, ("kecil", "besar"))),
    ("sarana_nilai", "beda2 ji, stiker 20rb, undangan bisa 3jt", ("unclear", None, ("kecil", "besar"))),
    ("sarana_jumlah", "30 orang, rata2 beli 25rb", ("answer", "sedikit", ())),   # a count: no money
    ("kuis_kebutuhan", "ga tau ya", ("help", None, ())),             # "don't know", not "not the same"
    ("kuis_kebutuhan", "semua pengen murah, ga ada yg beda", ("answer", "mirip", ())),
    ("sarana_saluran", "belum online", ("unclear", None, ())),        # a negated option is never the answer
    ("hubungan", "ga setuju", ("unclear", None, ())),
    ("segmen", "campur", ("unclear", None, ("tersegmentasi", "terdiversifikasi"))),
    ("sarana_saluran", "dtg ke salon", ("answer", "offline", ())),   # coming to the place, in own words
    # asked back "agak beda or sangat beda?", a word only one of them holds picks it
    ("kuis_kebutuhan", "agak", ("answer", "agak-beda", ())),
    ("kuis_kebutuhan", "yg sangat", ("answer", "sangat-beda", ())),
    ("segmen", "beberapa", ("unclear", None, ("tersegmentasi", "terdiversifikasi"))),   # a word of two labels
    # one option turned down, another named: the other ("teu online" once made it "Dua-duanya")
    ("sarana_saluran", "teu online, pada dateng langsung ka tempat", ("answer", "offline", ())),
    ("sarana_saluran", "lewat WA, ga ada toko", ("answer", "online", ())),
    ("motivasi", "bukan cari pelanggan baru, pengennya yg udah pernah beli balik lagi", ("answer", "retensi", ())),
    ("motivasi", "ga butuh pelanggan baru", ("unclear", None, ())),   # a wish turned down is no answer
    ("motivasi", "belum ada pelanggan baru", ("answer", "akuisisi", ())),   # a problem names the aim
    ("segmen", "ga semua, cuma ibu2", ("answer", "ceruk", ())),   # not everyone: only one group
    ("sarana_saluran", "teu online, dateng langsung", ("answer", "offline", ())),   # a comma ends the negation
    ("sarana_saluran", "online ga, offline iya", ("answer", "keduanya", ())),
    ("sarana_waktu", "ga sendiri, ada karyawan", ("answer", "cukup", ())),
    ("sarana_jumlah", "kurang tau, sedikit kyknya", ("answer", "sedikit", ())),
    ("sektor", "bukan kuliner, fashion", ("answer", "fashion", ())),
    ("produk", "jual kue, tapi bukan kue basah", ("answer", "kuliner", ())),   # kue stands once un-negated
    ("motivasi", "pelanggan ga mau balik lagi", ("answer", "retensi", ())),   # the customers', no wish refused
    ("motivasi", "ga butuh pelanggan baru, tapi yg lama ga mau balik lagi", ("answer", "retensi", ())),
    # a question about an option is no correction to it
    ("sarana_saluran", "maksudnya online gimana?", ("help", None, ())),
    ("kuis_jumlah", "salah kak", ("back", None, ())),
    ("kuis_jumlah", "salah pilih", ("back", None, ())),
    # the answer itself is the negation ("ndak, siapa aja" was read as "yes, a special group")
    ("kuis_khusus", "ndak, siapa aja", ("answer", "tidak", ())),
    ("kuis_khusus", "mboten, umum", ("answer", "tidak", ())),
    # vague or "don't know" replies name no option, whatever option word they hold ("ya", "tidak")
    ("kuis_khusus", "ya gitu deh", ("unclear", None, ())),
    ("sarana_waktu", "tergantung sih kak", ("unclear", None, ())),
    ("kuis_saling", "hmm gatau", ("help", None, ())),
    ("kuis_saling", "ya", ("answer", "ya", ())),
    # thinking aloud first, then the answer ("apa ya" once made it a question)
    ("sarana_saluran", "apa ya, kebanyakan dateng langsung", ("answer", "offline", ())),
    # a mistake owned is going back
    ("kuis_jumlah", "salah", ("back", None, ())),
    ("kuis_jumlah", "eh salah pencet", ("back", None, ())),
    ("produk", "kaos sablon, salah satu best seller", ("answer", "fashion", ())),
    # a correction is the answer; on the channel question both sides of a "tapi" are
    ("sarana_saluran", "eh maksudnya online aja kak", ("answer", "online", ())),
    ("sarana_saluran", "offline, eh online deng", ("answer", "online", ())),
    ("sarana_jumlah", "sebulan 40an, eh maksudnya seminggu 40an", ("answer", "banyak", ())),
    ("sarana_saluran", "order lewat WA sm IG, tp klien sekolah aku datengin langsung", ("answer", "keduanya", ())),
    ("sarana_saluran", "tiktok shop kak", ("answer", "online", ())),
    ("sarana_saluran", "di warung, kalih gofood", ("answer", "keduanya", ())),
    ("segmen", "maksudnya apa?", ("help", None, ())),
    # the aim in owners' words; both of two asks back which first
    ("motivasi", "pengen customer sekali co gk cuma 1 pcs kak", ("answer", "ekspansi", ())),
    ("motivasi", "followers udh 5rb tp yg co dikit, pengen followers jd pembeli", ("answer", "akuisisi", ())),
    ("motivasi", "sepi bgt kak", ("answer", "akuisisi", ())),
    ("motivasi", "dua2nya sih kak, nambah customer baru sm biar RO", ("unclear", None, ("akuisisi", "retensi"))),
    # a sector named only to deny it is no sector ("bukan kuliner" once picked kuliner); "not only" names it
    ("sektor", "bukan kuliner", ("unclear", None, ())),
    ("sektor", "ga jualan makanan", ("unclear", None, ())),
    ("produk", "bukan makanan, sy jual baju", ("answer", "fashion", ())),
    ("produk", "bukan cuma kue", ("answer", "kuliner", ())),
])
def test_negations_and_counts_are_never_read_as_the_option_they_name(coach, step, typed, read):
    got = coach.understand(step, typed)
    assert (got.intent, got.value, got.alternatives) == read


@pytest.mark.parametrize("alone", ["dewean", "sorangan wae", "sy sendirian"])
def test_working_alone_in_javanese_and_sundanese_is_limited_time(coach, alone):
    read = coach.understand("sarana_waktu", alone)
    assert (read.intent, read.value) == ("answer", "terbatas")


@pytest.mark.parametrize("none_yet", ["usaha saya belum ada namanya", "nama usaha belum ada"])
def test_no_name_yet_gets_the_name_questions_help_not_a_stored_name(coach, none_yet):
    from tests.flow_walk import walk
    from bot.core.model import Text
    s, _, _ = walk(coach, until="nama")
    out = coach.handle(s, Text(none_yet))
    assert out.session.step == "nama" and "nama" not in out.session.answers
    assert [r.template for r in out.replies] == ["help_step.j2", "ask/nama.j2"]
