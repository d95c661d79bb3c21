"""Test doubles for what the bot talks to: a fake Telegram Bot API server and Telegram's HTML rules."""
from .botapi import FakeBotAPI
from .telegram_html import TelegramParseError, parse_html, telegram_html_error, utf16_len

__all__ = ["FakeBotAPI", "TelegramParseError", "parse_html", "telegram_html_error", "utf16_len"]
