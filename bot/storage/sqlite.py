"""SQLite through sqlite-utils: owners' sessions, plans, lookup log, events and the reply outbox."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database

from ..core.model import CheckinAnswered, Event, Forgotten, LookedUp, Planned, Session
from .migrations import migrations

# Every table holding something about an owner, with the column naming them: /datasaya exports and
# /hapusdata deletes exactly these (a test checks no table with an owner column is missing).
OWNER_TABLES = {"owners": "id", "plans": "owner_id", "lookups": "owner_id", "events": "owner_id",
                "outbox": "owner_id", "group_messages": "owner_id"}
JSON_COLUMNS = {"state", "detail", "payload"}


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds owners' business details)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Storage:
    def __init__(self, path: str | os.PathLike = "coach.db"):
        self.path = str(path)
        if self.path != ":memory:":
            _create_private(Path(self.path))
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        # WAL survives a killed process; NORMAL sync is enough for that (only power loss could cost
        # the last commit) and keeps each reply's commit well under a millisecond.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA secure_delete=ON")   # /hapusdata: deleted text is overwritten, not left in free pages
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.conn.close()

    # ---- sessions

    def load(self, owner_id: int) -> tuple[Session | None, int]:
        """The owner's session (None if new) and the id of the last update already handled."""
        row = self.db.execute("SELECT state, last_update_id FROM owners WHERE id = ?", [owner_id]).fetchone()
        if row is None:
            return None, 0
        state = json.loads(row[0]) if row[0] else None
        return (Session.from_dict(state, copy_values=False) if state else None), row[1] or 0

    def last_update_id(self, owner_id: int) -> int:
        row = self.db.execute("SELECT last_update_id FROM owners WHERE id = ?", [owner_id]).fetchone()
        return row[0] or 0 if row else 0

    def save(self, owner_id: int, chat_id: int, session: Session, events: Iterable[Event] = (),
             replies: Iterable[dict] = (), update_id: int | None = None, first_name: str = "",
             now: float | None = None, touch: bool = True) -> list[int]:
        """Commit the new state, its events and the replies to send, atomically; return outbox ids."""
        now = time.time() if now is None else now
        # vars(): the fields as they are; to_dict() (dataclasses.asdict) deep-copies them first, for nothing
        state = json.dumps(vars(session), ensure_ascii=False)
        events = list(events)
        if any(isinstance(event, Forgotten) for event in events):
            with self.db.atomic():
                self.forget(owner_id)
                return self.enqueue(owner_id, chat_id, replies)
        next_checkin = min((r["due"] for r in session.reminders), default=None)
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO owners (id, chat_id, first_name, state, step, last_update_id, active, "
                "created_at, updated_at, next_checkin) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET chat_id = excluded.chat_id, state = excluded.state, "
                "step = excluded.step, active = 1, "
                "updated_at = CASE WHEN ? THEN excluded.updated_at ELSE owners.updated_at END, "
                "next_checkin = excluded.next_checkin, "
                "last_update_id = MAX(owners.last_update_id, excluded.last_update_id), "
                "first_name = COALESCE(NULLIF(excluded.first_name, ''), owners.first_name)",
                [owner_id, chat_id, first_name[:64], state, session.step, update_id or 0, now, now,
                 next_checkin, int(touch)])
            for event in events:
                self._record(owner_id, now, event)
            return self.enqueue(owner_id, chat_id, replies)

    def _record(self, owner_id: int, now: float, event: Event) -> None:
        """Lookups have a table of their own; plans and check-in answers also update the plans table."""
        if isinstance(event, LookedUp):
            self.db.execute("INSERT INTO lookups (owner_id, ts, query, best_id, score) VALUES (?, ?, ?, ?, ?)",
                            [owner_id, now, event.query, event.best, event.score])
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

    def enqueue(self, owner_id: int, chat_id: int, replies: Iterable[dict]) -> list[int]:
        """Queue rendered replies for sending (inside the caller's transaction when there is one)."""
        now = time.time()
        with self.db.atomic():
            return [self.db.execute(
                "INSERT INTO outbox (owner_id, chat_id, payload, created_at) VALUES (?, ?, ?, ?)",
                [owner_id, chat_id, json.dumps(payload, ensure_ascii=False), now]).lastrowid
                for payload in replies]

    def pending(self, owner_id: int | None = None) -> list[dict[str, Any]]:
        """Replies committed but not yet confirmed sent, oldest first."""
        sql = "SELECT id, owner_id, chat_id, payload FROM outbox"
        params: list[Any] = []
        if owner_id is not None:
            sql += " WHERE owner_id = ?"
            params.append(owner_id)
        rows = self.db.execute(sql + " ORDER BY id", params).fetchall()
        return [{"id": r[0], "owner_id": r[1], "chat_id": r[2], "payload": json.loads(r[3])} for r in rows]

    def pending_owners(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT owner_id FROM outbox ORDER BY owner_id")]

    def mark_sent(self, outbox_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE id = ?", [outbox_id])

    def drop_pending(self, owner_id: int) -> None:
        self.db.execute("DELETE FROM outbox WHERE owner_id = ?", [owner_id])

    def due_checkins(self, now: float) -> list[int]:
        """Active owners with a check-in due by `now`."""
        rows = self.db.execute("SELECT id FROM owners WHERE next_checkin <= ? AND active = 1 "
                               "ORDER BY next_checkin", [now])
        return [r[0] for r in rows.fetchall()]

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

    # ---- reading back

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
