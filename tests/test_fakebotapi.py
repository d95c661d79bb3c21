"""Tests of the fake Bot API in tests/fakes/, driven by a real python-telegram-bot Bot over HTTP."""
from __future__ import annotations

import asyncio
import datetime as dtm
import json
import struct
import threading
import time
import urllib.error
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_asyncio
import telegram
from telegram import (BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, InlineKeyboardButton,
                      InlineKeyboardMarkup, InlineQueryResultArticle, InputTextMessageContent, Update)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes import FakeBotAPI, telegram_html_error

USER = 4242

# PTB warns about its own RetryAfter.retry_after type change whenever the exception is built
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def api():
    with FakeBotAPI() as server:
        yield server


def make_bot(api: FakeBotAPI, **kwargs) -> telegram.Bot:
    return telegram.Bot(api.token, base_url=f"{api.url}/bot", **kwargs)


@pytest_asyncio.fixture
async def bot(api):
    async with make_bot(api) as b:
        yield b


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in datas]])


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------ basics


@pytest.mark.slow
@pytest.mark.asyncio
async def test_get_me(api, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "umkm_coach_bot", True)
    assert bot.username == "umkm_coach_bot"
    assert ("getMe", {}) in api.calls


@pytest.mark.slow
@pytest.mark.asyncio
async def test_send_message_records_and_returns_message(api, bot):
    msg = await bot.send_message(USER, "<b>Halo</b> &amp; selamat <i>datang</i>", parse_mode="HTML",
                                 reply_markup=keyboard("ya", "tidak"))
    assert isinstance(msg, telegram.Message)
    assert msg.message_id == 1 and msg.chat.id == USER and msg.from_user.id == api.bot_id
    assert msg.text == "Halo & selamat datang"  # Telegram returns the parsed text plus entities
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [("bold", 0, 4), ("italic", 15, 6)]
    assert msg.reply_markup == keyboard("ya", "tidak")

    [sent] = api.sent(USER)
    assert sent["text"] == "<b>Halo</b> &amp; selamat <i>datang</i>"
    assert sent["plain_text"] == "Halo & selamat datang"
    assert sent["parse_mode"] == "HTML" and sent["method"] == "sendMessage" and sent["edits"] == 0
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "ya", "callback_data": "ya"},
                                                         {"text": "tidak", "callback_data": "tidak"}]]}
    params = api.calls_to("sendMessage")[0]
    assert params["chat_id"] == USER and isinstance(params["reply_markup"], dict)
    assert api.errors == []


