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
    whatsapp: "WhatsAppSettings" = field(default_factory=lambda: WhatsAppSettings())

    @property
    def secrets(self) -> list[str]:
        """What no log line may show."""
        wa = self.whatsapp
        return [self.token, self.webhook_secret, wa.token, wa.app_secret, wa.verify_token]

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
            whatsapp=WhatsAppSettings.from_env(env),
            log_level=level if (level := env.get("LOG_LEVEL", "").strip().upper()) in LOG_LEVELS else cls.log_level,
        )


@dataclass(frozen=True)
class WhatsAppSettings:
    """The WhatsApp Cloud API channel's settings (WHATSAPP_*); `ready` when all four secrets are given."""
    token: str = ""
    phone_number_id: str = ""
    app_secret: str = ""
    verify_token: str = ""
    api_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    webhook_path: str = "/whatsapp"
    checkin_template: str = ""        # an approved template announcing a check-in outside the 24-hour window
    template_language: str = "id"
    admin_ids: frozenset[str] = field(default_factory=frozenset)   # operators' wa_ids (phone numbers)

    @property
    def ready(self) -> bool:
        return all((self.token, self.phone_number_id, self.app_secret, self.verify_token))

    @property
    def missing(self) -> list[str]:
        names = {"WHATSAPP_TOKEN": self.token, "WHATSAPP_PHONE_NUMBER_ID": self.phone_number_id,
                 "WHATSAPP_APP_SECRET": self.app_secret, "WHATSAPP_VERIFY_TOKEN": self.verify_token}
        return [name for name, value in names.items() if not value]

    @property
    def given(self) -> bool:
        """Any WhatsApp setting present: the operator means to run the channel."""
        return bool(self.token or self.phone_number_id or self.app_secret or self.verify_token)

    @classmethod
    def from_env(cls, env) -> "WhatsAppSettings":
        path = env.get("WHATSAPP_WEBHOOK_PATH", "").strip() or cls.webhook_path
        return cls(
            token=env.get("WHATSAPP_TOKEN", "").strip(),
            phone_number_id=env.get("WHATSAPP_PHONE_NUMBER_ID", "").strip(),
            app_secret=env.get("WHATSAPP_APP_SECRET", "").strip(),
            verify_token=env.get("WHATSAPP_VERIFY_TOKEN", "").strip(),
            api_url=(env.get("WHATSAPP_API_URL", "").strip() or cls.api_url).rstrip("/"),
            webhook_path="/" + path.lstrip("/"),
            checkin_template=env.get("WHATSAPP_CHECKIN_TEMPLATE", "").strip(),
            template_language=env.get("WHATSAPP_TEMPLATE_LANGUAGE", "").strip() or cls.template_language,
            admin_ids=frozenset(p for p in env.get("WHATSAPP_ADMIN_IDS", "").replace(" ", "").replace("+", "").split(",")
                                if p.isdigit()),
        )
