"""The WhatsApp channel over real HTTP against the fake Graph API: signatures, the handshake, WhatsApp's limits,
retries, duplicates, files and the 24-hour window."""
from __future__ import annotations

import json
import time
from dataclasses import replace
import urllib.error
import urllib.request

import pytest

from bot.channels.whatsapp import owner_of
from bot.channels.whatsapp.markup import to_whatsapp
from tests.fakes import FakeGraphAPI
from tests.running import whatsapp_in_thread
from tests.test_channels import SCRIPT

OWNER = "6281200001111"


@pytest.fixture
def api():
    with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture
def coach_wa(coach, api, tmp_path):
    with whatsapp_in_thread(coach, api, tmp_path / "coach.db") as running:
        yield running


def replies_after(api: FakeGraphAPI, wa_id: str, before: int, settle: float = 0.3) -> list[dict]:
    """What the coach sent since `before` messages, once it stopped sending."""
    assert api.wait_for(lambda a: len(a.sent_to(wa_id)) > before), "no reply"
    count = -1
    while count != len(api.sent_to(wa_id)):
        count = len(api.sent_to(wa_id))
        time.sleep(settle)
    return api.sent_to(wa_id)[before:]


def say(api: FakeGraphAPI, text: str, wa_id: str = OWNER) -> list[dict]:
    before = len(api.sent_to(wa_id))
    assert api.write(wa_id, text) == 200
    return replies_after(api, wa_id, before)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_the_verification_handshake_answers_the_challenge_only_with_the_right_token(coach_wa, api):
    base = api.webhook_url + "?hub.mode=subscribe&hub.challenge=1158201444"
    assert get(base + "&hub.verify_token=verify-me") == (200, "1158201444")
    assert get(base + "&hub.verify_token=guess")[0] == 403
    assert get(api.webhook_url.replace("/whatsapp", "/healthz")) == (200, "ok\n")


def test_unsigned_or_wrongly_signed_deliveries_are_refused_and_change_nothing(coach_wa, api):
    service, _ = coach_wa
    body = api.delivery(api.message(OWNER, "text", {"body": "halo"}))
    assert api.post(body, signature=None) == 401
    assert api.post(body, signature="sha256=" + "0" * 64) == 403
    assert api.post(body.replace(b"halo", b"hola"), signature=None) == 401
    time.sleep(0.3)
    assert api.sent == [] and service.storage.load(owner_of(OWNER)) is None


def test_a_delivery_sent_twice_is_answered_once(coach_wa, api):
    body = api.delivery(api.message(OWNER, "text", {"body": "halo"}))
    api.deliver(json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0])
    first = replies_after(api, OWNER, 0)
    assert api.post(body) == 200   # WhatsApp retries a delivery it thinks failed
    time.sleep(0.5)
    assert len(api.sent_to(OWNER)) == len(first)


def test_status_updates_get_200_and_no_reply(coach_wa, api):
    value = {"messaging_product": "whatsapp", "statuses": [{"id": "wamid.X", "status": "read",
                                                              "recipient_id": OWNER}]}
    body = json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "W", "changes": [{"field": "messages", "value": value}]}]}).encode()
    assert api.post(body) == 200
    time.sleep(0.3)
    assert api.sent == []


@pytest.mark.parametrize("kind", ["audio", "image", "sticker", "location"])
def test_voice_notes_photos_stickers_and_locations_get_a_kind_please_type(coach_wa, api, kind):
    assert api.deliver(api.message(OWNER, kind, {"id": "m1"})) == 200
    reply = replies_after(api, OWNER, 0)
    assert len(reply) == 1 and "pesan teks" in api.text_of(reply[0])


@pytest.mark.slow
def test_a_walk_with_typed_answers_buttons_and_lists_respects_every_limit(coach_wa, api):
    service, _ = coach_wa
    first = say(api, "halo")
    assert "nama usaha" in api.text_of(first[-1])
    say(api, "Toko Kue Melati")
    segment = say(api, "kue ulang tahun dan kue kering")
    listed = api.interactive_to(OWNER)
    assert listed["interactive"]["type"] == "list" and len(api.choices(listed)) <= 10
    assert "<b>" not in api.text_of(segment[-1]) and "*" in api.text_of(segment[-1])
    before = len(api.sent_to(OWNER))
    api.press(OWNER, "a:segmen:ceruk")
    replies_after(api, OWNER, before)
    for line in SCRIPT[4:]:
        say(api, line)
    session = service.storage.load(owner_of(OWNER))
    assert session.step == "selesai" and len(session.plan) == 3
    assert api.violations == []
    assert any(m["interactive"]["type"] == "button" for m in api.sent if m["type"] == "interactive")
    assert all(len(api.text_of(m)) <= 1024 for m in api.sent if m["type"] == "interactive")


