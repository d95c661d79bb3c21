"""Channels translate between a medium (terminal, Telegram) and the coach core."""
