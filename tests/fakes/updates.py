"""Getting updates to the bot: the pending queue, getUpdates long polling, setWebhook/deleteWebhook and webhook POSTs."""
from __future__ import annotations

import copy
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from .routing import ApiError, bad

__all__ = ["UpdatesMixin"]

_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_USE_REGISTERED_SECRET = object()


class UpdatesMixin:
    def _init_updates(self) -> None:
        self.discarded_updates: list[dict] = []  # filtered out by allowed_updates
        self.webhook_deliveries: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self.webhook_failures: list[dict] = []  # updates dropped after webhook_max_attempts
        self.webhook_max_attempts = 5
        self.webhook_retry_delay = 0.2
        self.webhook_timeout = 5.0
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._poll_end_reason = ""
        self._webhook: dict | None = None
        self._webhook_attempts = 0
        self._webhook_next_try = 0.0

    def _enqueue(self, update: dict) -> int:
        with self._cond:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
            else:
                self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            kind = next((k for k in update if k != "update_id"), None)
            allowed = self._allowed_updates
            if (kind in allowed) if allowed else (kind not in _DEFAULT_EXCLUDED_UPDATES):
                self._updates.append(update)
            else:
                self.discarded_updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def restart_update_ids(self, first: int) -> None:
        """What Telegram does after a week without updates: number the next ones from somewhere lower."""
        with self._cond:
            self._next_update_id = first

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by getUpdates (or not yet delivered to the webhook)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def webhook(self) -> dict | None:
        """{"url", "secret_token"} as the bot set them, None without a webhook."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    # ---------------------------------------------------------------- long polling

    def _apiGetUpdates(self, params: dict) -> list[dict]:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use "
                                "deleteWebhook to delete the webhook first")
        self._poll_generation += 1
        generation = self._poll_generation
        self._poll_end_reason = "Conflict: terminated by other getUpdates request; make sure that only " \
                                "one bot instance is running"
        self._cond.notify_all()
        offset = params.get("offset")
        if isinstance(offset, int) and not isinstance(offset, bool):
            if offset < 0:
                del self._updates[:max(len(self._updates) + offset, 0)]
            elif offset > 0:
                self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        limit = params.get("limit", 100)
        limit = min(max(int(limit), 1), 100) if isinstance(limit, (int, float)) else 100
        timeout = params.get("timeout", 0)
        timeout = max(float(timeout), 0.0) if isinstance(timeout, (int, float)) else 0.0
        deadline = time.monotonic() + timeout
        while True:
            if self._stop_event.is_set():
                return []
            if self._poll_generation != generation:
                raise ApiError(409, self._poll_end_reason, invalid=False)
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(min(remaining, 0.5))

    # ---------------------------------------------------------------- webhook

    def _apiSetWebhook(self, params: dict) -> tuple[bool, str]:
        url = params.get("url")
        if url in (None, ""):  # like Telegram: setWebhook without a URL removes the webhook
            return self._apiDeleteWebhook(params)
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret not in (None, ""):
            if not isinstance(secret, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        same = self._webhook is not None and self._webhook["url"] == url
        self._webhook = {"url": url, "secret_token": secret or None}
        self._webhook_attempts = 0
        self._webhook_next_try = 0.0
        self._poll_generation += 1
        self._poll_end_reason = "Conflict: terminated by setWebhook request"
        return True, "Webhook is already set" if same else "Webhook was set"

    def _apiDeleteWebhook(self, params: dict) -> tuple[bool, str]:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        existed = self._webhook is not None
        self._webhook = None
        return True, "Webhook was deleted" if existed else "Webhook is already deleted"

    def _webhook_loop(self) -> None:
        """Delivers pending updates one at a time, in order, retrying with backoff while the webhook fails."""
        while not self._stop_event.is_set():
            with self._cond:
                if self._webhook is None or not self._updates:
                    self._cond.wait(0.1)
                    continue
                delay = self._webhook_next_try - time.monotonic()
                if delay > 0:
                    self._cond.wait(min(delay, 0.1))
                    continue
                update = self._updates[0]
                url, secret = self._webhook["url"], self._webhook["secret_token"]
            status, error = self._post_json(url, update, secret, self.webhook_timeout)
            with self._cond:
                self.webhook_deliveries.append((update["update_id"], status if status else error))
                if self._updates and self._updates[0] is update:
                    if 200 <= status < 300:
                        self._updates.pop(0)
                        self._webhook_attempts = 0
                    else:
                        self._webhook_attempts += 1
                        if self._webhook_attempts >= self.webhook_max_attempts:
                            self.webhook_failures.append(self._updates.pop(0))
                            self._webhook_attempts = 0
                            self._webhook_next_try = 0.0
                        else:
                            self._webhook_next_try = time.monotonic() + min(
                                self.webhook_retry_delay * 2 ** (self._webhook_attempts - 1), 2.0)
                self._cond.notify_all()

    @staticmethod
    def _post_json(url: str, update: dict, secret: str | None, timeout: float) -> tuple[int, str]:
        request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json"})
        if secret is not None:
            request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                return response.status, ""
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except (OSError, http.client.HTTPException) as exc:
            return 0, f"Connection failed: {exc}"

    def post_to_webhook(self, update: dict, secret: Any = _USE_REGISTERED_SECRET, url: str | None = None,
                        timeout: float = 5.0) -> int:
        """POST one update synchronously to the registered (or given) webhook; returns the HTTP status.

        `secret` defaults to the secret the bot registered; pass None to send no secret header.
        The update is not queued. Raises ConnectionError when the webhook cannot be reached.
        """
        with self._lock:
            registered = self._webhook
            if url is None:
                if registered is None:
                    raise RuntimeError("no webhook is set")
                url = registered["url"]
            if secret is _USE_REGISTERED_SECRET:
                secret = registered["secret_token"] if registered else None
            update = json.loads(json.dumps(update))
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
        status, error = self._post_json(url, update, secret, timeout)
        if not status:
            raise ConnectionError(error)
        return status
