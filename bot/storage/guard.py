"""Opening the database for a running coach: one process per file, and no start on a file that is empty, damaged, unwritable or gone.

Each refusal is one line for the operator (Indonesian, like the rest of the command line) and the
file is left exactly as it was: a coach that "repairs" by starting empty loses every owner.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from .sqlite import Storage


class Refused(Exception):
    """The database cannot be used; str() is the one line to show."""


class ProcessLock:
    """An exclusive lock on `<database>.lock`, holding the pid of the process that owns the database.

    The lock file also stays as a mark that a coach has run here: a database missing beside it was
    deleted, not yet to be made."""

    def __init__(self, db_path: str | os.PathLike):
        self.db_path = str(db_path)
        self.path = Path(os.path.realpath(self.db_path) + ".lock")
        self.fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise Refused(f"{self.db_path} tidak bisa ditulis: {self.path} tidak bisa dibuat ({exc.strerror}). "
                          f"Beri izin tulis untuk folder itu.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise Refused(f"{self.db_path} sedang dipakai umkm-coach lain (pid {holder}). Satu database "
                          f"hanya untuk satu proses: hentikan proses itu dulu.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)   # closing drops the lock; the file stays as the mark
            self.fd = None


def check_file(path: str, ran_here_before: bool) -> None:
    """Refuse a file that is missing after use, empty, not a database, damaged or not writable."""
    if not os.path.exists(path):
        if ran_here_before:
            raise Refused(f"{path} tidak ada, padahal coach pernah berjalan di sini ({path}.lock ada). "
                          f"Pulihkan dari cadangan, atau hapus {path}.lock untuk mulai tanpa data.")
        return
    if os.path.getsize(path) == 0:
        raise Refused(f"{path} kosong (0 byte), bukan database coach; file dibiarkan apa adanya. "
                      f"Pulihkan dari cadangan, atau hapus file itu untuk mulai tanpa data.")
    problem = _quick_check(path)
    if problem:
        raise Refused(f"{path} rusak ({problem}); file dibiarkan apa adanya. Pulihkan dari cadangan "
                      f"(lihat README, bagian Cadangan).")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        raise Refused(f"{path} tidak bisa ditulis (file atau foldernya hanya-baca). Beri izin tulis "
                      f"untuk pengguna yang menjalankan coach.")


def _quick_check(path: str) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA quick_check")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None if result == ["ok"] else " ".join("; ".join(result[:3]).split())   # one line, however SQLite words it


def open_for_running(path: str) -> tuple[Storage, ProcessLock]:
    """Lock, check and open the database a long-running coach will own; raises Refused."""
    lock = ProcessLock(path)
    ran_here_before = lock.path.exists()
    lock.acquire()
    try:
        check_file(path, ran_here_before)
        storage = None
        try:
            storage = Storage(path)
            storage.check_writable()
        except sqlite3.Error as exc:
            if storage is not None:
                storage.close()
            raise Refused(f"{path} tidak bisa dibuka untuk ditulis ({exc}).") from None
    except Refused:
        if not ran_here_before:   # the mark means a coach ran here: this one did not
            lock.path.unlink(missing_ok=True)
        lock.release()
        raise
    return storage, lock
