"""`umkm-coach whatsapp` as a real process against the fake Graph API: "halo" to a plan, killed midway, no limit broken."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.channels.whatsapp import owner_of
from tests.fakes import FakeGraphAPI
from tests.running import _wait_for_port, free_port
from tests.test_channels import SCRIPT
from tests.test_e2e_telegram import days_pass

pytestmark = pytest.mark.slow   # real processes over HTTP

OWNER = "6285712345678"


def start(api: FakeGraphAPI, db: Path, log: Path, port: int, template: str = "") -> subprocess.Popen:
    env = dict(os.environ, WHATSAPP_TOKEN=api.token, WHATSAPP_APP_SECRET=api.app_secret,
               WHATSAPP_VERIFY_TOKEN="verify-me", WHATSAPP_PHONE_NUMBER_ID=api.phone_number_id,
               WHATSAPP_API_URL=api.url, WHATSAPP_CHECKIN_TEMPLATE=template, PORT=str(port),
               LISTEN_HOST="127.0.0.1", COACH_DB=str(db), COACH_QUIET_HOURS="off", LOG_LEVEL="DEBUG")
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "bot", "whatsapp"], env=env, cwd=db.parent,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT)
    _wait_for_port(port, timeout=30)
    return process


def settled(api: FakeGraphAPI, before: int) -> list[dict]:
    assert api.wait_for(lambda a: len(a.sent_to(OWNER)) > before, timeout=20), "no reply"
    count = -1
    while count != len(api.sent_to(OWNER)):
        count = len(api.sent_to(OWNER))
        time.sleep(0.4)
    return api.sent_to(OWNER)[before:]


def say(api: FakeGraphAPI, text: str) -> list[dict]:
    before = len(api.sent_to(OWNER))
    assert api.write(OWNER, text) == 200
    return settled(api, before)


def choose(api: FakeGraphAPI, choice_id: str) -> list[dict]:
    offered = [i for m in api.sent_to(OWNER) for i, _ in api.choices(m)]
    assert choice_id in offered, (choice_id, offered[-12:])
    before = len(api.sent_to(OWNER))
    assert api.press(OWNER, choice_id) == 200
    return settled(api, before)


def offered(api: FakeGraphAPI) -> list[str]:
    return [i for i, _ in api.choices(api.interactive_to(OWNER))]


def test_halo_to_a_plan_over_http_killed_midway(tmp_path):
    db, log, port = tmp_path / "coach.db", tmp_path / "coach.log", free_port()
    with FakeGraphAPI(webhook_url=f"http://127.0.0.1:{port}/whatsapp") as api:
        coach = start(api, db, log, port)
        try:
            assert "nama usaha" in api.text_of(say(api, "halo")[-1]).lower()
            say(api, "Katering Bu Rahma")
            say(api, "nasi kotak dan tumpeng buat acara kantor")
            choose(api, "a:segmen:ceruk")                               # a list row
            say(api, "kantor dan sekolah, wajib halal, pesan lewat WA")
            coach.send_signal(signal.SIGKILL)                           # killed between two answers
            coach.wait()
            coach = start(api, db, log, port)
            say(api, "paling 40 sebulan")                               # typed: a count per month
            choose(api, "a:sarana_nilai:besar")                         # reply buttons
            say(api, "cukup, ada karyawan")
            say(api, "dua2nya")
            relationship = say(api, "terserah")
            assert any("motivasi" in i for i in offered(api)), [api.text_of(m)[:80] for m in relationship]
            say(api, "biar pelanggan balik lagi")
            tactics = [i for i in offered(api) if i.startswith("a:taktik:") and i != "a:taktik:selesai"]
            choose(api, tactics[0])
            say(api, "2")
            plan = choose(api, "a:taktik:selesai")
            assert any("Katering Bu Rahma" in api.text_of(m) for m in plan)
        finally:
            coach.send_signal(signal.SIGTERM)
            assert coach.wait(timeout=20) == 0
        with sqlite3.connect(db) as conn:
            state = json.loads(conn.execute("SELECT state FROM owners WHERE id = ?", [owner_of(OWNER)]).fetchone()[0])
        assert state["step"] == "selesai" and len(state["plan"]) == 2
        assert state["answers"]["nilai"].startswith("kantor dan sekolah")   # answered before the kill: kept
        assert api.violations == []
        text = log.read_text()
        assert api.token not in text and api.app_secret not in text and "verify-me" not in text
        assert "Traceback" not in text


def test_a_check_in_outside_the_window_goes_as_the_template_then_first_when_the_owner_writes(tmp_path):
    db, log, port = tmp_path / "coach.db", tmp_path / "coach.log", free_port()
    with FakeGraphAPI(webhook_url=f"http://127.0.0.1:{port}/whatsapp") as api:
        coach = start(api, db, log, port, template="cek_rencana")
        try:
            for line in ["halo", *SCRIPT[1:], "ingatkan 3 hari lagi"]:
                say(api, line)
        finally:
            coach.send_signal(signal.SIGTERM)
            coach.wait(timeout=20)
        three_days_later(db, owner_of(OWNER))
        api.age(OWNER, 72)
        before = len(api.sent_to(OWNER))
        coach = start(api, db, log, port, template="cek_rencana")
        try:
            assert api.wait_for(lambda a: len(a.sent_to(OWNER)) > before, timeout=20)
            time.sleep(1)
            nudged = api.sent_to(OWNER)[before:]
            assert [m["type"] for m in nudged] == ["template"]          # free text would break the window
            reply = say(api, "oke")
            assert "sudah dicoba?" in api.text_of(reply[1]) and "Sudah 3 hari" in api.text_of(reply[0])
        finally:
            coach.send_signal(signal.SIGTERM)
            coach.wait(timeout=20)
        assert api.violations == []


def three_days_later(db: Path, owner: int) -> None:
    """While the coach is stopped, the reminder falls due and the owner's last message ages three days."""
    days_pass(db, owner)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE owners SET updated_at = ? WHERE id = ?", [time.time() - 72 * 3600, owner])


