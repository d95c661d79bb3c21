"""SQLite through sqlite-utils: owners' sessions, plans, lookup log, events and the reply outbox."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database

from ..core.model import CheckinAnswered, Event, Forgotten, LookedUp, Planned, Session
from .checkpoint import Checkpointer
from .migrations import migrations

# Every table holding something about an owner, with the column naming them: /datasaya exports and
# /hapusdata deletes exactly these (a test checks no table with an owner column is missing).
OWNER_TABLES = {"owners": "id", "plans": "owner_id", "lookups": "owner_id", "events": "owner_id",
                "outbox": "owner_id", "group_messages": "owner_id"}
JSON_COLUMNS = {"state", "detail", "payload"}
SEEN_KEEP_SECONDS = 2 * 24 * 3600   # Telegram re-sends an unconfirmed update for up to a day
SEEN_PRUNE_EVERY = 1000             # inserts between two prunes of the seen set
JOURNAL_LIMIT_BYTES = 4 * 1024 * 1024   # the -wal file is cut back to this after a checkpoint


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds owners' business details)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def seen_hash(key: str) -> int:
    """An update's identity as a 64-bit number: the seen set keeps no chat or message ids in the clear."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _bounds(within: range | None) -> tuple[int, int]:
    """A block of owner ids as SQL bounds (SQLite's integers are 64-bit: the top id stays out of reach)."""
    if within is None:
        return -2**63, 2**63 - 1
    return max(within.start, -2**63), min(within.stop, 2**63 - 1)


