"""`umkm-coach telegram` as a real process against the fake Bot API: /start to a plan, killed midway."""
from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader


from tests.fakes import FakeBotAPI

pytestmark = pytest.mark.slow   # `umkm-coach telegram` processes against the fake server over HTTP

OWNER = 4242


def start_bot(api: FakeBotAPI, db: Path, log: Path) -> subprocess.Popen:
    # Quiet hours off: the check-in below must arrive whatever the hour in Jakarta when CI runs
    # (tests/test_checkins.py covers the quiet hours with a clock of its own).
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, COACH_DB=str(db),
               COACH_QUIET_HOURS="off")
    env.pop("WEBHOOK_URL", None)
    return subprocess.Popen([sys.executable, "-m", "bot", "telegram"], env=env, cwd=db.parent,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def wait_for_question(api: FakeBotAPI, question: str, after: int) -> dict:
    """Wait for a message (new, or edited in place) offering the buttons of `question`."""
    def ready(a):
        return any(any(d.startswith(f"a:{question}:") for d in buttons(m)) and (m["message_id"] > after or m["edits"])
                   for m in a.sent(OWNER))
    assert api.wait_for(ready, timeout=20), [m["text"][:60] for m in api.sent(OWNER)[-3:]]
    return next(m for m in reversed(api.sent(OWNER)) if any(d.startswith(f"a:{question}:") for d in buttons(m)))


def last_id(api: FakeBotAPI) -> int:
    return max((m["message_id"] for m in api.sent(OWNER)), default=0)


def answer(api: FakeBotAPI, text: str, next_question: str) -> dict:
    after = last_id(api)
    api.send_text(OWNER, text)
    return wait_for_question(api, next_question, after)


def press(api: FakeBotAPI, data: str, next_question: str) -> dict:
    message = next(m for m in reversed(api.sent(OWNER)) if data in buttons(m))
    after = last_id(api)
    api.press_button(OWNER, message["message_id"], data)
    return wait_for_question(api, next_question, after)


def days_pass(db: Path, owner: int) -> None:
    """While the bot is stopped, its owner's reminder falls due (as if the days had gone by)."""
    with sqlite3.connect(db) as conn:
        state = json.loads(conn.execute("SELECT state FROM owners WHERE id = ?", [owner]).fetchone()[0])
        assert state["reminders"], "no reminder was set"
        for reminder in state["reminders"]:
            reminder["due"] = time.time() - 60
        conn.execute("UPDATE owners SET state = ?, next_checkin = ? WHERE id = ?",
                     [json.dumps(state), time.time() - 60, owner])


def checkin_questions(api: FakeBotAPI) -> list[dict]:
    return [m for m in api.sent(OWNER) if "sudah dicoba?" in (m["plain_text"] or "")]


def outbox_empty(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def said(api: FakeBotAPI, words: str) -> bool:
    return any(words in (m["plain_text"] or "") for m in api.sent(OWNER))


def test_start_to_plan_with_kill_and_restart(tmp_path):
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    with FakeBotAPI() as api:
        bot = start_bot(api, db, log)
        try:
            api.send_text(OWNER, "/start")
            api.wait_for_sent(OWNER, 1, timeout=30)
            assert {c["command"] for c in api.commands_for(language_code="id")} >= {"start", "kembali", "cari"}
            api.send_text(OWNER, '<b>Toko</b> & "Anak" <script>')
            api.wait_for_sent(OWNER, 2, timeout=20)
            answer(api, "kue ulang tahun", "segmen")
            press(api, "a:segmen:ceruk", "nilai")
            answer(api, "ibu-ibu pengajian, wajib halal", "sarana_jumlah")

            bot.send_signal(signal.SIGKILL)   # midway: every acknowledged answer must survive
            bot.wait()
            bot = start_bot(api, db, log)

            press(api, "a:sarana_jumlah:sedikit", "sarana_nilai")
            press(api, "a:sarana_nilai:besar", "sarana_waktu")
            press(api, "a:sarana_waktu:cukup", "sarana_saluran")
            press(api, "a:sarana_saluran:offline", "hubungan")
            press(api, "a:hubungan:saran", "motivasi")
            tactics = press(api, "a:motivasi:retensi", "taktik")
            picks = [d for d in buttons(tactics) if d.startswith("a:taktik:") and not d.endswith("selesai")]
            for i, data in enumerate(picks[:3], 1):
                edits = tactics["edits"]
                api.press_button(OWNER, tactics["message_id"], data)
                assert api.wait_for(lambda a: next(m for m in a.sent(OWNER) if m["message_id"] ==
                                                   tactics["message_id"])["edits"] >= edits + 1, timeout=20)
                tactics = next(m for m in api.sent(OWNER) if m["message_id"] == tactics["message_id"])
                assert sum(label.startswith("✅") for label in
                           [b["text"] for row in tactics["reply_markup"]["inline_keyboard"] for b in row]) == i
            after = last_id(api)
            api.press_button(OWNER, tactics["message_id"], "a:taktik:selesai")
            assert api.wait_for(lambda a: any("Rencana aksi" in m["plain_text"] and m["message_id"] > after
                                              for m in a.sent(OWNER)), timeout=20)

            # the plan as a picture and a document, then a check-in in 3 days
            plan = next(m for m in reversed(api.sent(OWNER)) if "c:rencana_png" in buttons(m))
            api.press_button(OWNER, plan["message_id"], "c:rencana_png")
            api.press_button(OWNER, plan["message_id"], "c:rencana_pdf")
            assert api.wait_for(lambda a: any(m.get("document") for m in a.sent(OWNER)), timeout=30)
            api.press_button(OWNER, plan["message_id"], "r:3")
            assert api.wait_for(lambda a: said(a, "3 hari lagi"), timeout=20)

            bot.send_signal(signal.SIGKILL)   # down while the check-in falls due
            bot.wait()
            days_pass(db, OWNER)
            bot = start_bot(api, db, log)
            assert api.wait_for(lambda a: len(checkin_questions(a)) == 3, timeout=30)
            # Kill once more, after the bot has recorded its sends (a kill in the instant between
            # Telegram's OK and that record re-sends one message: delivery is at-least-once).
            assert api.wait_for(lambda a: outbox_empty(db), timeout=20)
            bot.send_signal(signal.SIGKILL)   # the check-in itself must not come twice
            bot.wait()
            bot = start_bot(api, db, log)
            api.send_text(OWNER, "/statistik")
            assert api.wait_for(lambda a: said(a, "khusus untuk pengelola"), timeout=30)
            time.sleep(2)   # the check-in job runs 1 s after start: give it the chance to misbehave
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
        texts = [m["plain_text"] or "" for m in api.sent(OWNER)]
        plan_text = next(t for t in reversed(texts) if "📋 Rencana aksi" in t)
        assert '<b>Toko</b> & "Anak" <script>' in plan_text
        assert "Kelompok khusus" in plan_text and plan_text.count("✅") == 3
        assert "Hubungan:" in plan_text
        picture = next(m["photo"] for m in api.sent(OWNER) if m.get("photo"))
        document = next(m["document"] for m in api.sent(OWNER) if m.get("document"))
        assert Image.open(io.BytesIO(picture["bytes"])).size[0] == 1080
        assert document["filename"].endswith(".pdf")
        assert "Toko" in PdfReader(io.BytesIO(document["bytes"])).pages[0].extract_text()
        assert len(checkin_questions(api)) == 3
        assert sum("Bagaimana kabar rencana" in (m["plain_text"] or "") for m in api.sent(OWNER)) == 1
        assert api.errors == [], api.errors
        callbacks = [c for c in api.calls if c[0] == "answerCallbackQuery"]
        assert len(callbacks) >= 9
        assert api.token not in log.read_text(errors="replace")


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret(tmp_path):
    port = _free_port()
    with FakeBotAPI() as api:
        env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url,
                   COACH_DB=str(tmp_path / "coach.db"), WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
                   WEBHOOK_SECRET="rahasia-123", PORT=str(port))
        bot = subprocess.Popen([sys.executable, "-m", "bot", "telegram"], env=env, cwd=tmp_path,
                               stdout=(tmp_path / "bot.log").open("wb"), stderr=subprocess.STDOUT)
        try:
            assert api.wait_for(lambda a: a.webhook and a.webhook.get("url"), timeout=30)
            api.send_text(OWNER, "/start")   # delivered by POST to the bot's webhook
            api.wait_for_sent(OWNER, 1, timeout=30)
            forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/ulang",
                      "chat": {"id": OWNER, "type": "private"},
                      "from": {"id": OWNER, "is_bot": False, "first_name": "X"}}}
            assert api.post_to_webhook(forged, secret="salah") == 403
            assert api.post_to_webhook(forged, secret=None) == 403
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
        assert len(api.sent(OWNER)) == 1   # the forged /ulang changed nothing and got no reply


def test_sigterm_stops_the_bot_cleanly(tmp_path):
    """`docker stop` sends SIGTERM: the bot stops within seconds, exit code 0, answers kept."""
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    with FakeBotAPI() as api:
        bot = start_bot(api, db, log)
        try:
            api.send_text(OWNER, "/start")
            api.send_text(OWNER, "Laundry Kilat")
            api.wait_for_sent(OWNER, 2, timeout=30)
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(timeout=15) == 0, log.read_text(errors="replace")[-2000:]
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait()
    with sqlite3.connect(db) as conn:
        state = json.loads(conn.execute("SELECT state FROM owners WHERE id = ?", [OWNER]).fetchone()[0])
    assert state["answers"]["nama"] == "Laundry Kilat"
