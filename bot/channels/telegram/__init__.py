"""The Telegram channel: the only place that knows python-telegram-bot, Telegram HTML and Telegram's limits."""
from .app import build_application, check_payloads, part, poll, run
from .handlers import OUTBOX_SWEEP_SECONDS
from .markup import TEXT_LIMIT, split_message

__all__ = ["OUTBOX_SWEEP_SECONDS", "TEXT_LIMIT", "build_application", "check_payloads", "part",
           "poll", "run", "split_message"]