def test_serve_runs_telegram_and_whatsapp_in_one_process_on_one_database(tmp_path):
    from tests.fakes import FakeBotAPI
    db, log, port = tmp_path / "coach.db", tmp_path / "coach.log", free_port()
    with FakeGraphAPI(webhook_url=f"http://127.0.0.1:{port}/whatsapp") as graph, FakeBotAPI() as bot_api:
        env = dict(os.environ, WHATSAPP_TOKEN=graph.token, WHATSAPP_APP_SECRET=graph.app_secret,
                   WHATSAPP_VERIFY_TOKEN="verify-me", WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
                   WHATSAPP_API_URL=graph.url, TELEGRAM_BOT_TOKEN=bot_api.token, TELEGRAM_API_URL=bot_api.url,
                   PORT=str(port), LISTEN_HOST="127.0.0.1", COACH_DB=str(db), COACH_QUIET_HOURS="off")
        env.pop("WEBHOOK_URL", None)
        serve = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, cwd=tmp_path,
                                 stdout=log.open("ab"), stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, timeout=30)
            assert "nama usaha" in api_text(say(graph, "halo")).lower()
            bot_api.send_text(4242, "/start")
            assert bot_api.wait_for(lambda a: a.sent(4242), timeout=20)
            second = subprocess.run([sys.executable, "-m", "bot", "serve"], env=env, cwd=tmp_path,
                                    capture_output=True, text=True, timeout=60)
            assert second.returncode != 0 and "umkm-coach:" in second.stderr   # one process owns a database
        finally:
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(timeout=20) == 0
        with sqlite3.connect(db) as conn:
            owners = {r[0] for r in conn.execute("SELECT id FROM owners")}
        assert owners == {4242, owner_of(OWNER)} and graph.violations == []


def api_text(messages: list[dict]) -> str:
    return FakeGraphAPI.text_of(messages[-1])
