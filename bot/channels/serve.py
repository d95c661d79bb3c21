"""Running channels in one process: their webhooks on one HTTP server, their loops side by side, one database.

Each channel offers a `Part`: the webhook routes it serves, what must run around them (the bot
registered, a client closed) and its own loops (long polling, outbox sweeps, check-ins). SIGTERM,
Ctrl-C, a lost database or any loop ending stops them all.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import AsyncContextManager, Awaitable, Callable

from ..app.service import CoachService
from ..config import Settings
from .web import PortBusy, Route, listen

log = logging.getLogger(__name__)


@dataclass
class Part:
    name: str
    routes: list[Route] = field(default_factory=list)
    running: Callable[[], AsyncContextManager] = contextlib.nullcontext   # entered before calls are taken
    loops: list[Callable[[], Awaitable]] = field(default_factory=list)


class Stopper:
    """What a part calls to stop the whole process (its database went away)."""

    def __init__(self):
        self.task: asyncio.Task | None = None

    def __call__(self) -> None:
        if self.task is not None:
            self.task.cancel()


def run(settings: Settings, service: CoachService, parts: list[Part], stopper: Stopper) -> int:
    """Serve the parts until stopped; the exit code."""
    names = ", ".join(p.name for p in parts)
    log.info("started: %s; database %s", names, service.storage.path)
    try:
        asyncio.run(_until_signalled(serve(settings, service, parts), stopper))
    except PortBusy as exc:
        log.error("%s", exc)
        return 1
    log.info("stopped")
    return 1 if service.lost else 0


async def _until_signalled(work, stopper: Stopper) -> None:
    task = asyncio.ensure_future(work)
    stopper.task = task
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def serve(settings: Settings, service: CoachService, parts: list[Part]) -> None:
    """One HTTP server for every part's routes (none when no part has any), then every part's loops."""
    routes = [route for part in parts for route in part.routes]
    server = listen(routes, service.health, settings.port, settings.listen_host) if routes else None
    if server:
        log.info("listening on %s:%s (%s)", settings.listen_host, settings.port,
                 ", ".join(path for path, *_ in routes))
    try:
        async with contextlib.AsyncExitStack() as stack:
            for part in parts:
                await stack.enter_async_context(part.running())
            loops = [asyncio.ensure_future(loop()) for part in parts for loop in part.loops]
            forever = asyncio.ensure_future(asyncio.Event().wait())
            try:
                done, _ = await asyncio.wait([*loops, forever], return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if not task.cancelled() and task.exception():
                        log.error("a channel stopped", exc_info=task.exception())
            finally:
                for task in (*loops, forever):
                    task.cancel()
                await asyncio.gather(*loops, forever, return_exceptions=True)
    finally:
        if server:
            server.stop()