@pytest.mark.slow
def test_plan_files_are_uploaded_then_sent_as_an_image_and_a_document(coach_wa, api):
    for line in SCRIPT:
        say(api, line)
    before = len(api.sent_to(OWNER))
    api.write(OWNER, "/rencana gambar")
    api.write(OWNER, "/rencana pdf")
    assert api.wait_for(lambda a: {"image", "document"} <= {m["type"] for m in a.sent_to(OWNER)[before:]})
    files = {m["type"]: m for m in api.sent_to(OWNER)[before:] if m["type"] in ("image", "document")}
    assert api.media[files["image"]["image"]["id"]]["bytes"].startswith(b"\x89PNG")
    assert api.media[files["document"]["document"]["id"]]["bytes"].startswith(b"%PDF")
    assert files["document"]["document"]["filename"].endswith(".pdf") and api.violations == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_until_the_reply_goes(coach_wa, api, status):
    api.fail(2, status)
    reply = say(api, "halo")
    assert reply and "Apa" in api.text_of(reply[-1])
    assert api.calls >= 3


@pytest.mark.slow
def test_an_unreachable_graph_api_keeps_the_reply_queued_for_the_next_sweep(coach_wa, api):
    service, _ = coach_wa
    api.fail(8, 500)   # more than one delivery round tries
    assert api.write(OWNER, "halo") == 200
    assert api.wait_for(lambda a: a.sent_to(OWNER), timeout=30)   # a sweep (every 5 s) sends it
    deadline = time.monotonic() + 10
    while service.pending(owner_of(OWNER)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.pending(owner_of(OWNER)) == []
    assert "Apa" in api.text_of(api.sent_to(OWNER)[-1])


def test_formatting_is_whatsapps_own():
    assert to_whatsapp("<b>Langkah 1 </b>dari <i>6</i> &amp; <a href=\"https://x.id\">ini</a>") == \
        "*Langkah 1* dari _6_ & ini (https://x.id)"


def test_a_tactic_picked_by_button_gets_a_short_new_message_not_the_whole_screen_again(coach, tmp_path):
    """WhatsApp cannot edit: where Telegram redraws the tactic screen in place, only what changed is sent."""
    from bot.app.service import CoachService
    from bot.channels.whatsapp import WhatsAppChannel
    from bot.core.model import Press
    from bot.storage import Storage
    from tests.test_channels import core_action

    channel = WhatsAppChannel(None, coach.flow.template_folders, "Lihat pilihan")
    service = CoachService(coach, Storage(tmp_path / "c.db"))
    owner = owner_of(OWNER)
    for line in SCRIPT[:-4]:
        screen = service.handle(channel, _incoming(owner, core_action(line)))
    tactic = coach.tactics(service.storage.load(owner))[1].entry
    picked = service.handle(channel, _incoming(owner, Press(f"a:taktik:{tactic.id}")))
    assert sum(len(m.text) for m in picked) < 300 < sum(len(m.text) for m in screen)
    assert tactic.title.split(":")[0] in picked[0].text
    ids = [[data for row in m.buttons for _, data in row] for m in (picked[-1], screen[-1])]
    assert ids[0] == ids[1]   # the same choices, the picked one now ticked
    assert any(label.startswith("✅") for row in picked[-1].buttons for label, _ in row)


def _incoming(owner: int, action):
    from bot.channels.base import Incoming
    return Incoming(owner, owner, action)


def test_long_replies_and_many_choices_are_cut_to_whatsapps_limits(coach):
    from bot.channels.whatsapp.markup import format_reply, interactive
    from bot.core.model import Button
    from tests.fakes.graph_rules import problems

    text = "\n".join(f"<b>Baris {i}</b> " + "kata " * 30 for i in range(40))   # about 6,600 characters
    buttons = [(Button(f"Pilihan nomor {i} yang labelnya cukup panjang", f"a:x:{i}"),) for i in range(13)]
    messages = format_reply(text, buttons, coach.flow.template_folders)
    with_choices = [m for m in messages if m.buttons]
    assert [len([b for row in m.buttons for b in row]) for m in with_choices] == [10, 3]
    assert all(len(m.text) <= 4096 for m in messages) and len(with_choices[0].text) <= 1024
    for m in with_choices:
        body = {"messaging_product": "whatsapp", "to": "62811", "type": "interactive",
                "interactive": interactive(m.text, m.buttons, "📋 Lihat pilihan")}
        assert problems(body, set(), set()) == []
    row = interactive(with_choices[0].text, with_choices[0].buttons, "x")["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) <= 24 and row["description"].startswith("Pilihan nomor 0")


def test_operators_are_named_by_their_whatsapp_numbers(coach, tmp_path):
    from bot.app.service import CoachService
    from bot.channels import whatsapp
    from bot.channels.serve import Stopper
    from bot.storage import Storage
    from tests.running import whatsapp_settings

    service = CoachService(coach, Storage(tmp_path / "c.db"))
    with FakeGraphAPI() as api:
        settings = whatsapp_settings(api, 0, tmp_path / "c.db")
        settings = replace(settings, whatsapp=replace(settings.whatsapp, admin_ids=frozenset({"6281299998888"})))
        whatsapp.part(settings, service, Stopper())
    assert owner_of("6281299998888") in service.admin_ids and owner_of(OWNER) not in service.admin_ids
