"""State, events and replies are committed together in a real SQLite file, readable by its owner only."""
from __future__ import annotations

import os
import stat
import threading

from tests.collecting import handle
from bot.core.model import Command, Session, Start, Text
from bot.app.service import CoachService
from bot.storage import Storage
from bot.storage.checkpoint import RESTART_FRAMES
from bot.storage.migrations import migrations


def test_database_file_is_private(storage):
    mode = stat.S_IMODE(os.stat(storage.path).st_mode)
    assert mode == 0o600


def test_state_survives_reopening_the_file(service, tmp_path):
    handle(service, 7, 7, Start(), update_id=1)
    handle(service, 7, 7, Text("Laundry Kilat"), update_id=2)
    service.storage.close()
    reopened = Storage(service.storage.path)
    session = reopened.load(7)
    assert session.answers["nama"] == "Laundry Kilat" and session.step == "produk"
    again = CoachService(service.coach, reopened)
    assert handle(again, 7, 7, Text("Laundry Kilat"), update_id=2) == []   # still known as handled
    reopened.close()


def test_an_update_seen_before_is_not_applied_twice(service):
    handle(service, 7, 7, Start(), update_id=10)
    first = handle(service, 7, 7, Text("Warung Bu Sri"), update_id=11)
    again = handle(service, 7, 7, Text("Warung Bu Sri"), update_id=11)
    assert first and again == []
    assert service.storage.load(7).step == "produk"


def test_replies_wait_in_the_outbox_until_marked_sent(service):
    sent = handle(service, 7, 7, Start())
    assert [m.outbox_id for m in service.pending(7)] == [m.outbox_id for m in sent]
    for m in sent:
        service.storage.mark_sent(m.outbox_id)
    assert service.pending(7) == []


def test_lookups_events_and_plans_are_logged(service):
    for action in [Start(), Text("Kopi Senja"), Text("kopi susu"),
                   Command("cari", "promosi di instagram")]:
        handle(service, 9, 9, action)
    rows = list(service.storage.db.query("SELECT query, best_id FROM lookups WHERE owner_id = 9"))
    assert rows == [{"query": "promosi di instagram", "best_id": "media-sosial"}]
    kinds = [r["kind"] for r in service.storage.db.query("SELECT kind FROM events WHERE owner_id = 9")]
    assert kinds.count("answer") == 2


def test_migrations_apply_once(storage):
    migrations.apply(storage.db)
    applied = [m.name for m in migrations.applied(storage.db)]
    assert applied == ["m001_initial", "m002_checkins", "m003_group_messages", "m004_reliability",
                       "m005_off_topic", "m006_partial_checkin_index"]
    assert storage.integrity_ok()


def test_due_checkins_are_found_through_the_index_that_owners_without_one_stay_out_of(storage):
    """The scheduler's query never scans sessions, and an owner without a check-in has no index entry
    (so their saves, most saves, write one page less)."""
    session = Session(step="nama")
    storage.save(1, 1, session)
    storage.save(2, 2, Session(step="selesai", reminders=[{"due": 100.0}]))
    plan = storage.db.execute("EXPLAIN QUERY PLAN SELECT id FROM owners WHERE next_checkin <= 200 AND active = 1 "
                              "AND id >= 0 AND id < 10 ORDER BY next_checkin").fetchall()
    assert "USING INDEX idx_owners_next_checkin" in plan[0][-1]
    assert storage.due_checkins(200.0) == [2]
    partial = {row[1]: row[4] for row in storage.db.execute("PRAGMA index_list(owners)")}
    assert partial["idx_owners_next_checkin"] == 1


def test_blocked_owner_is_marked_inactive_and_queue_dropped(service):
    handle(service, 5, 5, Start())
    service.storage.set_active(5, False)
    service.storage.drop_pending(5)
    assert not service.storage.is_active(5) and service.pending(5) == []


def test_the_wal_file_stays_small_while_checkpoints_run_in_the_background(tmp_path):
    """The coach's own commits never checkpoint (that would stall one owner's reply for the fsyncs);
    a thread does, so the -wal file does not grow with every update either."""
    store = Storage(tmp_path / "coach.db")
    session = Session(step="nama", answers={"nama": "Warung Bu Sri " + "x" * 2000})
    for owner_id in range(1, 1501):
        ids = store.save(owner_id, owner_id, session, replies=[{"text": "halo " * 200}], key=f"m:{owner_id}:1")
        store.mark_sent(ids[0])
    wal = tmp_path / "coach.db-wal"
    # 3,000 commits of several pages each: ~70 MB without checkpoints; with them the file starts over
    # once it passes RESTART_FRAMES pages (what a pass trails behind the writer comes on top)
    assert wal.stat().st_size < 2 * RESTART_FRAMES * 4096
    threads = [t for t in threading.enumerate() if t.name == "wal-checkpoint"]
    assert threads, "no background checkpoint thread was started"
    store.close()
    assert not any(t.is_alive() for t in threads)
    reopened = Storage(tmp_path / "coach.db")
    assert reopened.load(1500).answers["nama"].startswith("Warung Bu Sri")
    reopened.close()
