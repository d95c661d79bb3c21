"""The one HTTP server a running coach listens on: every channel's webhook routes, and GET /healthz.

Tornado, which python-telegram-bot's webhook extra already brings. Whatever channels run in the
process share this server, so one port serves them all (`umkm-coach serve`).
"""
from __future__ import annotations

from typing import Any, Callable

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

MAX_BODY_BYTES = 1 << 20   # an update is a few kilobytes; refuse anything that is not

Route = tuple[str, type[RequestHandler], dict[str, Any]]


class PortBusy(Exception):
    """The webhook's address is taken; str() is the one line to show."""


class HealthHandler(RequestHandler):
    """200 "ok" when the database can be written now, else 503 and what is wrong (Docker, load balancers)."""

    def initialize(self, health: Callable[[], str | None]) -> None:
        self.health = health

    def get(self) -> None:
        problem = self.health()
        self.set_status(503 if problem else 200)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"database: {problem}\n" if problem else "ok\n")


def listen(routes: list[Route], health: Callable[[], str | None], port: int, host: str) -> HTTPServer:
    web = Application([("/healthz", HealthHandler, {"health": health}), *routes],
                      log_function=lambda handler: None)   # a line per call is noise; refusals log their own
    server = HTTPServer(web, max_body_size=MAX_BODY_BYTES)
    try:
        server.listen(port, address=host)
    except OSError as exc:
        raise PortBusy(f"cannot listen on {host}:{port} ({exc.strerror}): is another coach or program "
                       f"using it? Set PORT or LISTEN_HOST.") from None
    return server
