"""The state machine: each step's answers, free text, help, navigation and interruptions."""
from __future__ import annotations

import pytest

from bot.core.model import Command, LookedUp, Planned, Press, Session, Start, Text
from bot.text.render import rich_text
from tests.flow_walk import walk


def text(t):
    return Text(t)


def button(data):
    return Press(data)


def command(name, args=""):
    return Command(name, args)


# What the toko kue owner answers at each step of the main path; the route there comes from the flow.
ANSWERS = {"nama": "Toko Kue Melati", "produk": "kue ulang tahun", "segmen": "ceruk",
           "nilai": "ibu-ibu pengajian, wajib halal", "sarana_jumlah": "sedikit", "sarana_nilai": "besar",
           "sarana_waktu": "cukup", "sarana_saluran": "offline", "hubungan": "saran", "motivasi": "retensi"}


class To:
    """From /start to a step, as the flow leads, with ANSWERS where the owner chooses."""

    def __init__(self, step):
        self.step = step

    def actions(self, coach):
        return walk(coach, until=self.step, answers=ANSWERS)[2]


def drive(coach, actions, session=None):
    outcome = None
    for item in actions:
        for action in (item.actions(coach) if isinstance(item, To) else [item]):
            outcome = coach.handle(session, action)
            session = outcome.session
    return session, outcome


TO_SEGMENT = [To("segmen")]
TO_VALUES = [To("nilai")]
TO_RELATIONSHIP = [To("hubungan")]
TO_TACTICS = [To("taktik")]


@pytest.mark.parametrize("actions, step, answers", [
    ([Start()], "nama", {}),
    ([To("produk")], "produk", {"nama": "Toko Kue Melati"}),
    (TO_SEGMENT, "segmen", {"produk": "kue ulang tahun"}),
    (TO_VALUES, "nilai", {"segmen": "ceruk"}),
    (TO_SEGMENT + [text("kelompok khusus")], "nilai", {"segmen": "ceruk"}),
    (TO_SEGMENT + [text("2")], "nilai", {"segmen": "ceruk"}),
    (TO_SEGMENT + [text("pasar masal")], "nilai", {"segmen": "massal"}),          # typo
    (TO_SEGMENT + [text("gatau")], "kuis_jumlah", {}),                             # help, not an error
    (TO_SEGMENT + [text("gatau"), text("banyak"), text("sama"), text("siapa saja"), text("tidak")], "nilai",
     {"segmen": "massal", "kuis_jumlah": "banyak"}),
    (TO_SEGMENT + [text("gatau"), text("sedikit"), text("sangat beda"), text("tidak")], "nilai",
     {"segmen": "terdiversifikasi"}),
    (TO_SEGMENT + [text("gatau"), text("banyak"), text("sama"), text("khusus"), text("ya")], "nilai",
     {"segmen": "multi-sisi"}),
    (TO_VALUES + [text("ibu-ibu, halal")], "sarana_jumlah", {"nilai": "ibu-ibu, halal"}),
    (TO_VALUES + [text("lewati")], "sarana_jumlah", {"nilai": ""}),
    (TO_RELATIONSHIP, "hubungan", {"sarana_saluran": "offline"}),
    (TO_RELATIONSHIP + [text("komunitas")], "motivasi", {"hubungan": ["komunitas"]}),
    (TO_TACTICS, "taktik", {"motivasi": "retensi", "pilihan": []}),
])
def test_steps_and_answers(coach, actions, step, answers):
    session, _ = drive(coach, actions)
    assert session.step == step
    for key, value in answers.items():
        assert session.answers[key] == value


def test_every_question_shows_progress_and_buttons(coach):
    session, outcome = drive(coach, TO_SEGMENT)
    ask = outcome.replies[-1]
    assert ask.template == "ask/segmen.j2"
    assert ask.context["progress"] == {"number": 2, "total": 6, "name": "Segmen pelanggan"}
    data = [b.data for row in ask.buttons for b in row]
    assert "a:segmen:ceruk" in data and "c:kembali" in data


