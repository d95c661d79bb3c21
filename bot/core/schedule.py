"""Check-in timing, pure: quiet hours in Western Indonesian Time and when a reminder may go out."""
from __future__ import annotations

import time

DAY = 86400
WIB = 7 * 3600           # UTC+7, Asia/Jakarta (no daylight saving)
QUIET_HOURS = (21, 7)    # no check-in from 21:00 until 07:00 WIB
REMINDER_DAYS = (3, 7, 14)
MAX_DAYS = 60


def wib_hour(ts: float) -> float:
    return ((ts + WIB) % DAY) / 3600


def is_quiet(ts: float, quiet: tuple[int, int] | None = QUIET_HOURS) -> bool:
    if not quiet:
        return False
    start, end = quiet
    hour = wib_hour(ts)
    return (hour >= start or hour < end) if start > end else start <= hour < end


def next_allowed(ts: float, quiet: tuple[int, int] | None = QUIET_HOURS) -> float:
    """`ts` itself, or the end of the quiet hours after it when it falls inside them."""
    if not is_quiet(ts, quiet):
        return ts
    local_midnight = ts - (ts + WIB) % DAY
    morning = local_midnight + quiet[1] * 3600
    return morning if morning > ts else morning + DAY


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """'21-7' -> (21, 7); 'off' -> None (for a test bot); anything unreadable keeps the default."""
    text = text.strip().lower()
    if text in ("off", "none", "0"):
        return None
    start, _, end = text.partition("-")
    if start.isdigit() and end.isdigit() and 0 <= int(start) < 24 and 0 <= int(end) < 24:
        return int(start), int(end)
    return QUIET_HOURS


def due_at(now: float, days: int, quiet: tuple[int, int] | None = QUIET_HOURS) -> float:
    return next_allowed(now + days * DAY, quiet)


def wib_text(ts: float) -> str:
    """'Senin, 24-11-2026 pukul 10.30 WIB' (Indonesian day names, dots in times as Indonesians write)."""
    local = time.gmtime(ts + WIB)
    day = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")[local.tm_wday]
    return f"{day}, {time.strftime('%d-%m-%Y', local)} pukul {time.strftime('%H.%M', local)} WIB"
