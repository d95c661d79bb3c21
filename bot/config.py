"""Settings from the environment, with defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .core.schedule import QUIET_HOURS, parse_quiet_hours

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _ids(raw: str) -> frozenset[int]:
    return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part.lstrip("-").isdigit())


@dataclass(frozen=True)
class Settings:
    token: str = ""
    api_url: str = "https://api.telegram.org"
    db_path: str = "coach.db"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    webhook_url: str = ""
    webhook_secret: str = ""
    port: int = 8443
    listen_host: str = "0.0.0.0"   # where the webhook server listens (all interfaces, as Docker needs)
    log_level: str = "INFO"
    quiet_hours: tuple[int, int] | None = QUIET_HOURS   # WIB hours without check-ins

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        port = env.get("PORT", "").strip()
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            api_url=(env.get("TELEGRAM_API_URL", "").strip() or cls.api_url).rstrip("/"),
            db_path=env.get("COACH_DB", "").strip() or cls.db_path,
            admin_ids=_ids(env.get("ADMIN_IDS", "")),
            webhook_url=env.get("WEBHOOK_URL", "").strip(),
            webhook_secret=env.get("WEBHOOK_SECRET", "").strip(),
            port=int(port) if port.isdigit() else cls.port,
            listen_host=env.get("LISTEN_HOST", "").strip() or cls.listen_host,
            quiet_hours=parse_quiet_hours(env.get("COACH_QUIET_HOURS", "21-7")),
            log_level=level if (level := env.get("LOG_LEVEL", "").strip().upper()) in LOG_LEVELS else cls.log_level,
        )
