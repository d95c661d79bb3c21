"""`umkm-coach telegram` as a real process against the fake Bot API: /start to a plan, killed midway."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


from tests.fakebotapi import FakeBotAPI

OWNER = 4242


def start_bot(api: FakeBotAPI, db: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, COACH_DB=str(db))
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


def test_start_to_plan_with_kill_and_restart(tmp_path):
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    with FakeBotAPI() as api:
        bot = start_bot(api, db, log)
        try:
            api.send_text(OWNER, "/start")
            api.wait_for_sent(OWNER, 2, timeout=30)
            assert {c["command"] for c in api.commands_for(language_code="id")} >= {"start", "kembali", "cari"}
            api.send_text(OWNER, '<b>Toko</b> & "Anak" <script>')
            api.wait_for_sent(OWNER, 3, timeout=20)
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
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
        texts = [m["plain_text"] for m in api.sent(OWNER)]
        plan_text = next(t for t in reversed(texts) if "Rencana aksi" in t)
        assert '<b>Toko</b> & "Anak" <script>' in plan_text
        assert "Kelompok khusus" in plan_text and plan_text.count("✅") == 3
        assert "Hubungan:" in plan_text
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
            api.wait_for_sent(OWNER, 2, timeout=30)
            forged = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/ulang",
                      "chat": {"id": OWNER, "type": "private"},
                      "from": {"id": OWNER, "is_bot": False, "first_name": "X"}}}
            assert api.post_to_webhook(forged, secret="salah") == 403
            assert api.post_to_webhook(forged, secret=None) == 403
        finally:
            bot.send_signal(signal.SIGKILL)
            bot.wait()
        assert len(api.sent(OWNER)) == 2   # the forged /ulang changed nothing and got no reply