def test_back_keeps_answers_and_shows_the_previous_one(coach):
    session, _ = drive(coach, TO_VALUES)
    session, outcome = drive(coach, [command("kembali")], session)
    assert session.step == "segmen"
    assert session.answers["segmen"] == "ceruk"
    assert outcome.replies[-1].context["previous"] == "ceruk"


def test_restart_needs_confirmation_and_keeps_the_plan(coach):
    session, _ = drive(coach, TO_TACTICS + [text("1"), text("selesai")])
    assert session.plan
    session, outcome = drive(coach, [command("ulang")], session)
    assert session.step == "selesai" and session.confirm == "ulang"
    session, _ = drive(coach, [text("tidak")], session)
    assert session.step == "selesai" and session.answers["nama"] == "Toko Kue Melati"
    session, _ = drive(coach, [command("restart"), button("c:ulang_ya")], session)
    assert session.step == "nama" and session.answers == {} and session.plan


@pytest.mark.parametrize(("typed", "then"), [("muhun", "restarted"), ("iya ulang aja", "restarted"), ("ok", "restarted"),
                                            ("teu, ulah", "kept"), ("ga jadi deh", "kept"), ("nanti aja", "kept"),
                                            # yes and no in one reply: asked again, nothing restarted
                                            ("ya ga jadi deh", "asked"), ("ok jangan", "asked"),
                                            ("iya gapapa", "asked")])
def test_a_confirmation_is_answered_in_owners_words(coach, typed, then):
    session, _ = drive(coach, TO_TACTICS + [text("1"), text("selesai"), command("ulang")])
    session, outcome = drive(coach, [text(typed)], session)
    assert (session.step == "nama") == (then == "restarted") and bool(session.plan)
    assert outcome.replies[0].template == {"restarted": "restarted.j2", "kept": "restart_kept.j2",
                                           "asked": "restart_confirm.j2"}[then]
    assert (session.confirm == "ulang") == (then == "asked")


def test_pause_and_resume_where_left(coach):
    session, _ = drive(coach, TO_VALUES + [command("batal")])
    assert session.paused
    session, outcome = drive(coach, [Start()], session)
    assert not session.paused and session.step == "nilai"
    assert outcome.replies[0].template == "welcome_back.j2"


def test_a_question_mid_step_gets_a_card_then_the_step_again(coach):
    session, outcome = drive(coach, TO_SEGMENT + [text("gmn biar pelanggan balik lagi?")])
    assert session.step == "segmen"
    assert [r.template for r in outcome.replies] == ["card.j2", "ask/segmen.j2"]
    assert isinstance(outcome.events[-1], LookedUp) and outcome.events[-1].best


@pytest.mark.parametrize("muddled", ["banyak bgt", "tergantung sih kak", "murah, enak, porsi akeh. halal",
                                     "mboten, kulo layani piyambak, kenal kabeh"])
def test_words_that_ask_nothing_get_no_card_mid_step_unless_they_name_it(coach, muddled):
    # a muddled answer at the quiz's question about needs: the lookup is sure of some card in the words
    # (once shown: "Pasar terdiversifikasi" for "tergantung", the Swalayan card the owner just turned
    # down), which would only stand between the owner and the question
    assert coach.lookup.find(muddled).sure
    to_needs = TO_SEGMENT + [text("ga tau deh"), text("banyak")]
    session, outcome = drive(coach, to_needs + [text(muddled)])
    assert session.step == "kuis_kebutuhan"
    assert [r.template for r in outcome.replies] == ["not_understood.j2", "ask/kuis_kebutuhan.j2"]


@pytest.mark.parametrize(("named", "tactic"), [("kartu stempel", "kartu-stempel"), ("referral", "program-referral")])
def test_words_naming_a_card_mid_step_get_it_then_the_step_again(coach, named, tactic):
    to_needs = TO_SEGMENT + [text("ga tau deh"), text("banyak")]
    session, outcome = drive(coach, to_needs + [text(named)])
    assert [r.template for r in outcome.replies] == ["card.j2", "ask/kuis_kebutuhan.j2"]
    assert outcome.replies[0].context["entry"].id == tactic and session.step == "kuis_kebutuhan"