@pytest.mark.slow
@pytest.mark.asyncio
async def test_string_parameters_are_not_json_decoded(api, bot):
    # PTB sends strings raw and everything else JSON-encoded: "123"/"true" must stay strings
    await bot.send_message(USER, "123")
    await bot.send_message(USER, "true")
    assert [p["text"] for p in api.calls_to("sendMessage")] == ["123", "true"]
    assert [m["text"] for m in api.sent(USER)] == ["123", "true"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_message_ids_increase_per_chat_and_include_user_messages(api, bot):
    api.send_text(USER, "halo")  # message 1 in the chat
    a = await bot.send_message(USER, "satu")
    b = await bot.send_message(USER, "dua")
    c = await bot.send_message(USER + 1, "lain")
    assert (a.message_id, b.message_id, c.message_id) == (2, 3, 1)
    assert [m["message_id"] for m in api.sent(USER)] == [2, 3]


# ------------------------------------------------------------------------------ validation


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize("text", [
    "<b>tebal <i>miring <u>garis</u></i></b> <s>coret</s> <code>x</code>",
    '<pre><code class="language-python">print(1 &lt; 2)</code></pre>',
    '<a href="https://example.com/?a=1&b=2">tautan</a> &quot;kutip&quot; &#128512; &#x1F600;',
    '<blockquote expandable>kutipan</blockquote> <tg-spoiler>rahasia</tg-spoiler> '
    '<span class="tg-spoiler">juga</span>',
])
async def test_valid_html_is_accepted(api, bot, text):
    await bot.send_message(USER, text, parse_mode="HTML")
    assert api.sent(USER)[0]["text"] == text and api.errors == []


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize("text, description", [
    ("<b>tebal", "Can't find end tag corresponding to start tag b"),
    ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
    ("harga < 5000", 'Unsupported start tag "" at byte offset 6'),
    ("1<2", "Unclosed start tag at byte offset 1"),
    ("1<2 dan 3", 'Unsupported start tag "2" at byte offset 1'),
    ("Tom & Jerry", 'Character "&" at byte offset 4 must be escaped as "&amp;"'),
    ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;" at byte offset 1'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
])
async def test_invalid_html_is_rejected(api, bot, text, description):
    with pytest.raises(BadRequest) as exc:
        await bot.send_message(USER, text, parse_mode="HTML")
    # PTB strips "Bad Request: " and str.capitalize()s the rest; api.errors keeps Telegram's text
    assert exc.value.message == f"can't parse entities: {description}".capitalize()
    assert api.sent(USER) == []
    assert api.errors == [("sendMessage", api.calls_to("sendMessage")[0],
                           f"Bad Request: can't parse entities: {description}")]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_length_limit_counts_visible_utf16_units(api, bot):
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # tags don't count
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "a" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    assert len(api.sent(USER)) == 2
    assert [e[2] for e in api.errors] == ["Bad Request: message is too long"] * 2 + \
        ["Bad Request: message text is empty"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_callback_data_over_64_bytes_is_rejected(api, bot):
    await bot.send_message(USER, "ok", reply_markup=keyboard("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "x", reply_markup=keyboard("é" * 32 + "a"))  # 65 bytes
    assert len(api.sent(USER)) == 1
    assert api.errors[-1][2] == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_edit_message_text(api, bot):
    msg = await bot.send_message(USER, "<b>Menu</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>Menu</b>", USER, msg.message_id, parse_mode="HTML",
                                    reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):  # same text and entities
        await bot.edit_message_text("<strong>Menu</strong>", USER, msg.message_id, parse_mode="HTML",
                                    reply_markup=keyboard("a"))
    assert api.errors[0][2] == (
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message")

    edited = await bot.edit_message_text("Menu baru", USER, msg.message_id, reply_markup=keyboard("b"))
    assert edited.text == "Menu baru" and edited.edit_date is not None
    # like Telegram, editing the text without reply_markup removes the inline keyboard
    await bot.edit_message_text("Menu akhir", USER, msg.message_id)
    [sent] = api.sent(USER)
    assert (sent["text"], sent["reply_markup"], sent["edits"]) == ("Menu akhir", None, 2)

    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    api.send_text(USER, "pesan pengguna")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", USER, msg.message_id + 1)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_press_button_and_answer_callback(api, bot):
    msg = await bot.send_message(USER, "<b>Pilih</b>", parse_mode="HTML", reply_markup=keyboard("ya", "tidak"))
    update_id = api.press_button(USER, msg.message_id, "ya")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert update.update_id == update_id and query.data == "ya" and query.from_user.id == USER
    assert query.message.message_id == msg.message_id and query.message.text == "Pilih"
    assert query.message.reply_markup == keyboard("ya", "tidak")
    assert await query.answer("Oke")
    assert api.answered_callbacks == [query.id]
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("999")
    with pytest.raises(LookupError):
        api.press_button(USER, msg.message_id, "bukan-tombol")
    assert api.press_button(USER, msg.message_id, "ya") != update_id  # unique ids per press


@pytest.mark.slow
@pytest.mark.asyncio
async def test_inline_query_and_answer(api, bot):
    def article(result_id: str) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id, "Judul", InputTextMessageContent("<b>kartu</b>", parse_mode="HTML"))

    api.send_inline_query(USER, "promosi")
    [update] = await bot.get_updates()
    query = update.inline_query
    assert (query.query, query.from_user.id) == ("promosi", USER)
    with pytest.raises(BadRequest, match="Result_id_duplicate"):
        await query.answer([article("a"), article("a")])
    assert await query.answer([article("a"), article("b")], cache_time=300, is_personal=False)
    answer = api.inline_answers[query.id]
    assert [r["id"] for r in answer["results"]] == ["a", "b"] and answer["cache_time"] == 300
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer([])


# ------------------------------------------------------------------------------ getUpdates


@pytest.mark.slow
@pytest.mark.asyncio
async def test_long_polling_returns_update_pushed_after_call_started(api, bot):
    started = time.monotonic()
    task = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not task.done()
    api.send_text(USER, "/start@umkm_coach_bot halo")
    [update] = await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 1.5
    message = update.message
    assert message.text == "/start@umkm_coach_bot halo" and message.from_user.language_code == "id"
    assert message.from_user.first_name == "Budi" and message.chat.type == "private"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 21)]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_long_poll_times_out_empty(api, bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=400)) == ()
    assert 0.35 < time.monotonic() - started < 1.5


@pytest.mark.slow
@pytest.mark.asyncio
async def test_offset_confirms_updates(api, bot):
    ids = [api.send_text(USER, f"pesan {i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # not confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[1:2]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert api.pending_updates == []
    more = [api.push_update({"message": {"message_id": 99, "date": 0, "chat": {"id": 1, "type": "private"},
                                         "text": str(i)}}) for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u["update_id"] for u in api.pending_updates] == more[-1:]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_updates_survive_a_new_bot_and_newer_poll_terminates_older(api):
    api.send_text(USER, "sebelum restart")
    async with make_bot(api) as first:
        assert len(await first.get_updates()) == 1  # received but never confirmed ("killed")
    async with make_bot(api) as second, make_bot(api) as third:
        [update] = await second.get_updates()
        assert update.message.text == "sebelum restart"
        waiting = asyncio.create_task(second.get_updates(offset=update.update_id + 1, timeout=5))
        await asyncio.sleep(0.2)
        assert await third.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(waiting, 2)
    assert api.errors == []  # being superseded is not an invalid request


# ------------------------------------------------------------------------------ faults


@pytest.mark.slow
@pytest.mark.asyncio
async def test_fault_500_raises_and_records_nothing(api, bot):
    api.set_faults(1.0, kinds=("500",))
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "halo")
    assert api.sent(USER) == [] and [f[2] for f in api.faults] == ["500"]
    await bot.get_me()  # not faulted by default
    api.set_faults(0)
    await bot.send_message(USER, "halo")
    assert [m["message_id"] for m in api.sent(USER)] == [1]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_fault_429_gives_retry_after(api, bot):
    api.set_faults(1.0, kinds=("429",), retry_after=7, methods=["sendMessage"])
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(USER, "halo")
    assert "retry in 7" in str(exc.value).lower()
    assert await bot.set_my_commands([BotCommand("start", "Mulai")])  # other methods unaffected
    assert api.sent(USER) == [] and api.commands_for()[0]["command"] == "start"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_fault_drop_and_timeout(api):
    async with make_bot(api, request=HTTPXRequest(read_timeout=0.3)) as bot:
        api.set_faults(1.0, kinds=("drop",))
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "halo")
        api.set_faults(1.0, kinds=("timeout",), timeout_seconds=0.8)
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "halo")
        api.set_faults(0)
        await bot.send_message(USER, "halo")
    assert [m["message_id"] for m in api.sent(USER)] == [1]
    assert [f[2] for f in api.faults] == ["drop", "timeout"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_fault_rate_is_deterministic_per_seed(api, bot):
    async def run() -> list[str]:
        api.set_faults(0.5, kinds=("500", "429"), seed=3)
        outcomes = []
        for _ in range(12):
            try:
                await bot.send_message(USER, "halo")
                outcomes.append("ok")
            except RetryAfter:
                outcomes.append("429")
            except NetworkError:
                outcomes.append("500")
        return outcomes

    first, second = await run(), await run()
    assert first == second and {"ok", "429", "500"} <= set(first)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_blocked_user_gives_forbidden(api, bot):
    api.block_user(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "halo")
    with pytest.raises(Forbidden):
        await bot.send_document(USER, b"data", filename="data.json")
    await bot.send_message(USER + 1, "halo")
    assert api.sent(USER) == [] and api.errors == []
    api.unblock_user(USER)
    await bot.send_message(USER, "halo")


# ------------------------------------------------------------------------------ files


@pytest.mark.slow
@pytest.mark.asyncio
async def test_send_document_stores_bytes(api, bot):
    data = bytes(range(256)) * 4 + b"\r\n--boundary\r\n\r\n" + b"\x00" * 10
    msg = await bot.send_document(USER, data, filename='laporan "Q1".csv',
                                  caption="<b>Laporan</b> bulanan", parse_mode="HTML",
                                  reply_markup=keyboard("unduh"))
    assert msg.document.file_name == 'laporan "Q1".csv' and msg.document.file_size == len(data)
    assert msg.caption == "Laporan bulanan" and msg.caption_entities[0].type == "bold"
    [sent] = api.sent(USER)
    assert sent["method"] == "sendDocument" and sent["text"] is None
    assert sent["document"]["filename"] == 'laporan "Q1".csv' and sent["document"]["bytes"] == data
    assert sent["caption"] == "<b>Laporan</b> bulanan" and sent["reply_markup"]["inline_keyboard"]
    assert api.calls_to("sendDocument")[0]["chat_id"] == USER  # multipart fields decoded too
    with pytest.raises(BadRequest, match="Wrong file identifier"):  # the bot only uploads
        await bot.send_document(USER, "tidak-ada")


@pytest.mark.slow
@pytest.mark.asyncio
async def test_send_photo_checks_image(api, bot):
    msg = await bot.send_photo(USER, tiny_png(3, 2), caption="grafik")
    assert (msg.photo[-1].width, msg.photo[-1].height) == (3, 2)
    assert api.sent(USER)[0]["photo"]["bytes"] == tiny_png(3, 2)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, b"bukan gambar")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, tiny_png(), caption="x" * 1025)
    assert len(api.sent(USER)) == 1


