"""Odd, hostile and stale updates through the real Telegram Application: a clear reply or deliberate silence."""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from telegram import Update

from bot.channels.telegram import build_application
from bot.config import Settings
from bot.core.model import Session
from bot.app.service import CoachService
from bot.storage import Storage
from tests.fakes import parse_html, telegram_html_error, utf16_len
from tests.recording_request import BOT, RecordingRequest

OWNER, OTHER = 42, 77            # Rina has a conversation going; Budi is someone else in her group
RINA = {"id": OWNER, "is_bot": False, "first_name": "Rina"}
BUDI = {"id": OTHER, "is_bot": False, "first_name": "Budi"}
PRIVATE = {"id": OWNER, "type": "private", "first_name": "Rina"}
GROUP = {"id": -4001, "type": "group", "title": "Arisan UMKM"}
SUPERGROUP = {"id": -1002002, "type": "supergroup", "title": "Komunitas UMKM Bekasi"}
CHANNEL = {"id": -1003003, "type": "channel", "title": "Info Promo"}
MENTION = f"@{BOT['username']}"
# PTB warns about the type of message_auto_delete_time when the timer notice is parsed.
pytestmark = pytest.mark.filterwarnings("ignore:.*message_auto_delete_time")

# Before every case Rina is at the segmen step with these answers given (in her private chat).
SETUP = ["/start", "Warung Bu Sri", "nasi uduk dan gorengan"]
PRIOR = {"nama": "Warung Bu Sri", "produk": "nasi uduk dan gorengan"}

# Fragments of the replies (bot/text/id), and of each step's question as Telegram shows it.
UNSUPPORTED = "baru bisa membaca pesan teks"
STALE = "Tombol itu dari langkah sebelumnya"
NOT_UNDERSTOOD = "belum menangkap maksud"
NO_WORDS = "belum bisa membaca pesan itu"
UNKNOWN_COMMAND = "belum saya kenal"
WELCOME_BACK = "Selamat datang kembali"
RESTART_KEPT = "tidak jadi mengulang"
TOO_LONG = "Maksimal 60 huruf"
QUESTION = {"nama": "Apa nama usaha Anda?", "produk": "Apa yang Anda jual?", "sektor": "termasuk jenis usaha yang mana?",
            "segmen": "Siapa yang paling sering membeli", "nilai": "kebiasaan dan nilai"}

INJECTED_NAME = "<b>x</b><script>&amp;"
MARKDOWN = "*bold* _x_ [a](http://x)"
SQL = "'; DROP TABLE owners; --"
SQL_HTML_NAME = "<i>Rina</i> & Co'); DROP TABLE owners;--"


# ----------------------------------------------------------------------------- update builders
# Each returns the body of one update (Bot API JSON) without update_id: the runner numbers them.

MESSAGE_IDS = itertools.count(900)   # unique in a chat, as on Telegram (the coach knows repeats by them)


def _message(chat: dict, sender: dict | None = RINA, **fields) -> dict:
    message = {"message_id": next(MESSAGE_IDS), "date": int(time.time()), "chat": chat, **fields}
    if sender is not None:
        message["from"] = sender
    words = fields.get("text", "")
    if words.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(words.split()[0])}]
    return message


def text(words: str, chat: dict = PRIVATE, sender: dict = RINA, **fields) -> dict:
    return {"message": _message(chat, sender, text=words, **fields)}


def media(chat: dict = PRIVATE, **fields) -> dict:
    return {"message": _message(chat, RINA, **fields)}


def edited(words: str) -> dict:
    return {"edited_message": _message(PRIVATE, RINA, text=words, edit_date=int(time.time()))}


def channel_post(words: str, kind: str = "channel_post") -> dict:
    return {kind: _message(CHANNEL, None, text=words)}


