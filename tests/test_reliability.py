"""Repeats known by what they are, replies never sent twice when the database refuses, erasure that leaves no bytes, one owner per database."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.app.service import CoachService, StorageUnavailable
from bot.channels.base import Incoming
from bot.core.model import Command, Press, Start, Text
from bot.storage import Storage
from bot.storage.guard import Refused, open_for_running
from tests.collecting import CollectingChannel, deliver, handle

OWNER = 77


def refuse_writes(storage: Storage, refuse: bool = True) -> None:
    """SQLite's own read-only switch: every write then fails as on a read-only or full database."""
    storage.db.execute(f"PRAGMA query_only={int(refuse)}")


# ---- repeats

def test_a_message_seen_before_is_skipped_whatever_its_update_id(service):
    first = service.handle(CollectingChannel(), Incoming(OWNER, OWNER, Start(), key="m:77:1"))
    again = service.handle(CollectingChannel(), Incoming(OWNER, OWNER, Start(), key="m:77:1"))
    assert first and again == []


def test_update_ids_that_restart_lower_still_get_answers(service):
    """Telegram may number updates from a lower point after a quiet week: a new message is answered."""
    handle(service, OWNER, OWNER, Start(), update_id=90_001)
    handle(service, OWNER, OWNER, Text("Warung Bu Sri"), update_id=90_002)
    after_the_week = service.handle(CollectingChannel(), Incoming(OWNER, OWNER, Text("nasi pecel"), key="m:77:3"))
    assert after_the_week and service.storage.load(OWNER).answers["produk"] == "nasi pecel"


def test_deliveries_racing_for_one_owner_send_each_reply_once_in_order_and_keep_nothing_after(service):
    """A sweep and a handler may deliver to the same owner at once: one waits for the other. Once done,
    nothing of the owner stays in memory (a coach meeting a million owners must not keep a lock each)."""
    class SlowChannel(CollectingChannel):
        async def send(self, chat_id, message, file=None):
            await asyncio.sleep(0.01)   # the other delivery gets its turn meanwhile
            return await super().send(chat_id, message, file)

    channel = SlowChannel()
    handle(service, OWNER, OWNER, Start(), channel=channel)
    handle(service, OWNER, OWNER, Text("Warung Bu Sri"), channel=channel)
    handle(service, OWNER + 1, OWNER + 1, Start(), channel=channel)
    queued = [m.text for m in service.pending(OWNER)]

    async def race() -> None:
        await asyncio.gather(service.deliver(channel, OWNER), service.deliver(channel, OWNER),
                             service.deliver(channel, OWNER + 1))

    asyncio.run(race())
    assert [m.text for chat, m, _ in channel.sent if chat == OWNER] == queued
    assert service.pending() == [] and service.outbox._locks == {}


# ---- a database that refuses writes

def test_a_refused_write_commits_nothing_and_the_same_update_works_later(service):
    handle(service, OWNER, OWNER, Start(), update_id=1)
    refuse_writes(service.storage)
    with pytest.raises(StorageUnavailable):
        handle(service, OWNER, OWNER, Text("Laundry Kilat"), update_id=2)
    refuse_writes(service.storage, False)
    assert handle(service, OWNER, OWNER, Text("Laundry Kilat"), update_id=2)   # it came again: answered
    assert service.storage.load(OWNER).answers["nama"] == "Laundry Kilat"


def test_a_reply_sent_while_writes_fail_is_never_sent_again(service):
    channel = CollectingChannel()
    handle(service, OWNER, OWNER, Start(), channel=channel)
    refuse_writes(service.storage)   # the reply goes out, but marking it sent fails
    deliver(service, OWNER, channel)
    sent = len(channel.sent)

    async def sweeps(n: int) -> None:
        for _ in range(n):
            service.outbox._next_sweep = 0.0   # as if the back-off had passed
            await service.outbox.sweep(channel)

    asyncio.run(sweeps(3))
    assert len(channel.sent) == sent and service.storage.pending(OWNER)   # not resent, still unmarked
    refuse_writes(service.storage, False)
    asyncio.run(sweeps(1))
    assert len(channel.sent) == sent and service.storage.pending(OWNER) == []


def test_sweeps_back_off_while_the_database_refuses_writes(service):
    channel = CollectingChannel()
    handle(service, OWNER, OWNER, Start(), channel=channel)
    asyncio.run(service.outbox.sweep(channel))
    service.storage.db.execute("UPDATE outbox SET claimed_by = NULL")   # a leftover to take over ...
    refuse_writes(service.storage)                                      # ... which cannot be written now
    service.outbox._took_over = False
    waits = []
    for _ in range(4):
        service.outbox._next_sweep = 0.0
        asyncio.run(service.outbox.sweep(channel))
        waits.append(service.outbox._storage_wait)
    assert waits == sorted(waits) and waits[-1] > waits[0]   # each failure waits longer


# ---- erasure

SECRETS = ["Warung Zebrakopi", "kopi zebrasusu", "pelanggan zebrahalal", "Zulaikha", "zebratanya"]


def test_after_hapusdata_nothing_of_the_owner_is_left_in_any_database_file(tmp_path, coach):
    storage = Storage(tmp_path / "coach.db")
    service = CoachService(coach, storage)
    for action in [Start(), Text(SECRETS[0]), Text(SECRETS[1]), Text("kelompok khusus"), Text(SECRETS[2]),
                   Command("cari", SECRETS[4])]:
        handle(service, OWNER, OWNER, action, first_name=SECRETS[3])
    handle(service, OWNER, OWNER, Command("hapusdata"))
    handle(service, OWNER, OWNER, Press("c:hapus_ya"))
    deliver(service, OWNER)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("coach.db")]
    assert {p.name for p in files} >= {"coach.db", "coach.db-wal"}
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (path.name, secret)
    storage.close()