# the last ones also match a card ("deket sini", "sekitar rumah") or ask ("gimana"): who buys comes first here
@pytest.mark.parametrize("who", ["ibu2 arisan komplek", "pegawai pabrik deket sini", "tetangga sekitar rumah",
                                 "orang kantor gimana"])
def test_customers_described_in_words_at_the_segment_question_start_the_quiz_from_them(coach, who):
    session, outcome = drive(coach, TO_SEGMENT + [text(who)])
    assert session.step == "kuis_jumlah"
    (reply,) = outcome.replies
    assert reply.template == "ask/kuis_jumlah.j2" and reply.context["heard"].customers == who
    session, outcome = drive(coach, [command("kembali")], session)
    assert session.step == "segmen"   # one step back, to the kinds of market


# none names people: not who buys ("lanjut" and "iya" once started the quiz as "Pembeli Anda: iya")
@pytest.mark.parametrize("noise", ["hmm oke", "oke siap", "hehe", "lanjut", "iya", "saya jual kue", "mahal"])
def test_words_naming_no_people_at_the_segment_question_are_not_taken_for_customers(coach, noise):
    session, outcome = drive(coach, TO_SEGMENT + [text(noise)])
    assert session.step == "segmen"   # not understood, or a card that fits the words: never the quiz
    assert outcome.replies[-1].template == "ask/segmen.j2" and not outcome.replies[-1].context["heard"]


def test_a_question_asked_with_its_question_word_last_still_gets_its_card(coach):
    session, outcome = drive(coach, TO_SEGMENT + [text("kalau mau laku gimana")])
    assert session.step == "segmen"
    assert [r.template for r in outcome.replies] == ["card.j2", "ask/segmen.j2"]


@pytest.mark.parametrize("step", ["segmen", "sarana_waktu", "selesai"])
def test_a_greeting_anywhere_is_greeted_back_and_the_question_asked_again(coach, step):
    # an owner coming back after a week often opens with "halo kak": never "Maaf, belum menangkap"
    session, outcome = drive(coach, [To(step), text("halo kak")])
    assert session.step == step
    assert outcome.replies[0].template == "greeted.j2" and len(outcome.replies) == 2
    assert not any(isinstance(e, LookedUp) for e in outcome.events)   # no search for "halo kak"


@pytest.mark.parametrize(("typed", "said"), [("makasih kak 🙏", "Sama-sama"), ("matur nuwun nggih", "Sama-sama"),
                                            ("assalamualaikum kak", "Wa'alaikumsalam"), ("halo", "Halo juga")])
def test_thanks_and_salam_get_their_own_answer_anywhere(coach, typed, said):
    # after the plan "makasih kak" once got "belum punya tips yang pas"
    for step in ("selesai", "segmen"):
        session, outcome = drive(coach, [To(step), text(typed)])
        shown = rich_text(outcome.replies[0].template, **outcome.replies[0].context)
        assert said in shown and session.step == step and len(outcome.replies) == 2


def test_after_the_plan_asking_for_more_tactics_in_words_starts_another_round(coach):
    session, outcome = drive(coach, [To("selesai"), text("mau nambah taktik dong")])
    assert session.step == "motivasi"


def test_cari_command_answers_and_repeats_the_step(coach):
    session, outcome = drive(coach, TO_VALUES + [command("cari", "promosi di tiktok")])
    assert session.step == "nilai"
    assert outcome.replies[0].context["entry"].category == "akuisisi"


def test_nonsense_gets_a_clear_answer_and_the_step_again(coach):
    session, outcome = drive(coach, TO_SEGMENT + [text("qwerty asdf")])
    assert session.step == "segmen"
    assert [r.template for r in outcome.replies] == ["not_understood.j2", "ask/segmen.j2"]


