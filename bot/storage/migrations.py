"""The database schema, as sqlite-utils migrations applied in order at start (never edit one that has shipped)."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("umkm-coach")


@migrations()
def m001_initial(db: Database) -> None:
    db["owners"].create({"id": int, "chat_id": int, "first_name": str, "state": str, "step": str,
                         "last_update_id": int, "active": int, "created_at": float,
                         "updated_at": float}, pk="id", defaults={"active": 1, "last_update_id": 0})
    db["owners"].create_index(["updated_at"])
    db["plans"].create({"owner_id": int, "tactic_id": str, "motivation": str, "status": str,
                        "created_at": float, "updated_at": float}, pk=("owner_id", "tactic_id"))
    db["lookups"].create({"id": int, "owner_id": int, "ts": float, "query": str, "best_id": str,
                          "score": float}, pk="id")
    db["lookups"].create_index(["owner_id"])
    db["lookups"].create_index(["ts"])
    db["events"].create({"id": int, "owner_id": int, "ts": float, "kind": str, "detail": str}, pk="id")
    db["events"].create_index(["owner_id"])
    db["events"].create_index(["kind", "ts"])
    # Replies are written with the state they answer and deleted once Telegram has them:
    # a crash between the two re-sends them instead of losing them.
    db["outbox"].create({"id": int, "owner_id": int, "chat_id": int, "payload": str,
                         "created_at": float}, pk="id")
    db["outbox"].create_index(["owner_id"])


@migrations()
def m002_checkins(db: Database) -> None:
    # When the owner's earliest check-in is due (the reminders themselves live in the session):
    # the scheduler finds due owners through this index, never by scanning sessions.
    db["owners"].add_column("next_checkin", float)
    db["owners"].create_index(["next_checkin"])


@migrations()
def m003_group_messages(db: Database) -> None:
    # Whose conversation each bot message in a group belongs to: a button there acts only for them.
    db["group_messages"].create({"chat_id": int, "message_id": int, "owner_id": int, "created_at": float},
                                pk=("chat_id", "message_id"))
    db["group_messages"].create_index(["owner_id"])


@migrations()
def m004_reliability(db: Database) -> None:
    # Updates already handled, by a hash of their identity (message in a chat, button press, or
    # update id): Telegram's update ids may restart lower after a quiet week, so repeats are found
    # here, not by comparing ids. Rows older than a couple of days are pruned (Telegram keeps an
    # unconfirmed update for a day).
    db["seen"].create({"key": int, "ts": float}, pk="key")
    db["seen"].create_index(["ts"])
    # Which process's outbox a queued reply is in: a process sends only what it has claimed.
    db["outbox"].add_column("claimed_by", str)
    # Small facts about the database itself (the last write check, for /healthz and the start).
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m005_off_topic(db: Database) -> None:
    # A question outside marketing (tax, permits...) answered honestly: which topic, for the stats.
    db["lookups"].add_column("topic", str)


@migrations()
def m006_partial_checkin_index(db: Database) -> None:
    # Only owners with a check-in set are in the index: every other owner's save (most of them) no
    # longer rewrites an index page for a NULL. "next_checkin <= ?" implies NOT NULL, so the
    # scheduler's query still uses it.
    db.execute("DROP INDEX IF EXISTS idx_owners_next_checkin")
    db.execute("CREATE INDEX idx_owners_next_checkin ON owners(next_checkin) WHERE next_checkin IS NOT NULL")
