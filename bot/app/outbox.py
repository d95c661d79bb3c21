"""Delivery of committed replies, per owner and in order, through any channel: retries, blocked owners, files.

Replies are stored with the state they answer (CoachService) before anything is sent, and deleted
once the channel has them; a crash in between sends them after the restart. One process owns a
database, so the queue kept here in memory is the truth while it runs; `sweep` reads back only what
an earlier run left behind.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Callable

from ..channels.base import Blocked, Channel, Message, OutFile, Outgoing, RetryLater, Unreachable
from ..storage import Storage

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 4            # per message per delivery round; what is left waits in the outbox
RETRY_BASE_SECONDS = 0.5

FileMaker = Callable[[int, str], Callable[[], OutFile] | None]


class Outbox:
    def __init__(self, storage: Storage, file_maker: FileMaker):
        self.storage = storage
        self.file_maker = file_maker
        self._queues: dict[int, deque[Outgoing]] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def queue(self, messages: list[Outgoing]) -> None:
        """Messages just committed, in order."""
        for message in messages:
            self._queues.setdefault(message.owner_id, deque()).append(message)

    def drop(self, owner_id: int) -> None:
        self._queues.pop(owner_id, None)
        self.storage.drop_pending(owner_id)

    def pending(self, owner_id: int | None = None) -> list[Outgoing]:
        """What waits in the database (a crash's leftovers, or replies not yet sent), oldest first."""
        return [Outgoing(r["id"], r["owner_id"], r["chat_id"], Message.from_payload(r["payload"]))
                for r in self.storage.pending(owner_id)]

    async def deliver(self, channel: Channel, owner_id: int) -> None:
        """Send the owner's queued replies in order; one that cannot go now holds back the later ones."""
        lock = self._locks.setdefault(owner_id, asyncio.Lock())
        async with lock:
            queue = self._queues.get(owner_id)
            while queue:
                if not await self._send(channel, queue[0]):
                    return
                queue.popleft()
            self._queues.pop(owner_id, None)

    async def sweep(self, channel: Channel) -> None:
        """Send what a crash or a network outage left in the database."""
        for owner_id in self.storage.pending_owners():
            if owner_id in self._locks and self._locks[owner_id].locked():
                continue   # being delivered right now
            merged = {m.outbox_id: m for m in (*self._queues.get(owner_id, ()), *self.pending(owner_id))}
            self._queues[owner_id] = deque(merged[i] for i in sorted(merged))
            await self.deliver(channel, owner_id)

    async def _send(self, channel: Channel, out: Outgoing) -> bool:
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._send_once(channel, out)
            except Blocked:
                log.info("owner %s blocked the coach; marked inactive", out.owner_id)
                self.storage.set_active(out.owner_id, False)
                self.drop(out.owner_id)
                return False
            except RetryLater as exc:
                await asyncio.sleep(exc.seconds)
                continue
            except Unreachable as exc:   # the reply stays queued
                log.warning("network trouble sending a reply (attempt %d): %s", attempt + 1, exc)
                if attempt + 1 < SEND_ATTEMPTS:
                    await asyncio.sleep(RETRY_BASE_SECONDS * 2 ** attempt)
                continue
            self.storage.mark_sent(out.outbox_id)
            return True
        return False

    async def _send_once(self, channel: Channel, out: Outgoing) -> None:
        message = out.message
        made = None
        if message.file:
            make = self.file_maker(out.owner_id, message.file)
            if make is None:
                return
            try:
                made = await asyncio.to_thread(make)   # drawing a plan takes a moment: other owners go on
            except Exception:   # a file that cannot be made must not hold back the owner's next replies
                log.exception("could not make the %s file for owner %s", message.file, out.owner_id)
                return
        sent = await channel.send(out.chat_id, message, made)
        if sent.ties_owner and sent.message_id is not None:
            self.storage.remember_group_message(out.chat_id, sent.message_id, out.owner_id)

