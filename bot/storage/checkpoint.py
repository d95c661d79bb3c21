"""WAL checkpoints on a thread of their own, so no owner's reply waits for the copying a checkpoint does.

SQLite's automatic checkpoint runs inside whichever commit crosses its threshold: that one update
takes ~10 ms instead of ~1 ms (a thousand pages copied, two fsyncs), every hundred or so updates.
Here the coach's connection never checkpoints by itself; every so many commits it nudges this
thread, whose own connection copies the -wal file into the database while the next updates go on
(SQLite releases the GIL meanwhile, and a PASSIVE checkpoint never blocks a writer).

The -wal file starts over only once everything in it was copied. Under a steady stream of updates
the thread always trails the writer by the commits made during its pass, so once the file has grown
past RESTART_FRAMES the coach's connection copies that small remainder itself (about a millisecond),
right after a pass, and its next commit starts the file over (cut back to the journal size limit).
"""
from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)
COMMITS_PER_CHECKPOINT = 100   # ~10 pages a commit: about SQLite's own 1,000-page threshold
RESTART_FRAMES = 4000          # pages (~16 MB) in the -wal file before the writer helps it start over


class Checkpointer:
    def __init__(self, path: str, writer: sqlite3.Connection):
        self.writer = writer
        # opened now, not when first needed: by then the path may name another file (see file_trouble)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False) \
            if path != ":memory:" else None   # a database in memory has no -wal file
        self._wake = threading.Event()
        self._pass = threading.Lock()   # held while a checkpoint runs on either connection
        self._thread: threading.Thread | None = None   # started at the first nudge: most test databases never need it
        self._closing = False
        self._commits = 0
        self._busy = False
        self._catch_up = False   # the last pass left a -wal file past RESTART_FRAMES

    def committed(self) -> None:
        """Count one commit of the coach's connection (called by the thread that made it)."""
        if self._conn is None:
            return
        self._commits += 1
        if self._catch_up and not self._busy:
            self._catch_up = False
            try:   # the remainder, so the file can start over; the commit itself is done whatever happens here
                with self._pass:
                    self.writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                log.warning("checkpoint failed: %s", exc)
        elif self._commits % COMMITS_PER_CHECKPOINT == 0 and not self._busy:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                self._thread.start()
            self._busy = True
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                return
            try:
                with self._pass:
                    _, pages, _ = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                # whatever was committed during the pass is still to copy: the file cannot start over yet
                self._catch_up = pages > RESTART_FRAMES
            except sqlite3.Error as exc:   # a full disk: the -wal file grows meanwhile; the next nudge tries again
                log.warning("background checkpoint failed: %s", exc)
            finally:
                self._busy = False

    def truncate(self) -> None:
        """Copy everything into the database and empty the -wal file now (after /hapusdata: erased rows
        must not live on in it); waits for a background pass, which would make SQLite refuse at once."""
        with self._pass:
            self.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self._thread is not None:
            self._closing = True
            self._wake.set()
            self._thread.join()
        if self._conn is not None:
            self._conn.close()
