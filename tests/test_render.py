"""Templates give valid Telegram HTML, escape owners' text, and long messages split cleanly."""
from __future__ import annotations

import pytest

from bot.channels.telegram.markup import split_message
from bot.core import screens
from bot.text import render
from bot.core.model import Command, Start, Text
from tests.fakes import telegram_html_error

NASTY = '<b>Toko</b> & "Anak" <script>alert(1)</script>'


def test_owner_text_is_escaped_in_every_template_that_shows_it(coach):
    session = None
    replies = []
    for action in [Start(), Text(NASTY), Text(NASTY),
                   Command("profil")]:
        outcome = coach.handle(session, action)
        session = outcome.session
        replies += outcome.replies
    for reply in replies:
        html = render.rich_text(reply.template, **reply.context)
        assert telegram_html_error(html) is None, html
        assert "<script>" not in html
    shown = render.to_plain(render.rich_text("profile.j2", **screens.context_of(coach, session)))
    assert '<b>Toko</b> & "Anak" <script>' in shown


@pytest.mark.parametrize("length", [4096, 4097, 10000, 25000])
def test_long_messages_split_within_the_limit_and_stay_valid(length):
    line = "<b>Judul</b> &amp; isi <i>miring</i> " + "kata " * 20 + "\n"
    message = "<blockquote>" + line * (length // len(render.to_plain(line)) + 1) + "</blockquote>"
    parts = split_message(message)
    assert all(len(render.to_plain(p).encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert all(telegram_html_error(p) is None for p in parts)
    joined = "".join(render.to_plain(p) for p in parts).replace("\n", "").replace(" ", "")
    assert joined == render.to_plain(message).replace("\n", "").replace(" ", "")


def test_a_single_huge_word_is_cut_too():
    parts = split_message("x" * 9000)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)


def test_emoji_count_as_two_units_like_telegram():
    parts = split_message("😀" * 3000)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join(parts) == "😀" * 3000


def test_plain_text_view_drops_tags_and_decodes_entities():
    assert render.to_plain("<b>Kue</b> &amp; <i>roti</i> &lt;3") == "Kue & roti <3"


def test_cut_shortens_on_a_word():
    assert render.cut("Toko Kue Melati Jaya Abadi Sentosa", 20) == "Toko Kue Melati…"