def file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class Storage:
    def __init__(self, path: str | os.PathLike = "coach.db"):
        self.path = str(path)
        if self.path != ":memory:":
            _create_private(Path(self.path))
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        self.identity = file_identity(self.path)   # to notice the file being deleted or replaced
        self.claimant = f"{os.getpid()}-{secrets.token_hex(4)}"   # this process's mark on the outbox
        self._seen_inserts = 0
        # WAL survives a killed process; NORMAL sync is enough for that (only power loss could cost
        # the last commit) and keeps each reply's commit well under a millisecond.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA secure_delete=ON")   # /hapusdata: deleted text is overwritten, not left in free pages
        # ...and the -wal file, which still holds the pages as they were, is cut back after a checkpoint
        self.db.execute(f"PRAGMA journal_size_limit={JOURNAL_LIMIT_BYTES}")
        self.db.execute("PRAGMA wal_autocheckpoint=0")   # the Checkpointer's thread does it, off the update path
        migrations.apply(self.db)
        self.checkpointer = Checkpointer(self.path, conn)

    def close(self) -> None:
        self.checkpointer.close()
        self.db.conn.close()

    # ---- sessions

    def load(self, owner_id: int) -> Session | None:
        """The owner's session (None if new)."""
        row = self.db.execute("SELECT state FROM owners WHERE id = ?", [owner_id]).fetchone()
        state = json.loads(row[0]) if row and row[0] else None
        return Session.from_dict(state, copy_values=False) if state else None

    def save(self, owner_id: int, chat_id: int, session: Session, events: Iterable[Event] = (),
             replies: Iterable[dict] = (), key: str | None = None, first_name: str = "",
             now: float | None = None, touch: bool = True) -> list[int]:
        """Commit the new state, its events, the replies to send and the update as seen, atomically;
        return outbox ids."""
        now = time.time() if now is None else now
        # vars(): the fields as they are; to_dict() (dataclasses.asdict) deep-copies them first, for nothing
        state = json.dumps(vars(session), ensure_ascii=False)
        events = list(events)
        if any(isinstance(event, Forgotten) for event in events):
            with self.db.atomic():
                self.forget(owner_id)
                ids = self._queue(owner_id, chat_id, replies, key)
            self.checkpointer.truncate()   # the erased rows must not live on in the -wal file
            return ids
        next_checkin = min((r["due"] for r in session.reminders), default=None)
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO owners (id, chat_id, first_name, state, step, active, "
                "created_at, updated_at, next_checkin) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET chat_id = excluded.chat_id, state = excluded.state, "
                "step = excluded.step, active = 1, "
                "updated_at = CASE WHEN ? THEN excluded.updated_at ELSE owners.updated_at END, "
                "next_checkin = excluded.next_checkin, "
                "first_name = COALESCE(NULLIF(excluded.first_name, ''), owners.first_name)",
                [owner_id, chat_id, first_name[:64], state, session.step, now, now,
                 next_checkin, int(touch)])
            for event in events:
                self._record(owner_id, now, event)
            ids = self._queue(owner_id, chat_id, replies, key)
        self.checkpointer.committed()
        return ids

    # ---- updates already handled

    def seen(self, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM seen WHERE key = ?", [seen_hash(key)]).fetchone() is not None

    def _mark_seen(self, key: str, now: float) -> None:
        self.db.execute("INSERT OR IGNORE INTO seen (key, ts) VALUES (?, ?)", [seen_hash(key), now])
        self._seen_inserts += 1
        if self._seen_inserts % SEEN_PRUNE_EVERY == 0:   # keeps the set bounded by time
            self.db.execute("DELETE FROM seen WHERE ts < ?", [now - SEEN_KEEP_SECONDS])

    def _record(self, owner_id: int, now: float, event: Event) -> None:
        """Lookups have a table of their own; plans and check-in answers also update the plans table."""
        if isinstance(event, LookedUp):
            self.db.execute("INSERT INTO lookups (owner_id, ts, query, best_id, score, topic) VALUES (?, ?, ?, ?, ?, ?)",
                            [owner_id, now, event.query, event.best, event.score, event.topic])
            return
        if isinstance(event, Planned):
            for tactic_id in event.added:
                self.db.execute(
                    "INSERT INTO plans (owner_id, tactic_id, motivation, status, created_at, updated_at) "
                    "VALUES (?, ?, ?, 'direncanakan', ?, ?) ON CONFLICT(owner_id, tactic_id) DO NOTHING",
                    [owner_id, tactic_id, event.motivasi, now, now])
        elif isinstance(event, CheckinAnswered):
            self.db.execute("UPDATE plans SET status = ?, updated_at = ? WHERE owner_id = ? AND tactic_id = ?",
                            [event.status, now, owner_id, event.tactic])
        self.db.execute("INSERT INTO events (owner_id, ts, kind, detail) VALUES (?, ?, ?, ?)",
                        [owner_id, now, event.kind, json.dumps(event.detail(), ensure_ascii=False)])

    # ---- outbox

    def enqueue(self, owner_id: int, chat_id: int, replies: Iterable[dict], key: str | None = None) -> list[int]:
        """Queue rendered replies for sending, claimed by this process, and mark the update they answer
        as seen, in one transaction."""
        with self.db.atomic():
            return self._queue(owner_id, chat_id, replies, key)

    def _queue(self, owner_id: int, chat_id: int, replies: Iterable[dict], key: str | None) -> list[int]:
        """enqueue() inside the caller's transaction (a nested one would cost a savepoint per update)."""
        now = time.time()
        if key is not None:
            self._mark_seen(key, now)
        return [self.db.conn.execute(
            "INSERT INTO outbox (owner_id, chat_id, payload, created_at, claimed_by) VALUES (?, ?, ?, ?, ?)",
            [owner_id, chat_id, json.dumps(payload, ensure_ascii=False), now, self.claimant]).lastrowid
            for payload in replies]

    def claim_outbox(self) -> int:
        """Take over every queued reply, in one statement: done at start by the process holding the
        database's lock, so what a stopped process left is sent by exactly one successor."""
        return self.db.execute("UPDATE outbox SET claimed_by = ? WHERE claimed_by IS NOT ?",
                               [self.claimant, self.claimant]).rowcount

    def pending(self, owner_id: int | None = None) -> list[dict[str, Any]]:
        """Replies this process has claimed and not yet confirmed sent, oldest first."""
        sql = "SELECT id, owner_id, chat_id, payload FROM outbox WHERE claimed_by = ?"
        params: list[Any] = [self.claimant]
        if owner_id is not None:
            sql += " AND owner_id = ?"
            params.append(owner_id)
        rows = self.db.execute(sql + " ORDER BY id", params).fetchall()
        return [{"id": r[0], "owner_id": r[1], "chat_id": r[2], "payload": json.loads(r[3])} for r in rows]

    def pending_owners(self, within: range | None = None) -> list[int]:
        """Owners (of one channel's block of ids, if given) with replies this process has to send."""
        low, high = _bounds(within)
        return [r[0] for r in self.db.execute("SELECT DISTINCT owner_id FROM outbox WHERE claimed_by = ? "
                                              "AND owner_id >= ? AND owner_id < ? ORDER BY owner_id",
                                              [self.claimant, low, high])]

    def mark_sent(self, outbox_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE id = ?", [outbox_id])
        self.checkpointer.committed()

    def drop_pending(self, owner_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE owner_id = ?", [owner_id])

    def due_checkins(self, now: float, within: range | None = None) -> list[int]:
        """Active owners (of one channel's block of ids, if given) with a check-in due by `now`."""
        low, high = _bounds(within)
        rows = self.db.execute("SELECT id FROM owners WHERE next_checkin <= ? AND active = 1 "
                               "AND id >= ? AND id < ? ORDER BY next_checkin", [now, low, high])
        return [r[0] for r in rows.fetchall()]

    def hold_checkin(self, owner_id: int, chat_id: int, replies: Iterable[dict] = ()) -> list[int]:
        """The owner's due check-in waits for their next message (which sets next_checkin again); the
        replies saying so (a template, or none) are queued in the same commit, so they go once."""
        with self.db.atomic():
            self.db.execute("UPDATE owners SET next_checkin = NULL WHERE id = ?", [owner_id])
            return self._queue(owner_id, chat_id, replies, None)

    def last_active(self, owner_id: int) -> float | None:
        """When the owner last wrote or pressed something (check-ins the coach sent do not count)."""
        row = self.db.execute("SELECT updated_at FROM owners WHERE id = ?", [owner_id]).fetchone()
        return row[0] if row else None

    def popular_tactics(self, limit: int = 10) -> list[str]:
        """Tactic ids owners use most: put in plans and found by quick questions."""
        rows = self.db.execute(
            "SELECT id, SUM(n) AS n FROM (SELECT tactic_id AS id, COUNT(*) AS n FROM plans GROUP BY tactic_id "
            "UNION ALL SELECT best_id, COUNT(*) FROM lookups WHERE best_id IS NOT NULL GROUP BY best_id) "
            "GROUP BY id ORDER BY n DESC, id LIMIT ?", [limit])
        return [r[0] for r in rows.fetchall()]

    def set_active(self, owner_id: int, active: bool) -> None:
        self.db.execute("UPDATE owners SET active = ? WHERE id = ?", [int(active), owner_id])

    def remember_group_message(self, chat_id: int, message_id: int, owner_id: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO group_messages (chat_id, message_id, owner_id, created_at) "
                        "VALUES (?, ?, ?, ?)", [chat_id, message_id, owner_id, time.time()])

    def group_message_owner(self, chat_id: int, message_id: int) -> int | None:
        row = self.db.execute("SELECT owner_id FROM group_messages WHERE chat_id = ? AND message_id = ?",
                              [chat_id, message_id]).fetchone()
        return row[0] if row else None

    def chat_of(self, owner_id: int) -> int | None:
        """The chat the owner last talked to the coach in (None for someone new)."""
        row = self.db.execute("SELECT chat_id FROM owners WHERE id = ?", [owner_id]).fetchone()
        return row[0] if row else None

    def is_active(self, owner_id: int) -> bool:
        row = self.db.execute("SELECT active FROM owners WHERE id = ?", [owner_id]).fetchone()
        return row is None or bool(row[0])

    # ---- owners' data rights (UU PDP)

    def export(self, owner_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every stored row about the owner, table by table, JSON columns decoded."""
        data = {}
        for table, column in OWNER_TABLES.items():
            rows = self.db.execute(f"SELECT * FROM [{table}] WHERE [{column}] = ? ORDER BY rowid", [owner_id])
            names = [d[0] for d in rows.description]
            data[table] = [{name: json.loads(value) if name in JSON_COLUMNS and value else value
                            for name, value in zip(names, row)} for row in rows.fetchall()]
        return data

    def forget(self, owner_id: int) -> None:
        """Delete everything about the owner, in one transaction."""
        with self.db.atomic():
            for table, column in OWNER_TABLES.items():
                self.db.execute(f"DELETE FROM [{table}] WHERE [{column}] = ?", [owner_id])


    # ---- the file itself

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def check_writable(self) -> None:
        """A real write, so a full disk, a read-only file or mount all show (raises sqlite3.Error)."""
        self.db.execute("INSERT INTO meta (key, value) VALUES ('checked_at', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [str(time.time())])

    def file_trouble(self) -> str | None:
        """'deleted' or 'replaced' when the file at our path is no longer the one we opened."""
        if self.identity is None:
            return None
        now = file_identity(self.path)
        if now is None:
            return "deleted"
        return "replaced" if now != self.identity else None

    def copy_to(self, target: str | os.PathLike) -> None:
        """A consistent copy through SQLite's online backup API (never `cp` a live WAL database)."""
        _create_private(Path(target))
        dest = sqlite3.connect(str(target))
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()
