"""What operators and disks do to a running coach, done for real: processes, HTTP, a full tmpfs, a read-only mount."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from bot.channels.telegram import poll
from bot.channels.telegram import webhook
from bot.config import Settings
from bot.storage import Storage
from tests.fakes import FakeBotAPI
from tests.running import coach_in_thread

pytestmark = pytest.mark.slow

OWNER = 5151
NAME_QUESTION, PRODUCT_QUESTION = "nama usaha", "Apa yang Anda jual"
APOLOGY = "catatan saya sedang bermasalah"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def coach_process(api: FakeBotAPI, db: Path, log: Path, *args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.url,
                   "COACH_DB": str(db), "COACH_QUIET_HOURS": "off", **env}
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "LISTEN_HOST", "PORT"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "bot", *(args or ("telegram",))], env=environment,
                            cwd=db.parent, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()


def texts(api: FakeBotAPI, chat: int = OWNER) -> list[str]:
    return [m["plain_text"] for m in api.sent(chat)]


def said(api: FakeBotAPI, words: str, chat: int = OWNER) -> int:
    return sum(words in t for t in texts(api, chat))


def one_line_without_traceback(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


# ---- update ids that restart lower

def test_polling_answers_after_telegram_restarts_update_ids(coach, tmp_path):
    with FakeBotAPI() as api, coach_in_thread(coach, api, tmp_path / "coach.db", lambda app: poll(app, timeout=1)):
        api.restart_update_ids(70_000)
        api.send_text(OWNER, "/start")
        api.wait_for(lambda a: said(a, NAME_QUESTION) == 1, timeout=20)
        quiet = len(api.calls_to("getUpdates"))
        assert api.wait_for(lambda a: len(a.calls_to("getUpdates")) > quiet + 1, timeout=20)   # a quiet spell
        api.restart_update_ids(12)   # what Telegram may do after a week without updates
        assert api.send_text(OWNER, "Warung Bu Sri") < 70_000
        assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=20), texts(api)


def test_webhook_answers_after_telegram_restarts_update_ids_and_a_replay_once(tmp_path):
    port = free_port()
    with FakeBotAPI() as api:
        bot = coach_process(api, tmp_path / "coach.db", tmp_path / "bot.log",
                            WEBHOOK_URL=f"http://127.0.0.1:{port}/tg", PORT=str(port), WEBHOOK_SECRET="rahasia-1")
        try:
            assert api.wait_for(lambda a: a.webhook is not None, timeout=30)
            api.restart_update_ids(70_000)
            api.send_text(OWNER, "/start")
            assert api.wait_for(lambda a: said(a, NAME_QUESTION) == 1, timeout=20)
            api.restart_update_ids(12)
            api.send_text(OWNER, "Warung Bu Sri")
            assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=20), texts(api)
            replay = {"update_id": 13, "message": {"message_id": 900, "date": 0, "text": "nasi pecel",
                                                   "chat": {"id": OWNER, "type": "private"},
                                                   "from": {"id": OWNER, "is_bot": False, "first_name": "Sri"}}}
            assert api.post_to_webhook(replay) == 200
            answered = len(texts(api))
            assert api.post_to_webhook(replay) == 200   # Telegram sent it again: answered once
            time.sleep(0.5)
            assert len(texts(api)) == answered
        finally:
            stop(bot)
        assert "skipped update m:5151:900: already handled" in (tmp_path / "bot.log").read_text()


# ---- one process per database; quiet logs

def test_a_second_process_is_refused_in_one_line_and_the_first_goes_on(tmp_path):
    db, port = tmp_path / "coach.db", free_port()
    with FakeBotAPI() as api:
        first = coach_process(api, db, tmp_path / "first.log")
        try:
            assert api.wait_for(lambda a: a.calls_to("getUpdates"), timeout=30)
            second = coach_process(api, db, tmp_path / "second.log")
            assert second.wait(timeout=30) == 1
            line = one_line_without_traceback((tmp_path / "second.log").read_text())
            assert f"pid {first.pid}" in line and str(db) in line
            webhook_one = coach_process(api, tmp_path / "w1.db", tmp_path / "w1.log", WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
                                        PORT=str(port), LISTEN_HOST="127.0.0.1")
            try:
                assert api.wait_for(lambda a: a.webhook is not None, timeout=30)
                webhook_two = coach_process(api, tmp_path / "w2.db", tmp_path / "w2.log",
                                            WEBHOOK_URL=f"http://127.0.0.1:{port}/tg", PORT=str(port),
                                            LISTEN_HOST="127.0.0.1")
                assert webhook_two.wait(timeout=30) == 1
                log = (tmp_path / "w2.log").read_text()
                assert "Traceback" not in log and f"cannot listen on 127.0.0.1:{port}" in log
            finally:
                stop(webhook_one)
            time.sleep(6)   # more than one outbox sweep: the scheduler's runs stay out of the log
            log = (tmp_path / "first.log").read_text()
        finally:
            stop(first)
    info = [line for line in log.splitlines() if " INFO " in line]
    assert not any("apscheduler" in line for line in log.splitlines()), log
    assert len(info) <= 3, log


# ---- webhooks

def test_webhook_without_a_secret_generates_one_and_refuses_forged_calls(tmp_path):
    port, db = free_port(), tmp_path / "coach.db"
    with FakeBotAPI() as api:
        bot = coach_process(api, db, tmp_path / "bot.log", WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
                            PORT=str(port))
        try:
            assert api.wait_for(lambda a: a.webhook is not None, timeout=30)
            assert len(api.webhook["secret_token"] or "") >= 32
            api.send_text(OWNER, "/start")
            api.send_text(OWNER, "Warung Bu Sri")
            assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=20)
            for n, words in enumerate(["/hapusdata", "ya"]):
                forged = {"update_id": 800 + n, "message": {
                    "message_id": 800 + n, "date": 0, "text": words, "chat": {"id": OWNER, "type": "private"},
                    "from": {"id": OWNER, "is_bot": False, "first_name": "X"},
                    **({"entities": [{"type": "bot_command", "offset": 0, "length": 10}]} if n == 0 else {})}}
                assert api.post_to_webhook(forged, secret=None) == 403
            health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            assert health.status == 200
        finally:
            stop(bot)
    assert "generated a new secret" in (tmp_path / "bot.log").read_text()
    with sqlite3.connect(db) as conn:
        assert "Warung Bu Sri" in conn.execute("SELECT state FROM owners WHERE id = ?", [OWNER]).fetchone()[0]


def test_an_update_the_database_refused_comes_back_through_the_webhook(coach, tmp_path):
    port = free_port()
    with FakeBotAPI() as api:
        settings = Settings(token=api.token, api_url=api.url, webhook_url=f"http://127.0.0.1:{port}/tg", port=port,
                            listen_host="127.0.0.1")
        api.webhook_max_attempts = 1000   # Telegram keeps trying for a long while
        with coach_in_thread(coach, api, tmp_path / "coach.db",
                             lambda app: webhook.serve(app, settings)) as service:
            assert api.wait_for(lambda a: a.webhook is not None, timeout=30)
            api.send_text(OWNER, "/start")
            assert api.wait_for(lambda a: said(a, NAME_QUESTION) == 1, timeout=20)
            service.storage.db.execute("PRAGMA query_only=1")   # SQLite refuses every write from here
            update_id = api.send_text(OWNER, "Warung Bu Sri")
            assert api.wait_for(lambda a: said(a, APOLOGY) == 1, timeout=20), texts(api)
            assert api.wait_for(lambda a: (update_id, 503) in a.webhook_deliveries, timeout=20)
            with pytest.raises(urllib.error.HTTPError) as unhealthy:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            assert unhealthy.value.code == 503
            time.sleep(1)
            assert said(api, PRODUCT_QUESTION) == 0
            service.storage.db.execute("PRAGMA query_only=0")
            assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=30), texts(api)
            assert api.wait_for(lambda a: (update_id, 200) in a.webhook_deliveries, timeout=10)
            assert said(api, APOLOGY) == 1 and said(api, PRODUCT_QUESTION) == 1


# ---- the disk

@contextmanager
def small_disk(folder: Path, size: str = "2m"):
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() or 'not permitted'})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb") as out, suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


def test_a_full_disk_loses_nothing_doubles_nothing_and_recovers_by_itself(tmp_path):
    with small_disk(tmp_path / "disk") as disk, FakeBotAPI() as api:
        db = disk / "coach.db"
        bot = coach_process(api, db, tmp_path / "bot.log")
        try:
            api.send_text(OWNER, "/start")
            assert api.wait_for(lambda a: said(a, NAME_QUESTION) == 1, timeout=30)
            with sqlite3.connect(db) as conn:   # an empty -wal: the next write must grow a file
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            filler = fill(disk)
            api.send_text(OWNER, "Warung Bu Sri")
            assert api.wait_for(lambda a: said(a, APOLOGY) == 1, timeout=30), texts(api)
            polls = len(api.calls_to("getUpdates"))
            time.sleep(4)
            assert said(api, PRODUCT_QUESTION) == 0 and len(api.calls_to("getUpdates")) - polls <= 4   # no storm
            filler.unlink()
            assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=60), texts(api)
            time.sleep(6)   # a sweep or two later: nothing comes twice
        finally:
            stop(bot)
        assert said(api, APOLOGY) == 1 and said(api, PRODUCT_QUESTION) == 1 and said(api, NAME_QUESTION) == 1
        log = (tmp_path / "bot.log").read_text()
        assert "Traceback" not in log and "database cannot be written" in log


def test_a_deleted_database_stops_the_bot_with_its_state_saved_and_no_silent_fresh_start(tmp_path):
    db, log = tmp_path / "coach.db", tmp_path / "bot.log"
    with FakeBotAPI() as api:
        bot = coach_process(api, db, log)
        try:
            api.send_text(OWNER, "/start")
            api.send_text(OWNER, "Warung Bu Sri")
            assert api.wait_for(lambda a: said(a, PRODUCT_QUESTION) == 1, timeout=30)
            db.unlink()
            assert bot.wait(timeout=30) == 1
        finally:
            stop(bot)
        errors = [line for line in log.read_text().splitlines() if " ERROR " in line]
        assert len(errors) == 1 and "deleted" in errors[0] and "rescued" in errors[0], log.read_text()
        assert "Traceback" not in log.read_text()
        rescued = next(tmp_path.glob("coach.db.rescued-*"))
        with sqlite3.connect(rescued) as conn:
            assert "Warung Bu Sri" in conn.execute("SELECT state FROM owners").fetchone()[0]
        again = coach_process(api, db, tmp_path / "again.log")
        assert again.wait(timeout=30) == 1
        assert "pernah berjalan" in one_line_without_traceback((tmp_path / "again.log").read_text())
        assert not db.exists()


# ---- files the coach will not start on

def chat(db: Path, log: Path, user: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COACH_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "bot", "chat"], input="", capture_output=True, text=True,
                          env=env, cwd=db.parent, timeout=60, user=user)


@pytest.mark.parametrize(("content", "words"), [(b"", "kosong (0 byte)"),
                                                 (b"SQLite format 3\0" + b"\x07" * 5000, "rusak")])
def test_an_empty_or_corrupt_database_is_refused_in_one_line_and_kept(tmp_path, content, words):
    db = tmp_path / "coach.db"
    db.write_bytes(content)
    done = chat(db, tmp_path / "chat.log")
    assert done.returncode == 1 and done.stdout == ""
    assert words in one_line_without_traceback(done.stderr)
    assert db.read_bytes() == content


def test_a_read_only_database_is_refused_in_one_line(tmp_path, coach):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "coach.db"
    Storage(db).close()
    before = db.read_bytes()
    if os.geteuid() != 0:
        db.chmod(0o444)
        folder.chmod(0o555)
    else:   # root writes through file modes: a read-only bind mount is what binds root too
        bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
        if bound.returncode != 0:
            pytest.skip(f"cannot bind-mount here ({bound.stderr.strip() or 'not permitted'})")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
    try:
        done = chat(db, tmp_path / "chat.log")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        else:
            folder.chmod(0o755)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tidak bisa ditulis" in one_line_without_traceback(done.stderr)
    assert db.read_bytes() == before