def test_erasure_leaves_nothing_behind_while_other_owners_keep_the_background_checkpoint_busy(tmp_path, coach):
    """Checkpoints run on their own thread: /hapusdata still empties the -wal file when one is under way."""
    storage = Storage(tmp_path / "coach.db")
    service = CoachService(coach, storage)
    handle(service, OWNER, OWNER, Start())
    handle(service, OWNER, OWNER, Text(SECRETS[0]))
    for n, owner in enumerate(range(1000, 1400)):   # enough commits for several background passes
        handle(service, owner, owner, Start())
        deliver(service, owner)
        if n in (99, 199, 299, 399):   # a pass was just started by this commit
            handle(service, OWNER, OWNER, Command("hapusdata"))
            handle(service, OWNER, OWNER, Press("c:hapus_ya"))
            data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("coach.db"))
            assert SECRETS[0].encode() not in data, n
            handle(service, OWNER, OWNER, Start())
            handle(service, OWNER, OWNER, Text(SECRETS[0]))
    storage.close()


# ---- one process per database

def test_a_second_owner_of_the_database_is_refused_naming_the_first(tmp_path):
    db = str(tmp_path / "coach.db")
    storage, lock = open_for_running(db)
    try:
        with pytest.raises(Refused) as refused:
            open_for_running(db)
        assert f"pid {__import__('os').getpid()}" in str(refused.value) and "\n" not in str(refused.value)
    finally:
        lock.release()
        storage.close()
    storage, lock = open_for_running(db)   # free again once the first let go
    lock.release()
    storage.close()


def test_a_reply_queued_by_one_process_is_sent_by_no_other(tmp_path, coach):
    db = tmp_path / "coach.db"
    first = CoachService(coach, Storage(db))
    handle(first, OWNER, OWNER, Start())
    queued = first.storage.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    second = Storage(db)
    assert queued and second.pending() == []             # not its claim
    first.storage.close()                                # the first process is gone ...
    assert second.claim_outbox() == queued
    assert second.pending(OWNER) and second.claim_outbox() == 0   # ... its successor took all, once
    second.close()


# ---- files the coach refuses to start on

@pytest.mark.parametrize("content", [b"", b"this is not a database, just some bytes" * 200])
def test_an_empty_or_damaged_file_is_refused_and_left_alone(tmp_path, content):
    db = tmp_path / "coach.db"
    db.write_bytes(content)
    with pytest.raises(Refused) as refused:
        open_for_running(str(db))
    assert ("kosong" if not content else "rusak") in str(refused.value)
    assert db.read_bytes() == content
    db.unlink()   # as the message suggests: start with no data
    storage, lock = open_for_running(str(db))
    lock.release()
    storage.close()


def test_a_database_deleted_after_use_is_not_silently_made_anew(tmp_path):
    db = str(tmp_path / "coach.db")
    storage, lock = open_for_running(db)
    lock.release()
    storage.close()
    Path(db).unlink()
    with pytest.raises(Refused) as refused:
        open_for_running(db)
    assert "cadangan" in str(refused.value) and not Path(db).exists()


def test_a_deleted_database_stops_the_coach_and_its_last_state_is_saved(service, tmp_path):
    handle(service, OWNER, OWNER, Start())
    handle(service, OWNER, OWNER, Text("Warung Bu Sri"))
    Path(service.storage.path).unlink()
    with pytest.raises(StorageUnavailable):
        handle(service, OWNER, OWNER, Text("nasi pecel"))
    assert service.lost == "deleted" and service.health() == "database deleted"
    rescued = [p for p in tmp_path.iterdir() if ".rescued-" in p.name]
    assert len(rescued) == 1
    assert Storage(rescued[0]).load(OWNER).answers["nama"] == "Warung Bu Sri"


# ---- backups

def test_backup_while_the_coach_writes_is_a_whole_database(tmp_path, coach):
    db, copy = tmp_path / "coach.db", tmp_path / "cadangan.db"
    service = CoachService(coach, Storage(db))
    stop = threading.Event()

    def owners_talk() -> None:
        owner = 1000
        while not stop.is_set():
            owner += 1
            handle(service, owner, owner, Start())
            handle(service, owner, owner, Text(f"Toko {owner}"))

    writer = threading.Thread(target=owners_talk)
    writer.start()
    try:
        time.sleep(0.3)
        done = subprocess.run([sys.executable, "-m", "bot", "backup", str(copy)], capture_output=True, text=True,
                              env={**__import__("os").environ, "COACH_DB": str(db)}, timeout=60)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert "pemilik" in done.stdout and copy.stat().st_mode & 0o077 == 0
    backup = sqlite3.connect(copy)
    assert backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    owners = backup.execute("SELECT COUNT(*) FROM owners").fetchone()[0]
    assert owners > 0 and f"{owners} pemilik" in done.stdout
    service.storage.close()


def test_the_terminal_chat_says_when_an_answer_could_not_be_saved(service):
    import io

    from bot.channels import console

    class Typing(io.StringIO):
        """An owner typing; the disk refuses writes from the second line on."""
        lines = iter(["Warung Sri\n", "nasi pecel\n"])

        def isatty(self) -> bool:
            return False

        def readline(self) -> str:
            line = next(self.lines, "")
            if line == "nasi pecel\n":
                refuse_writes(service.storage)
            return line

    shown = io.StringIO()
    assert console.run(service, Typing(), shown) == 0
    assert "belum tersimpan" in shown.getvalue() and "Traceback" not in shown.getvalue()
    assert service.storage.load(0).answers == {"nama": "Warung Sri"}