# ------------------------------------------------------------------------------ other methods


@pytest.mark.slow
@pytest.mark.asyncio
async def test_commands_per_scope_and_language(api, bot):
    await bot.set_my_commands([BotCommand("start", "Mulai"), BotCommand("bantuan", "Bantuan")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("laporan", "Laporan")], scope=BotCommandScopeAllPrivateChats())
    assert [c["command"] for c in api.commands_for()] == ["start", "bantuan"]
    assert [c["description"] for c in api.commands_for(language_code="en")] == ["Start"]
    assert api.commands_for({"type": "all_private_chats"})[0]["command"] == "laporan"
    await bot.set_my_commands([], language_code="en")  # an empty menu removes it
    assert api.commands_for(language_code="en") == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Mulai-Sekarang", "x")])
    # a chat's own menu needs the chat: an operator who never wrote to the bot has none yet
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("statistik", "Statistik")], scope=BotCommandScopeChat(USER))
    api.send_text(USER, "/start")
    await bot.set_my_commands([BotCommand("statistik", "Statistik")], scope=BotCommandScopeChat(USER))
    assert api.commands_for({"type": "chat", "chat_id": USER})[0]["command"] == "statistik"


@pytest.mark.slow
def test_raw_error_shapes_and_method_names(api):
    def raw(path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(api.url + path, data=b"") as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    assert raw(f"/bot{api.token}/GETME")[1]["result"]["username"] == "umkm_coach_bot"  # case-insensitive
    # a method the bot never calls is not there: a test that needs it fails loudly
    assert raw(f"/bot{api.token}/sendSticker") == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert raw("/bot999:WRONG/getMe") == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert [e[2] for e in api.errors][-2:] == ["Not Found", "Unauthorized"]


@pytest.mark.slow
def test_wait_for_sent_times_out_with_helpful_message(api):
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"waiting for 1 bot message\(s\) in chat 4242; got 0"):
        api.wait_for_sent(USER, 1, timeout=0.2)
    assert time.monotonic() - started < 1


