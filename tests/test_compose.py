"""One message per owner action where it fits: what leads a question shares its message, within each channel's limits."""
from __future__ import annotations

import pytest

from bot.app.service import CoachService
from bot.channels.telegram.sender import TelegramSender
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.markup import BODY_LIMIT
from bot.core.model import Text
from tests.collecting import handle
from tests.test_channels import SCRIPT, core_action

OWNER = 77
AT_A_CHOICE = SCRIPT[:6]    # the customers' spend is asked next
AT_THE_TACTICS = SCRIPT[:12]


@pytest.fixture
def service(coach, storage):
    return CoachService(coach, storage, quiet_hours=None)


def walk(service, lines, channel) -> list:
    for line in lines:
        out = handle(service, OWNER, OWNER, core_action(line), channel=channel)
    return out


def data_of(message) -> list[str]:
    return [d for row in message.buttons for _, d in row]


def test_start_is_one_message_the_welcome_above_the_first_question(service):
    (welcome,) = walk(service, ["/start"], TelegramSender(bot=None))
    text = welcome.message.text
    assert text.index("Coach UMKM") < text.index("nama usaha") and "c:langkah_bantuan" in data_of(welcome.message)


def test_a_card_asked_for_mid_step_shares_the_question_message_its_feedback_below_the_choices(service):
    telegram = TelegramSender(bot=None)
    walk(service, AT_A_CHOICE, telegram)
    (reply,) = handle(service, OWNER, OWNER, Text("gmn cara promosi di instagram?"), channel=telegram)
    text, data = reply.message.text, data_of(reply.message)
    assert text.index("💡") < text.index("Langkah")      # the card first, the question asked again below it
    assert data[0].startswith("a:") and [d[:2] for d in data[-2:]] == ["f:", "f:"]


def test_nothing_joins_the_tactic_screen_that_presses_edit_in_place(service):
    telegram = TelegramSender(bot=None)
    walk(service, AT_THE_TACTICS, telegram)
    card, screen = handle(service, OWNER, OWNER, Text("gmn cara minta testimoni?"), channel=telegram)
    assert "💡" in card.message.text and all(d.startswith("f:") for d in data_of(card.message))
    assert "💡" not in screen.message.text and any(d.startswith("a:taktik:") for d in data_of(screen.message))


def test_on_whatsapp_a_card_too_long_for_a_button_message_goes_on_its_own(service, coach):
    whatsapp = WhatsAppChannel(graph=None, folders=coach.flow.template_folders, list_button="Pilih")
    walk(service, AT_A_CHOICE, whatsapp)
    *card, question = handle(service, OWNER, OWNER, Text("gmn cara promosi di instagram?"), channel=whatsapp)
    assert card and "💡" in card[0].message.text and not any("Langkah" in m.message.text for m in card)
    assert "Langkah" in question.message.text and any(d.startswith("a:") for d in data_of(question.message))
    assert all(len(m.message.text) <= BODY_LIMIT for m in (*card, question) if m.message.buttons)