@pytest.mark.parametrize("raw", ["😀😀", "   ", "\x00\x00", "\u200b"])
def test_text_without_words_is_answered_not_stored(coach, raw):
    session, outcome = drive(coach, [Start(), text(raw)])
    assert session.step == "nama" and "nama" not in session.answers
    assert outcome.replies[0].template == "no_words.j2"


def test_too_long_name_is_refused_but_long_values_are_kept_clipped(coach):
    session, outcome = drive(coach, [Start(), text("x" * 200)])
    assert session.step == "nama" and outcome.replies[0].template == "too_long.j2"
    session, _ = drive(coach, TO_VALUES + [text("halal " * 400)])
    assert session.step == "sarana_jumlah" and len(session.answers["nilai"]) == 1000


def test_stale_button_says_so_and_shows_current_step(coach):
    session, outcome = drive(coach, TO_VALUES + [button("a:segmen:massal")])
    assert session.answers["segmen"] == "ceruk" and session.step == "nilai"
    assert [r.template for r in outcome.replies] == ["stale_button.j2", "ask/nilai.j2"]


@pytest.mark.parametrize("data", ["", "x", "a:nope:1", "a:segmen", "c:rm -rf", "a:taktik:../../etc"])
def test_forged_button_data_changes_nothing(coach, data):
    before, _ = drive(coach, TO_SEGMENT)
    after, outcome = drive(coach, [button(data)], before)
    assert after.step == before.step and after.answers == before.answers
    assert outcome.replies[-1].template == "ask/segmen.j2"


def test_tactics_pick_toggle_and_plan(coach):
    session, outcome = drive(coach, TO_TACTICS)
    cards = outcome.replies[-1].context["tactics"]
    assert len(cards) >= 3
    first, second = cards[0].entry.id, cards[1].entry.id
    session, outcome = drive(coach, [button(f"a:taktik:{first}"), button(f"a:taktik:{second}"),
                                     button(f"a:taktik:{second}")], session)
    assert session.answers["pilihan"] == [first]
    assert outcome.replies[-1].replace
    session, outcome = drive(coach, [button("a:taktik:selesai")], session)
    assert session.step == "selesai"
    assert [item["id"] for item in session.plan] == [first]
    assert outcome.events[-1] == Planned([first], "retensi")


def test_done_without_a_pick_asks_for_one(coach):
    session, outcome = drive(coach, TO_TACTICS + [text("selesai")])
    assert session.step == "taktik" and outcome.replies[0].template == "pick_one.j2"


def test_the_plan_grows_with_another_motivation(coach):
    session, _ = drive(coach, TO_TACTICS + [text("1 dan 2"), text("selesai")])
    assert len(session.plan) == 2
    session, outcome = drive(coach, [button("a:selesai:lagi")], session)
    assert session.step == "motivasi"
    offered = [b.data for row in outcome.replies[-1].buttons for b in row]
    assert "a:motivasi:retensi" not in offered   # the motivation already planned is not offered again
    session, _ = drive(coach, [button("a:motivasi:akuisisi"), text("1"), text("selesai")], session)
    assert len(session.plan) == 3
    assert {item["motivasi"] for item in session.plan} == {"retensi", "akuisisi"}


def test_session_survives_a_round_trip_through_json(coach):
    session, _ = drive(coach, TO_TACTICS)
    assert Session.from_dict(session.to_dict()) == session
    assert coach.handle(Session.from_dict({"step": "nonsense"}), Start()).session.step == "nama"


def test_handle_does_not_modify_the_given_session(coach):
    session, _ = drive(coach, TO_SEGMENT)
    snapshot = session.to_dict()
    coach.handle(session, button("a:segmen:ceruk"))
    assert session.to_dict() == snapshot


@pytest.mark.parametrize("typed", ["fokus lain", "lagi", "➕ Fokus lain"])
def test_typing_for_another_round_after_the_plan(coach, typed):
    session, _ = drive(coach, TO_TACTICS + [text("1"), text("selesai"), text(typed)])
    assert session.step == "motivasi"


