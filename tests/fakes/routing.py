"""The HTTP side of the fake: the threaded server, routing /bot<token>/<method> to a method, JSON answers and errors."""
from __future__ import annotations

import json
import re
import socket
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .multipart import decode_params, read_body

__all__ = ["ApiError", "bad", "RoutingMixin", "Server"]


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": code, "description": description}."""

    def __init__(self, code: int, description: str, parameters: dict | None = None,
                 invalid: bool | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        # "invalid request" errors are recorded in FakeBotAPI.errors
        self.invalid = (400 <= code < 500 and code not in (403, 429)) if invalid is None else invalid


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, fake):
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
        pass

    def setup(self) -> None:
        super().setup()
        try:  # no Nagle delay between our writes and the client's delayed ACKs
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.fake._track_connection(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, False)

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST


class RoutingMixin:
    """FakeBotAPI's request handling; methods are the _api<Name> methods of the class (case-insensitive)."""

    def _init_routing(self) -> None:
        names = [name for name in dir(self) if name.startswith("_api") and callable(getattr(self, name))]
        self._methods = {name[4:].lower(): getattr(self, name) for name in names}
        self._canonical = {name[4:].lower(): name[4].lower() + name[5:] for name in names}

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, status: int, payload: dict | bytes,
                 content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            buffer = getattr(handler, "_headers_buffer", None)
            if isinstance(buffer, list):
                buffer.append(b"\r\n" + body)  # headers and body in one send()
                handler.flush_headers()
            else:
                handler.end_headers()
                handler.wfile.write(body)
        except OSError:
            handler.close_connection = True

    @staticmethod
    def _error_payload(error: ApiError) -> dict:
        payload: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return payload

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(handler.path).path)
        try:
            body = read_body(handler.headers, handler.rfile)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if not m:
            self._respond(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, raw_method = m.group(1), m.group(2)
        try:
            params = decode_params(handler.headers.get("Content-Type", ""), body)
        except (ValueError, UnicodeDecodeError) as exc:
            params = {"_raw_body": body}
            error = bad(f"can't parse request: {exc}")
            self._record(raw_method, params, error)
            self._respond(handler, 400, self._error_payload(error))
            return
        key = raw_method.lower()
        method = self._canonical.get(key, raw_method)
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()
        if token != self.token:
            error = ApiError(401, "Unauthorized")
        elif key not in self._methods:
            error = ApiError(404, "Not Found")
        else:
            error = None
        if error is not None:
            self._record(method, params, error)
            self._respond(handler, error.code, self._error_payload(error))
            return
        if self._inject_fault(handler, method, params):
            return
        try:
            with self._cond:
                result = self._methods[key](params)
                self._cond.notify_all()
        except ApiError as exc:
            self._record(method, params, exc)
            self._respond(handler, exc.code, self._error_payload(exc))
            return
        except Exception as exc:  # a bug in the fake or a grossly malformed parameter
            error = bad(f"{type(exc).__name__}: {exc}")
            self._record(method, params, error)
            self._respond(handler, 400, self._error_payload(error))
            return
        payload: dict[str, Any] = {"ok": True, "result": result}
        if isinstance(result, tuple):  # (result, description)
            payload = {"ok": True, "result": result[0], "description": result[1]}
        self._respond(handler, 200, payload)

    def _record(self, method: str, params: dict, error: ApiError) -> None:
        if error.invalid:
            with self._cond:
                self.errors.append((method, params, error.description))
                self._cond.notify_all()