# ------------------------------------------------------------------------------ webhook


class _Receiver:
    """A tiny webhook endpoint that checks the secret like PTB does."""

    def __init__(self, secret: str, fail_first: int = 0):
        self.secret = secret
        self.fail_first = fail_first
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("X-Telegram-Bot-Api-Secret-Token") != receiver.secret:
                    status = 403
                elif receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    status = 500
                else:
                    receiver.received.append(json.loads(body))
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_webhook_delivery_secret_and_switching_back(api, bot):
    receiver = _Receiver("rahasia_123", fail_first=1)
    api.webhook_retry_delay = 0.05
    try:
        assert await bot.set_webhook(receiver.url, secret_token="rahasia_123")
        assert api.webhook == {"url": receiver.url, "secret_token": "rahasia_123"}
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        ids = [api.send_text(USER, f"pesan {i}") for i in range(3)]
        assert await api.wait_for_async(lambda a: len(receiver.received) == 3, timeout=3)
        assert [u["update_id"] for u in receiver.received] == ids  # in order, first one retried
        assert api.webhook_deliveries[0] == (ids[0], 500)

        assert api.post_to_webhook({"message": {"text": "x"}}, secret="salah") == 403
        assert api.post_to_webhook({"message": {"text": "x"}}, secret=None) == 403
        assert api.post_to_webhook({"message": {"text": "x"}}) == 200  # registered secret

        assert await bot.delete_webhook()
        later = api.send_text(USER, "setelah webhook dihapus")
        [update] = await bot.get_updates()
        assert update.update_id == later and len(receiver.received) == 4
        await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.get_updates() == ()
        with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
            await bot.set_webhook(receiver.url, secret_token="bad secret!")
    finally:
        receiver.close()