@pytest.mark.parametrize("typed, template", [("hapus data", "delete_confirm.j2"), ("Rencana saya", "plan.j2"),
                                             ("profil", "profile.j2"), ("data saya", "my_data.j2"),
                                             ("bantuan", "commands.j2"),
                                             # no check-in set: stopping mid-way is a pause, not "no reminders"
                                             ("berhenti", "paused.j2"), ("udahan dulu ya", "paused.j2"),
                                             ("liat rencana", "plan.j2"), ("mau lihat profil", "profile.j2"),
                                             # a command of several words is meant whole: not "semua" (massal)
                                             ("hapus semua data", "delete_confirm.j2")])
def test_commands_typed_as_plain_words_work_at_any_step(coach, typed, template):
    """Owners on WhatsApp have no command menu: a message that is just a command word runs the command."""
    session, outcome = drive(coach, TO_SEGMENT + [text(typed)])
    assert outcome.replies[0].template == template
    assert session.step == "segmen"


def test_a_step_that_takes_the_word_as_its_answer_wins_over_the_command(coach):
    """"rencana" at the tactic pick means "make the plan", not "show my (empty) plan"."""
    session, outcome = drive(coach, TO_TACTICS + [text("1"), text("rencana")])
    assert session.step == "selesai" and session.plan



def test_a_new_owners_first_words_are_a_greeting_not_their_business_name(coach):
    """On WhatsApp nobody presses Start: "halo" is welcomed and the first question asked, nothing stored."""
    outcome = coach.handle(None, text("halo kak"))
    assert [r.template for r in outcome.replies] == ["welcome.j2", "ask/nama.j2"]
    assert outcome.session.step == "nama" and not outcome.session.answers


def test_a_new_owner_who_opens_with_a_question_gets_its_card_then_the_first_question(coach):
    outcome = coach.handle(None, text("gimana caranya biar pelanggan balik lagi?"))
    templates = [r.template for r in outcome.replies]
    assert templates[0] == "welcome.j2" and templates[-1] == "ask/nama.j2" and "card.j2" in templates


@pytest.mark.parametrize(("typed", "picked"), [("1 dan 3", [0, 2]), ("pertama sama ketiga", [0, 2]), ("yg kedua", [1])])
def test_tactics_are_picked_by_number_typed_in_digits_or_words(coach, typed, picked):
    session, outcome = drive(coach, TO_TACTICS + [text(typed)])
    shown = [r.entry.id for r in coach.tactics(session)]
    assert session.answers["pilihan"] == [shown[i] for i in picked]


def test_tactics_are_picked_by_the_words_of_their_names(coach):
    """"yg referral sm google maps deh kak": each tactic named by a word only its title holds."""
    session, _ = drive(coach, TO_TACTICS)
    shown = coach.tactics(session)
    first, third = (next(w for w in r.entry.title.split(":")[0].lower().split() if len(w) > 3) for r in (shown[0], shown[2]))
    session, outcome = drive(coach, TO_TACTICS + [text(f"yg {first} sm {third} deh kak")])
    assert session.answers["pilihan"] == [shown[0].entry.id, shown[2].entry.id], (first, third)


@pytest.mark.parametrize("done", ["udah kak", "itu aja kak", "oke buat rencana", "udh kak buat rencananya",
                                  "nggih sampun", "tos, jieun rencana"])
def test_done_at_the_tactic_pick_in_owners_words_makes_the_plan(coach, done):
    session, outcome = drive(coach, TO_TACTICS + [text("1"), text(done)])
    assert session.step == "selesai" and len(session.plan) == 1


@pytest.mark.parametrize("everything", ["ambil semua deh", "semua kak", "gas semua", "oke ambil semua"])
def test_all_tactics_in_owners_words(coach, everything):
    session, _ = drive(coach, TO_TACTICS + [text(everything)])
    assert session.answers["pilihan"] == [r.entry.id for r in coach.tactics(session)]


