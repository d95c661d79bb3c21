"""A thin client for the WhatsApp Cloud API (Graph API) over httpx: messages and media, errors as the outbox knows them.

pywa would do this, but its client always talks to graph.facebook.com (it sets the session's base URL
itself), so WHATSAPP_API_URL, and with it the fake Graph API the tests run against, could only be
reached by patching its private attributes. Two endpoints are all the coach needs.
"""
from __future__ import annotations

import logging

import httpx

from ..base import Blocked, RetryLater, Unreachable

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15.0
# Graph API error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
SLOW_DOWN = frozenset({4, 80007, 130429, 131048, 131056})   # rate limits: the same message goes later
TRY_AGAIN = frozenset({1, 2, 131000, 133004})               # temporary trouble on Meta's side
GONE = frozenset({131026})                                   # the number cannot receive messages
DEFAULT_WAIT_SECONDS = 2.0


class Refused(Exception):
    """WhatsApp will not take this message, now or later (wrong format, outside the 24-hour window...)."""

    def __init__(self, code: int | None, message: str):
        super().__init__(f"error {code}: {message}")
        self.code = code


class GraphAPI:
    def __init__(self, api_url: str, version: str, phone_number_id: str, token: str,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.base = f"{api_url}/{version}/{phone_number_id}"
        # the token travels in a header, never in a URL that a log line could show
        self.http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_SECONDS,
                                      transport=transport)

    async def close(self) -> None:
        await self.http.aclose()

    async def send(self, to: str, kind: str, body: dict) -> str | None:
        """Send one message of `kind` (text, interactive, image, document, template); its id."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                   "type": kind, kind: body}
        answer = await self._call("POST", "/messages", json=payload)
        return next((m.get("id") for m in answer.get("messages", ())), None)

    async def upload(self, data: bytes, mime: str, filename: str) -> str:
        """Upload a file for a later document or image message; its media id."""
        answer = await self._call("POST", "/media", data={"messaging_product": "whatsapp", "type": mime},
                                  files={"file": (filename, data, mime)})
        return str(answer["id"])

    async def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = await self.http.request(method, self.base + path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from None
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise Unreachable(f"HTTP {response.status_code}: not JSON") from None
        error = _error_of(response)
        code, message = error.get("code"), str(error.get("message", ""))[:300]
        if response.status_code == 429 or code in SLOW_DOWN:
            raise RetryLater(_wait(response))
        if response.status_code >= 500 or code in TRY_AGAIN:
            raise Unreachable(f"HTTP {response.status_code}, error {code}: {message}")
        if response.status_code == 401 or code == 190:   # the operator's token: replies wait until it is fixed
            log.error("WhatsApp refused the access token (WHATSAPP_TOKEN expired or wrong?): %s", message)
            raise Unreachable(f"HTTP {response.status_code}: access token refused")
        if code in GONE:
            raise Blocked(message)
        raise Refused(code, message)


def _error_of(response: httpx.Response) -> dict:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _wait(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_WAIT_SECONDS
