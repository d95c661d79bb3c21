"""A consistent copy of a live database through SQLite's online backup API (a `cp` of a WAL database is not one)."""
from __future__ import annotations

import os
import sqlite3


def backup(db_path: str, target: str) -> int:
    """Copy `db_path` to `target` while a coach may be writing it; return the owners copied.

    The copy is written beside the target and renamed into place, so a failed run never leaves a
    half backup under the name of a good one."""
    if os.path.realpath(db_path) == os.path.realpath(target):
        raise ValueError("the backup must go to another file than the database")
    if not os.path.exists(db_path) or os.path.getsize(db_path) == 0:
        raise FileNotFoundError(db_path)
    partial = f"{target}.part"
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)   # owners' details: owner-only
        os.close(fd)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)   # one step: a snapshot of a single moment, whatever is written meanwhile
            owners = copy.execute("SELECT COUNT(*) FROM owners").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, target)
    return owners