# ------------------------------------------------------------------------------ full PTB application


@pytest.mark.slow
@pytest.mark.asyncio
async def test_ptb_application_polling_round_trip(api):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html(f"Halo <b>{update.effective_user.first_name}</b>!",
                                        reply_markup=keyboard("lanjut"))

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"Dipilih: {update.callback_query.data}")

    app = (Application.builder().token(api.token).base_url(f"{api.url}/bot")
           .base_file_url(f"{api.url}/file/bot").build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        api.send_text(USER, "/start", first_name="Siti")
        [menu] = await api.wait_for_sent_async(USER, 1, timeout=3)
        assert menu["text"] == "Halo <b>Siti</b>!" and menu["parse_mode"] == "HTML"
        api.press_button(USER, menu["message_id"], "lanjut")
        assert await api.wait_for_async(lambda a: a.sent(USER)[0]["edits"] == 1, timeout=3)
        assert api.sent(USER)[0]["text"] == "Dipilih: lanjut" and len(api.answered_callbacks) == 1
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert api.errors == []
    assert api.pending_updates == []  # the updater confirmed what it processed on stop


# ------------------------------------------------------------------------------ pure function


@pytest.mark.parametrize("text, expected", [
    ("<b>tebal</b> <i>miring</i> &lt;tag&gt; &amp; &quot; &#65; &#x41;", None),
    ('<pre><code class="language-python">x</code></pre><blockquote expandable>q</blockquote>', None),
    ('<a href="https://t.me/x">t</a><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', None),
    ("<b>x", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b"),
    ("<b><i>x</b></i>", "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, "
                        'expected "</i>", found "</b>"'),
    ("</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 0"),
    ("<br>", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 0'),
    ("x <b", "Bad Request: can't parse entities: Unclosed start tag at byte offset 2"),
    ('<a href="x" title>y</a>', None),  # valueless attribute is fine, invalid link just dropped
    ("a & b", 'Bad Request: can\'t parse entities: Character "&" at byte offset 2 must be escaped as "&amp;"'),
    ("&copy;", 'Bad Request: can\'t parse entities: Unsupported HTML entity "&copy;" at byte offset 0'),
    ("&lt", 'Bad Request: can\'t parse entities: HTML entity "&lt" at byte offset 0 must be terminated by ";"'),
    ("<span>x</span>", 'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<b></b>  ", "Bad Request: message text is empty"),
    ("", "Bad Request: message text is empty"),
    ("x" * 4096, None),
    ("<i>" + "x" * 4097 + "</i>", "Bad Request: message is too long"),
])
def test_telegram_html_error(text, expected):
    assert telegram_html_error(text) == expected