def test_a_reply_not_understood_at_the_tactic_pick_gets_the_short_screen_not_the_whole_list_again(coach):
    session, outcome = drive(coach, TO_TACTICS + [text("1"), text("xyz qwerty")])
    assert [r.template for r in outcome.replies] == ["not_understood.j2", "ask/taktik_singkat.j2"]
    assert outcome.replies[-1].buttons   # the tactics can still be pressed


def test_going_back_in_words_at_the_tactic_pick(coach):
    session, outcome = drive(coach, TO_TACTICS + [text("eh salah, balik")])
    assert session.step == "motivasi"


@pytest.mark.parametrize(("typed", "then"), [
    ("hmm, kurang tau", "help"),    # once stored as what customers value
    ("ndak tau", "help"),
    ("skip dulu kak", "skipped"),   # once stored as what customers value
    ("salah", "back"),
])
def test_a_text_question_takes_dont_know_skip_and_back_in_owners_words(coach, typed, then):
    at_values, _ = drive(coach, TO_VALUES)
    session, outcome = drive(coach, [text(typed)], at_values)
    assert not session.answers.get("nilai") and not session.answers.get("nilai_tag")
    if then == "help":
        assert session.step == "nilai" and outcome.replies[0].template == "help_step.j2"
    elif then == "skipped":
        assert session.step == coach.flow.next_step(coach.step(at_values), session.answers)
        assert session.answers["nilai"] == "" and "Terima kasih" not in rich_text(outcome.replies[-1].template, **outcome.replies[-1].context)
    else:
        assert session.step == at_values.history[-1]


@pytest.mark.parametrize("asked", ["maksude piye mas?", "lha nek wong kantor piye?"])
def test_a_question_typed_at_the_product_question_is_not_what_they_sell(coach, asked):
    session, outcome = drive(coach, [To("produk"), text(asked)])
    assert session.step == "produk" and "produk" not in session.answers
    assert outcome.replies[-1].template == "ask/produk.j2"



def test_a_question_mark_alone_gets_the_steps_help(coach):
    # "?" once got "Saya belum bisa membaca pesan itu", though the coach tells owners to type it
    session, outcome = drive(coach, TO_VALUES + [text("?")])
    assert session.step == "nilai" and outcome.replies[0].template == "help_step.j2"


def test_kembali_at_the_aim_question_goes_back_not_taken_for_customers_coming_back(coach):
    at_aim, _ = drive(coach, [To("motivasi")])
    session, _ = drive(coach, [text("kembali")], at_aim)
    assert session.step == at_aim.history[-1] and "motivasi" not in session.answers


def test_commands_in_words_after_the_plan(coach):
    session, outcome = drive(coach, TO_TACTICS + [text("1"), text("selesai"), text("rencana")])
    assert outcome.replies[0].template == "plan.j2"   # once "belum punya tips yang pas"


@pytest.mark.parametrize("name", ["Bingung Kopi", "Kurang Tau Coffee", "Kopi Kenangan Mantan?"])
def test_a_business_name_holding_dont_know_words_or_a_question_mark_is_taken(coach, name):
    session, _ = drive(coach, [To("nama"), text(name)])
    assert session.step == "produk" and session.answers["nama"] == name


@pytest.mark.parametrize("sold", ["kue kering sama roti?", "jasa titip barang, bingung masuk mana"])
def test_what_they_sell_is_taken_with_a_doubt_in_it(coach, sold):
    session, _ = drive(coach, [To("produk"), text(sold)])
    assert session.answers["produk"] == sold


@pytest.mark.parametrize("typed", ["oke bentar aku baca dulu", "oke saya pilih yang kedua"])
def test_an_acknowledgement_at_the_tactic_pick_does_not_make_the_plan(coach, typed):
    session, _ = drive(coach, TO_TACTICS + [text("1"), text(typed)])
    assert session.step == "taktik"


