"""Telegram's markup and limits: rich text as Telegram HTML, cut to 4,096 characters; inline keyboards."""
from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ...text.split import split_message as split_rich
from ..base import ButtonRows, Limits

TEXT_LIMIT = 4096  # characters of visible text (UTF-16 code units) per message
LIMITS = Limits(text=TEXT_LIMIT, buttons_per_message=100, button_label=64, button_data=64, edits=True)


@lru_cache(maxsize=1024)
def keyboard(buttons: ButtonRows) -> InlineKeyboardMarkup:
    """Keyboards repeat (each question offers the same buttons) and PTB's objects are immutable: build each once."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons])


def split_message(message: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Telegram HTML cut to Telegram's 4,096 visible characters a message."""
    return split_rich(message, limit)
