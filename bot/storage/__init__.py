"""Owners' state, events and the reply outbox in one SQLite file (sqlite-utils, migrations)."""
from .sqlite import JSON_COLUMNS, OWNER_TABLES, Storage

__all__ = ["JSON_COLUMNS", "OWNER_TABLES", "Storage"]
