"""Test doubles for what the coach talks to: fake Telegram Bot API and WhatsApp Graph API servers, Telegram's HTML rules."""
from .botapi import FakeBotAPI
from .graph import FakeGraphAPI
from .telegram_html import TelegramParseError, parse_html, telegram_html_error, utf16_len

__all__ = ["FakeBotAPI", "FakeGraphAPI", "TelegramParseError", "parse_html", "telegram_html_error", "utf16_len"]
