"""Logging for a running coach: one format, chatty libraries kept quiet, secrets blanked out of every line."""
from __future__ import annotations

import logging
from typing import Iterable

QUIET_LOGGERS = ("httpx",               # it logs request URLs (Telegram's carry the bot token)
                 "apscheduler",         # a line for every run of every job: thousands a day
                 "tornado.access")      # a line per webhook call
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class SecretScrubber(logging.Formatter):
    """Blanks tokens and secrets out of every formatted log line, tracebacks included."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT):
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return text


def configure(secrets: Iterable[str], level: int | str = logging.INFO) -> None:
    """Log at `level` to stderr, with every given secret scrubbed, whatever logged it."""
    level = logging.getLevelName(level) if isinstance(level, str) else level
    logging.basicConfig(level=level)
    logging.getLogger().setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    scrubber = SecretScrubber(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(scrubber)