def test_a_question_at_the_tactic_pick_picks_nothing(coach):
    # "piye carane nggawe grup wa?" once ticked the card whose title holds "bikin"
    session, _ = drive(coach, TO_TACTICS)
    word = next(w for w in coach.tactics(session)[2].entry.title.split(":")[0].lower().split() if len(w) > 3)
    session, outcome = drive(coach, TO_TACTICS + [text(f"gimana caranya {word} yang bagus?")])
    assert not session.answers.get("pilihan")


def test_a_typed_pick_answers_with_the_picks_so_far_not_the_whole_list(coach):
    session, outcome = drive(coach, TO_TACTICS + [text("1 sama 3")])
    assert [r.template for r in outcome.replies] == ["ask/taktik_singkat.j2"] and outcome.replies[0].buttons


def test_few_customers_anyone_wanting_the_same_is_the_mass_market_not_a_niche(coach):
    # a village egg farmer: few buyers, anyone, wanting fresh eggs; once "Kelompok khusus (ceruk)"
    session, _ = drive(coach, TO_SEGMENT + [text("gatau"), text("sedikit"), text("sama semua"),
                                            text("siapa saja"), text("tidak")])
    assert session.answers["segmen"] == "massal"
    session, _ = drive(coach, TO_SEGMENT + [text("gatau"), text("sedikit"), text("sama semua"),
                                            text("kelompok khusus"), text("tidak")])
    assert session.answers["segmen"] == "ceruk"


@pytest.mark.parametrize(("typed", "picked", "planned"), [
    ("kalau gitu 1 sama 3 aja", [0, 2], False),   # "kalau" leads no question here
    ("1 dan 3, buat rencana", [0, 2], True),      # picks and the plan named: made
    ("1 dan 3 udah", [0, 2], False),              # "udah" after a pick is no plan yet
    ("ga jadi", [], False),                       # common words in a title name no card
])
def test_typed_picks_and_the_plan_at_the_tactic_pick(coach, typed, picked, planned):
    session, _ = drive(coach, TO_TACTICS)
    shown = [r.entry.id for r in coach.tactics(session)]
    session, _ = drive(coach, [text(typed)], session)
    assert (session.step == "selesai") == planned
    if not planned:
        assert session.answers.get("pilihan", []) == [shown[i] for i in picked]


def test_an_acknowledgement_with_something_ticked_makes_the_plan(coach):
    session, _ = drive(coach, TO_TACTICS + [text("1"), text("oke lanjut kak")])
    assert session.step == "selesai" and len(session.plan) == 1


@pytest.mark.parametrize(("typed", "helped"), [("nggak tau juga sih", True), ("ga tau kak, belum pernah mikir", True),
                                               ("maksudnya gimana kak", True),
                                               ("ga yakin sih, kebanyakan ibu2 arisan suka yg murah", False)])
def test_dont_know_at_the_values_question_gets_help_unless_more_is_said(coach, typed, helped):
    session, outcome = drive(coach, TO_VALUES + [text(typed)])
    assert (session.step == "nilai") == helped and (outcome.replies[0].template == "help_step.j2") == helped


@pytest.mark.parametrize(("typed", "stored"), [("gatau kak", None), ("hmm ga tau", None), ("Toko Ani ya kak", "Toko Ani"),
                                               ("Warung Bu Sri dong", "Warung Bu Sri")])
def test_the_name_question_takes_dont_know_as_help_and_drops_chat_words(coach, typed, stored):
    session, outcome = drive(coach, [To("nama"), text(typed)])
    assert session.answers.get("nama") == stored


def test_the_segment_result_is_not_followed_by_a_confirmation_of_the_last_quiz_answer(coach):
    session, outcome = drive(coach, TO_SEGMENT + [text("gatau"), text("sedikit"), text("sama semua"),
                                                  text("siapa saja"), text("tidak")])
    assert [r.template for r in outcome.replies] == ["segment_result.j2", "ask/nilai.j2"]
    assert outcome.replies[-1].context["heard"] is None   # once "✅ Oke: Tidak" below the result
