"""FakeGraphAPI: an in-memory WhatsApp Cloud API over real HTTP (standard library only), and the owners who write to the coach.

    with FakeGraphAPI(webhook_url="http://127.0.0.1:8080/whatsapp") as api:
        api.write("6281234", "halo")          # a signed webhook delivery to the coach
        api.wait_for(lambda a: a.sent_to("6281234"))

It answers POST /v<version>/<phone_number_id>/messages and /media, and GET /v<version>/<media_id>
and /files/<media_id> (the bytes). It enforces what the coach must respect (graph_rules.py: 3 reply
buttons, 20-character titles, lists of 10, 1,024-character bodies, no HTML, approved templates) and
the 24-hour window: a free-form message to someone who last wrote more than 24 h ago (by the fake's
own clock, moved with `age`) is refused with error 131047. Every refusal is kept in `violations`.
Faults: `fail(n, status)` answers the next n sends with that status (429 carries Retry-After).
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from .graph_rules import problems
from .multipart import decode_params, read_body

WINDOW_SECONDS = 24 * 3600


class FakeGraphAPI:
    def __init__(self, token: str = "EAAG-fake-token", app_secret: str = "fake-app-secret",
                 phone_number_id: str = "1098765", webhook_url: str = "", templates=("cek_rencana",),
                 min_version: float = 21.0):
        self.token, self.app_secret, self.phone_number_id = token, app_secret, phone_number_id
        self.webhook_url = webhook_url
        self.templates = set(templates)
        self.min_version = min_version
        self._lock = threading.Condition()
        self.sent: list[dict] = []            # every message taken, in order: {"to", "type", <type>: ..., "id"}
        self.violations: list[tuple[str, dict]] = []
        self.media: dict[str, dict] = {}      # media id -> {"bytes", "mime_type", "filename"}
        self.calls = 0
        self._faults: list[int] = []
        self._last_wrote: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> "FakeGraphAPI":
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ---- faults and time

    def fail(self, times: int, status: int) -> None:
        with self._lock:
            self._faults.extend([status] * times)

    def age(self, wa_id: str, hours: float) -> None:
        """As if the owner's last message was `hours` earlier than it was."""
        with self._lock:
            self._last_wrote[wa_id] = self._last_wrote.get(wa_id, time.time()) - hours * 3600

    # ---- owners writing (signed webhook deliveries)

    def write(self, wa_id: str, text: str, name: str = "Bu Sari") -> int:
        return self.deliver(self.message(wa_id, "text", {"body": text}), name)

    def press(self, wa_id: str, choice_id: str, title: str = "") -> int:
        sent = self.interactive_to(wa_id)
        kind = "button_reply" if sent and sent["interactive"]["type"] == "button" else "list_reply"
        return self.deliver(self.message(wa_id, "interactive", {"type": kind, kind: {"id": choice_id,
                                                                                     "title": title}}))

    def message(self, wa_id: str, kind: str, body: dict) -> dict:
        return {"from": wa_id, "id": f"wamid.IN{next(self._ids)}", "timestamp": str(int(time.time())),
                "type": kind, kind: body}

    def delivery(self, *messages: dict, name: str = "Bu Sari") -> bytes:
        value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": self.phone_number_id},
                 "contacts": [{"wa_id": m["from"], "profile": {"name": name}} for m in messages],
                 "messages": list(messages)}
        body = {"object": "whatsapp_business_account",
                "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}
        return json.dumps(body).encode()

    def deliver(self, message: dict, name: str = "Bu Sari") -> int:
        with self._lock:
            self._last_wrote[message["from"]] = time.time()
        return self.post(self.delivery(message, name=name))

    def post(self, body: bytes, signature: str | None = "valid") -> int:
        """POST a raw delivery to the coach's webhook, signed unless told otherwise; the HTTP status."""
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            signature = "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        request = urllib.request.Request(self.webhook_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # ---- what the coach sent

    def sent_to(self, wa_id: str) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if m["to"] == wa_id]

    def interactive_to(self, wa_id: str) -> dict | None:
        return next((m for m in reversed(self.sent_to(wa_id)) if m["type"] == "interactive"), None)

    def choices(self, message: dict | None) -> list[tuple[str, str]]:
        """(id, title) of a message's buttons or list rows."""
        if not message or message["type"] != "interactive":
            return []
        action = message["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
        return [(r["id"], r["title"]) for s in action["sections"] for r in s["rows"]]

    @staticmethod
    def text_of(message: dict) -> str:
        kind = message["type"]
        if kind == "text":
            return message["text"]["body"]
        if kind == "interactive":
            return message["interactive"]["body"]["text"]
        return message[kind].get("caption", "") if kind in ("image", "document") else ""

    def wait_for(self, ready: Callable[["FakeGraphAPI"], object], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not ready(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.2))
        return True

    # ---- the server side

    def _answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict | bytes]:
        if method == "GET" and path.startswith("/files/"):
            item = self.media.get(path.rsplit("/", 1)[-1])
            return (200, item["bytes"]) if item else (404, _error(100, "no such media"))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, _error(190, "Invalid OAuth access token")
        parts = path.strip("/").split("/")
        if not parts[0].startswith("v") or float(parts[0][1:]) < self.min_version:
            return 400, _error(2635, f"API version {parts[0]} is deprecated")
        if method == "GET" and len(parts) == 2 and parts[1] in self.media:
            item = self.media[parts[1]]
            return 200, {"id": parts[1], "mime_type": item["mime_type"], "url": f"{self.url}/files/{parts[1]}"}
        if method != "POST" or len(parts) != 3 or parts[1] != self.phone_number_id:
            return 404, _error(100, f"unknown path {path}")
        with self._lock:
            self.calls += 1
            if self._faults:
                status = self._faults.pop(0)
                return status, _error(130429 if status == 429 else 131000, f"injected {status}")
            if parts[2] == "media":
                return self._upload(headers, body)
            if parts[2] == "messages":
                return self._message(json.loads(body))
        return 404, _error(100, f"unknown edge {parts[2]}")

    def _upload(self, headers, body: bytes) -> tuple[int, dict]:
        params = decode_params(headers.get("Content-Type", ""), body)
        upload = params.get("file")
        if params.get("messaging_product") != "whatsapp" or not isinstance(upload, dict):
            return 400, _error(100, "an upload needs messaging_product=whatsapp and a file")
        media_id = f"media{next(self._ids)}"
        self.media[media_id] = {"bytes": upload["bytes"], "mime_type": params.get("type"),
                                "filename": upload["filename"]}
        return 200, {"id": media_id}

    def _message(self, message: dict) -> tuple[int, dict]:
        found = problems(message, set(self.media), self.templates)
        to = str(message.get("to"))
        if not found and message.get("type") != "template" and \
                time.time() - self._last_wrote.get(to, 0) > WINDOW_SECONDS:
            self.violations.append(("outside the 24-hour window", message))
            return 400, _error(131047, "Re-engagement message: more than 24 hours since the customer replied")
        if found:
            self.violations.append(("; ".join(found), message))
            return 400, _error(100, "; ".join(found))
        message_id = f"wamid.OUT{next(self._ids)}"
        self.sent.append({**message, "id": message_id})
        self._lock.notify_all()
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                     "messages": [{"id": message_id}]}


def _error(code: int, message: str) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAKE"}}


def _handler(api: FakeGraphAPI):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = read_body(self.headers, self.rfile)
            status, answer = api._answer(self.command, self.path.split("?")[0], self.headers, body)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream" if isinstance(answer, bytes)
                             else "application/json")
            if status == 429:
                self.send_header("Retry-After", "0.2")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args) -> None:
            pass
    return Handler