def press(data: str | None, sender: dict = RINA, chat: dict | None = PRIVATE, date: int | None = None,
          **fields) -> dict:
    """A button press under one of the bot's messages; chat=None: under an inline-mode message."""
    query = {"id": f"cq-{sender['id']}", "from": sender, "chat_instance": "ci-1", **fields}
    if data is not None:
        query["data"] = data
    if chat is not None:   # date 0: older than 48 hours, an "inaccessible message" for Telegram
        query["message"] = {"message_id": 555, "date": int(time.time()) if date is None else date,
                            "chat": chat, "from": BOT, "text": "pesan lama dari bot"}
    return {"callback_query": query}


def inline(query: str) -> dict:
    return {"inline_query": {"id": "iq-1", "from": RINA, "query": query, "offset": "", "chat_type": "private"}}


ANSWER = text("kelompok khusus")


def redelivered(body: dict, update_id: int) -> dict:
    return {"update_id": update_id, **body}


FILE = {"file_id": "AgADBAAD", "file_unique_id": "AQADBAAD"}
STICKER = {**FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
PHOTO = [{**FILE, "width": 90, "height": 90}, {**FILE, "width": 800, "height": 800}]
POLL = {"id": "p1", "question": "Enak?", "options": [{"text": "ya", "voter_count": 0, "persistent_id": "o1"},
                                                    {"text": "tidak", "voter_count": 0, "persistent_id": "o2"}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False, "members_only": False}
BLOCKED = {"my_chat_member": {"chat": PRIVATE, "from": RINA, "date": 1,
                              "old_chat_member": {"status": "member", "user": BOT},
                              "new_chat_member": {"status": "kicked", "user": BOT, "until_date": 0}}}
FORWARDED = {"type": "user", "date": 1, "sender_user": {"id": 9, "is_bot": False, "first_name": "Pelanggan"}}


# ----------------------------------------------------------------------------- running a case

@dataclass
class Run:
    calls: list[tuple[str, dict]]         # Bot API calls made for the case's updates
    last: list[tuple[str, dict]]          # ... for its last update only
    before: Session                       # Rina's state after SETUP
    after: Session
    storage: Storage

    def sent(self) -> list[dict]:
        return [p for name, p in self.calls if name.startswith(("send", "edit"))]

    def texts(self) -> list[str]:
        return [p["text"] for p in self.sent()]

    def shown(self) -> str:
        """All replies as the owner sees them (Telegram's parse of the HTML)."""
        return "\n".join(parse_html(t)[0] for t in self.texts())


def run_case(coach, tmp_path, updates: list[dict]) -> tuple[Run, list[BaseException]]:
    storage = Storage(tmp_path / "coach.db")
    request, errors = RecordingRequest(), []
    app = build_application(CoachService(coach, storage), Settings(token="123:ABC"), request=request,
                            rate_limit=False)

    async def record(update, context):
        errors.append(context.error)

    async def go() -> tuple[Session, int]:
        app.add_error_handler(record)
        await app.initialize()
        ids = itertools.count(1)
        try:
            for line in SETUP:
                await app.process_update(Update.de_json({"update_id": next(ids), **text(line)}, app.bot))
            before = storage.load(OWNER)
            request.calls.clear()
            mark = 0
            for body in updates:
                mark = len(request.calls)
                await app.process_update(Update.de_json({"update_id": next(ids), **body}, app.bot))
        finally:
            await app.shutdown()
        return before, mark

    before, mark = asyncio.run(go())
    calls = list(request.calls)
    return Run(calls, calls[mark:], before, storage.load(OWNER), storage), errors


def _buttons(params: dict) -> list[dict]:
    markup = params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return [button for row in markup.get("inline_keyboard", []) for button in row]


# ----------------------------------------------------------------------------- expectations

Check = Callable[[Run], None]


def ignored(r: Run) -> None:
    """No reply at all, and Rina's state exactly as before."""
    assert r.sent() == []
    assert r.after.to_dict() == r.before.to_dict()


def replies(*fragments: str, chat: int = OWNER, step: str = "segmen", answers: dict | None = None,
            asks: bool = True, shown: tuple[str, ...] = ()) -> Check:
    """Replies, all in `chat`, containing each fragment; with `asks` the last one is the question of
    `step`; Rina ends at `step` with PRIOR + `answers`; `shown` strings are displayed verbatim."""
    def check(r: Run) -> None:
        texts = r.texts()
        assert texts, "expected a reply"
        assert {int(p["chat_id"]) for p in r.sent()} == {chat}
        for fragment in fragments:
            assert any(fragment in t for t in texts), f"no reply contains {fragment!r}: {texts}"
        if asks:
            assert QUESTION[step] in parse_html(texts[-1])[0], texts[-1]
        assert r.after.step == step
        assert r.after.answers.items() >= {**PRIOR, **(answers or {})}.items()
        for value in shown:
            assert value in r.shown()
    return check


def unanswered(check: Check) -> Check:
    """`check`, and the segmen question is still open (nothing stored from the odd input)."""
    def both(r: Run) -> None:
        check(r)
        assert "segmen" not in r.after.answers and r.after.step == "segmen"
    return both


HINT = unanswered(replies(UNSUPPORTED, asks=False))


def press_acknowledged_only(r: Run) -> None:
    """The last press is answered (its button stops spinning); nothing posted; no state changes."""
    assert [name for name, _ in r.last] == ["answerCallbackQuery"]
    assert r.after.to_dict() == r.before.to_dict()
    assert r.storage.load(OTHER) is None


def inline_ok(r: Run) -> None:
    """Inline mode may or may not exist: at most an answerInlineQuery within Telegram's limits."""
    assert {name for name, _ in r.calls} <= {"answerInlineQuery"}
    for params in (p for name, p in r.calls if name == "answerInlineQuery"):
        results = params.get("results", [])
        results = json.loads(results) if isinstance(results, str) else results
        assert len(results) <= 50
        for result in results:
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                assert telegram_html_error(content["message_text"]) is None, content["message_text"]
    assert r.after.to_dict() == r.before.to_dict()


def redelivery_dropped(r: Run) -> None:
    assert len(r.sent()) == 1 and QUESTION["nilai"] in r.shown()     # the first delivery's reply only
    assert r.after.answers["segmen"] == "ceruk" and r.after.step == "nilai"


def sql_harmless(r: Run) -> None:
    unanswered(replies(NOT_UNDERSTOOD, shown=(SQL,)))(r)
    assert r.storage.db["owners"].exists() and r.storage.db["owners"].count == 1


def stranger_greeted(r: Run) -> None:
    assert {int(p["chat_id"]) for p in r.sent()} == {OTHER}
    assert f"Halo {SQL_HTML_NAME}!" in r.shown()
    assert r.storage.load(OTHER).step == "nama" and r.storage.db["owners"].count == 2
    assert r.after.to_dict() == r.before.to_dict()


def long_name_refused(r: Run) -> None:
    replies(TOO_LONG, step="nama")(r)
    assert len(r.shown()) < 2000   # the 4,096 characters are not echoed back


def answered_as_new_message(r: Run) -> None:
    replies(step="nilai", answers={"segmen": "ceruk"})(r)
    assert [name for name, _ in r.calls] == ["answerCallbackQuery", "sendMessage"]


# ----------------------------------------------------------------------------- the cases

def case(case_id: str, updates: list[dict], expected: str, check: Check):
    """One row: the updates sent after SETUP and what should happen, in words and as a check."""
    return pytest.param(updates, expected, check, id=case_id)


CASES = [
    # -- non-text messages in a private chat: the hint, nothing stored, the question not repeated
    case("sticker", [media(sticker=STICKER)], "the 'text only' hint", HINT),
    case("photo", [media(photo=PHOTO)], "the 'text only' hint", HINT),
    case("photo-with-caption", [media(photo=PHOTO, caption="kelompok khusus")],
         "the 'text only' hint; a caption is not taken as an answer", HINT),
    case("voice", [media(voice={**FILE, "duration": 3, "mime_type": "audio/ogg"})], "the 'text only' hint", HINT),
    case("video-note", [media(video_note={**FILE, "length": 240, "duration": 5})], "the 'text only' hint", HINT),
    case("document", [media(document={**FILE, "file_name": "menu.pdf"})], "the 'text only' hint", HINT),
    case("location", [media(location={"latitude": -6.2383, "longitude": 106.9756})], "the 'text only' hint", HINT),
    case("contact", [media(contact={"phone_number": "+628123456789", "first_name": "Bu Sri"})],
         "the 'text only' hint", HINT),
    case("poll", [media(poll=POLL)], "the 'text only' hint", HINT),
    case("dice", [media(dice={"emoji": "🎲", "value": 4})], "the 'text only' hint", HINT),
    case("pinned-message-notice", [media(pinned_message={"message_id": 7, "date": 0, "chat": PRIVATE})],
         "ignored: pinning a message is not something said to the coach", ignored),
    case("auto-delete-timer-notice", [media(message_auto_delete_timer_changed={"message_auto_delete_time": 86400})],
         "ignored: a chat setting is not something said to the coach", ignored),

    # -- updates deliberately not answered
    case("edited-message", [edited("kelompok khusus")], "ignored: an edit is not an answer", ignored),
    case("channel-post", [channel_post(f"{MENTION} promo hari ini")], "ignored, even with a mention", ignored),
    case("edited-channel-post", [channel_post("promo", kind="edited_channel_post")], "ignored", ignored),
    case("group-chatter", [text("kelompok khusus", chat=GROUP)],
         "ignored: no mention, no reply to the bot; not taken as Rina's answer", ignored),
    case("group-sticker", [media(chat=SUPERGROUP, sticker=STICKER)], "ignored: no hint in groups", ignored),
    case("bot-added-to-group", [media(chat=GROUP, new_chat_members=[BOT])], "ignored", ignored),
    case("bot-blocked", [BLOCKED], "ignored (my_chat_member has no handler)", ignored),
    case("redelivered-update", [ANSWER, redelivered(ANSWER, update_id=len(SETUP) + 1)],
         "an update already handled is dropped: segmen stays ceruk, one reply", redelivery_dropped),

    # -- groups: mentions, replies to the bot, commands, buttons
    case("group-mention", [text(f"{MENTION} kelompok khusus", chat=GROUP)],
         "answered in the group: segmen=ceruk, then the nilai question",
         replies(chat=GROUP["id"], step="nilai", answers={"segmen": "ceruk"})),
    case("supergroup-reply-to-bot", [text("kelompok khusus", chat=SUPERGROUP,
                                          reply_to_message=_message(SUPERGROUP, BOT, text="Siapa?"))],
         "a reply to the bot counts as a mention: answered in the supergroup",
         replies(chat=SUPERGROUP["id"], step="nilai", answers={"segmen": "ceruk"})),
    case("group-mention-only", [text(MENTION, chat=SUPERGROUP)],
         "the 'no words' hint + the segmen question, in the group", replies(NO_WORDS, chat=SUPERGROUP["id"])),
    case("start-for-other-bot", [text("/start@otherbot", chat=GROUP)], "ignored: addressed to another bot", ignored),
    case("unknown-command-for-other-bot", [text("/harga@otherbot", chat=SUPERGROUP)], "ignored", ignored),
    case("start-for-this-bot", [text(f"/start{MENTION}", chat=GROUP)],
         "answered in the group: 'welcome back' + the segmen question", replies(WELCOME_BACK, chat=GROUP["id"])),
    case("start-for-this-bot-mixed-case", [text("/Start@UMKM_Coach_Bot", chat=SUPERGROUP)],
         "answered: usernames are case-insensitive", replies(WELCOME_BACK, chat=SUPERGROUP["id"])),
    case("unknown-command-for-this-bot", [text(f"/harga{MENTION}", chat=GROUP)],
         "'unknown command' + the segmen question, in the group", replies(UNKNOWN_COMMAND, chat=GROUP["id"])),
    case("unknown-command-in-group", [text("/harga", chat=SUPERGROUP)],
         "ignored: without @bot it is most likely for another bot in the group", ignored),
    case("own-button-in-group", [text(f"/start{MENTION}", chat=SUPERGROUP), press("a:segmen:ceruk", chat=SUPERGROUP)],
         "Rina's press on her own question in a group answers it there",
         replies(WELCOME_BACK, chat=SUPERGROUP["id"], step="nilai", answers={"segmen": "ceruk"})),
    case("button-pressed-by-another-user", [text(f"/start{MENTION}", chat=GROUP),
                                            press("a:segmen:ceruk", sender=BUDI, chat=GROUP)],
         "Budi's press on Rina's button: acknowledged only, nothing posted, no state for anyone",
         press_acknowledged_only),

    # -- text odd in shape or size (private chat, segmen step)
    case("forwarded-text", [text("Kak, nasi uduknya masih ada?", forward_origin=FORWARDED)],
         "read as Rina's own text: 'not understood' + the segmen question", unanswered(replies(NOT_UNDERSTOOD))),
    case("text-4096", [text("kue " * 1023 + "enak")],
         "a reply (tip card or 'not understood') + the segmen question", unanswered(replies())),
    case("text-10000", [text("x" * 10_000)], "'not understood' quoting a cut version + the segmen question",
         unanswered(replies(NOT_UNDERSTOOD))),
    case("business-name-4096", [text("/kembali"), text("/kembali"), text("W" * 4096)],
         "'too long (max 60)' + the name question again; the old name kept", long_name_refused),
    case("emoji-only", [text("🙏😀👍🔥")], "the 'no words' hint + the segmen question",
         unanswered(replies(NO_WORDS))),
    case("zero-width-only", [text("\u200b\u200c\u200d\u2060\ufeff")], "the 'no words' hint + the segmen question",
         unanswered(replies(NO_WORDS))),
    case("zero-width-inside", [text("kelompok\u200b khu\u200dsus")],
         "invisible characters dropped: answer taken (ceruk), the nilai question",
         replies(step="nilai", answers={"segmen": "ceruk"})),
    case("right-to-left-override", [text("\u202ekelompok khusus\u202c")],
         "direction marks dropped: answer taken (ceruk)", replies(step="nilai", answers={"segmen": "ceruk"})),
    case("right-to-left-text", [text("مرحبا بكم")], "'not understood' quoting the Arabic + the segmen question",
         unanswered(replies(NOT_UNDERSTOOD, shown=("مرحبا بكم",)))),
    case("nul-inside", [text("kelompok\x00 khusus")], "NUL dropped: answer taken (ceruk)",
         replies(step="nilai", answers={"segmen": "ceruk"})),
    case("nul-only", [text("\x00\x00\x00")], "the 'no words' hint + the segmen question",
         unanswered(replies(NO_WORDS))),

    # -- injection: stored as typed, shown literally, nothing interpreted
    case("html-business-name", [text("/kembali"), text("/kembali"), text(INJECTED_NAME)],
         "name stored as typed and shown literally in the produk question",
         replies(step="produk", answers={"nama": INJECTED_NAME}, shown=(f"Salam kenal, {INJECTED_NAME}!",))),
    case("markdown-product", [text("/kembali"), text(MARKDOWN), text("/profil")],
         "product stored as typed (no sector in it) and shown literally in the profile",
         replies(step="sektor", answers={"produk": MARKDOWN, "sektor": "lainnya"},
                 shown=(f"Jualan: {MARKDOWN}",))),
    case("html-at-choice-step", [text(INJECTED_NAME)], "'not understood' quoting it literally",
         unanswered(replies(NOT_UNDERSTOOD, shown=(INJECTED_NAME,)))),
    case("sql-text", [text(SQL)], "'not understood' quoting it literally; owners table intact", sql_harmless),
    case("sql-html-first-name", [text("/start", chat={**PRIVATE, "id": OTHER},
                                      sender={**BUDI, "first_name": SQL_HTML_NAME})],
         "a new owner greeted by that name, shown literally; Rina untouched", stranger_greeted),
    case("unknown-command", [text("/hapus")], "'unknown command' + the segmen question",
         replies(UNKNOWN_COMMAND, shown=("/hapus belum",))),
    case("unknown-command-with-markup", [text("/x<b>y&amp;")], "'unknown command' quoting it literally",
         replies(UNKNOWN_COMMAND, shown=("/x<b>y&amp; belum",))),
    case("unknown-command-200-chars", [text("/" + "a" * 200)], "'unknown command' with the name cut to 40",
         replies(UNKNOWN_COMMAND, shown=("/" + "a" * 40 + " belum",))),

    # -- buttons: forged, unknown, stale
    case("forged-value", [press("a:segmen:hacker")], "'not understood' + the segmen question",
         unanswered(replies(NOT_UNDERSTOOD))),
    case("forged-html-value", [press("a:segmen:<b>&amp;")], "'not understood' quoting the value literally",
         unanswered(replies(NOT_UNDERSTOOD, shown=('"<b>&amp;"',)))),
    case("forged-empty-value", [press("a:segmen:")], "'not understood' + the segmen question",
         unanswered(replies(NOT_UNDERSTOOD))),
    case("unknown-question", [press("a:hapus:semua")], "the 'stale button' note + the segmen question",
         unanswered(replies(STALE))),
    case("unknown-command-button", [press("c:hapus_semua")], "the 'stale button' note + the segmen question",
         unanswered(replies(STALE))),
    case("stale-step-button", [text("kelompok khusus"), press("a:segmen:massal")],
         "the 'stale button' note + the nilai question; segmen stays ceruk",
         replies(STALE, step="nilai", answers={"segmen": "ceruk"})),
    case("old-format-button", [press("v0|seg|1")], "the 'stale button' note + the segmen question",
         unanswered(replies(STALE))),
    case("stale-restart-confirmation", [press("c:ulang_ya")],
         "no restart without a pending /ulang: 'not restarting' + the segmen question", replies(RESTART_KEPT)),
    case("button-without-data", [press(None, game_short_name="tebak")], "the 'stale button' note",
         unanswered(replies(STALE))),
    case("button-on-message-older-than-48h", [press("a:segmen:ceruk", date=0)],
         "still answers the current question (ceruk); the nilai question comes as a new message",
         answered_as_new_message),
    case("button-under-inline-message", [press("a:segmen:ceruk", chat=None, inline_message_id="im-1")],
         "no chat to answer in: the press is acknowledged, nothing else", press_acknowledged_only),

    # -- inline mode (a colleague is adding it): must hold before and after
    case("inline-empty", [inline("")], "no crash; any answer: <= 50 results, valid HTML", inline_ok),
    case("inline-1000-chars", [inline("cara dapat pelanggan baru " * 38 + "x" * 12)],
         "no crash; any answer: <= 50 results, valid HTML", inline_ok),
]


@pytest.mark.parametrize(("updates", "expected", "check"), CASES)
def test_bad_input(coach, tmp_path, updates, expected, check):
    run, errors = run_case(coach, tmp_path, updates)
    try:
        assert errors == [], f"expected: {expected}; errors: {errors!r}"
        for params in run.sent():
            message = params["text"]
            assert telegram_html_error(message) is None, message
            assert utf16_len(parse_html(message)[0]) <= 4096
            for button in _buttons(params):
                assert button["text"] and len(button.get("callback_data", "").encode()) <= 64, button
        assert run.storage.integrity_ok()
        assert run.storage.pending() == []              # every committed reply was delivered
        assert run.after is not None and run.after.answers.get("nama") and run.after.answers.get("produk")
        check(run)
    finally:
        run.storage.close()


def test_enough_cases():
    assert len(CASES) >= 30
