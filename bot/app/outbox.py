"""Delivery of committed replies, per owner and in order, through any channel: retries, blocked owners, files.

Replies are stored with the state they answer (CoachService) before anything is sent, and deleted
once the channel has them; a crash in between sends them after the restart. One process owns a
database (its lock says so), so the queue kept here in memory is the truth while it runs; the first
`sweep` takes over what an earlier run left behind, later ones what network trouble held back.

When the database cannot be written (a full disk), a reply that went out but could not be marked
sent is remembered here until the mark succeeds, so it is never sent twice; sweeps back off.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from typing import Callable

from ..channels.base import Blocked, Channel, Message, OutFile, Outgoing, RetryLater, Unreachable
from ..storage import Storage

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 4            # per message per delivery round; what is left waits in the outbox
RETRY_BASE_SECONDS = 0.5
STORAGE_RETRY_SECONDS = (5.0, 300.0)   # first and longest wait between sweeps while the database fails

FileMaker = Callable[[int, str], Callable[[], OutFile] | None]


class Outbox:
    def __init__(self, storage: Storage, file_maker: FileMaker):
        self.storage = storage
        self.file_maker = file_maker
        self._queues: dict[int, deque[Outgoing]] = {}
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}   # owner -> (their lock, deliveries holding or awaiting it)
        self._unmarked: set[int] = set()   # sent, but the database refused to record it
        self._took_over = False
        self._storage_wait = 0.0           # seconds; 0 while the database writes fine
        self._next_sweep = 0.0

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
        lock, users = self._locks.get(owner_id) or (asyncio.Lock(), 0)
        self._locks[owner_id] = (lock, users + 1)
        try:
            async with lock:
                queue = self._queues.get(owner_id)
                while queue:
                    if not await self._send(channel, queue[0]):
                        return
                    queue.popleft()
                self._queues.pop(owner_id, None)
        finally:   # the last one out drops the lock: a coach meeting a million owners keeps none of them
            lock, users = self._locks[owner_id]
            if users == 1:
                del self._locks[owner_id]
            else:
                self._locks[owner_id] = (lock, users - 1)

    async def sweep(self, channel: Channel) -> None:
        """Send what a crash or a network outage left in the database; wait longer each time it fails."""
        if time.monotonic() < self._next_sweep:
            return
        try:
            if not self._took_over:
                if taken := self.storage.claim_outbox():
                    log.info("%d replies left by an earlier run will be sent", taken)
                self._took_over = True
            self._mark_remembered()
            for owner_id in self.storage.pending_owners(channel.owners):
                if owner_id in self._locks:
                    continue   # being delivered right now
                stored = [m for m in self.pending(owner_id) if m.outbox_id not in self._unmarked]
                merged = {m.outbox_id: m for m in (*self._queues.get(owner_id, ()), *stored)}
                self._queues[owner_id] = deque(merged[i] for i in sorted(merged))
                await self.deliver(channel, owner_id)
        except sqlite3.Error as exc:
            first, longest = STORAGE_RETRY_SECONDS
            self._storage_wait = min(max(self._storage_wait * 2, first), longest)
            self._next_sweep = time.monotonic() + self._storage_wait
            log.warning("database cannot be written (%s): queued replies wait %.0f s", exc, self._storage_wait)
            return
        if self._storage_wait:
            log.info("database writes again: queued replies go out")
        self._storage_wait = 0.0

    def _mark_remembered(self) -> None:
        for outbox_id in sorted(self._unmarked):
            self.storage.mark_sent(outbox_id)
            self._unmarked.discard(outbox_id)

    async def _send(self, channel: Channel, out: Outgoing) -> bool:
        for attempt in range(SEND_ATTEMPTS):
            try:
                await self._send_once(channel, out)
            except Blocked:
                log.info("owner %s blocked the coach; marked inactive", out.owner_id)
                self._queues.pop(out.owner_id, None)
                try:
                    self.storage.set_active(out.owner_id, False)
                    self.storage.drop_pending(out.owner_id)
                except sqlite3.Error as exc:   # tried again (and refused again by Telegram) at a later sweep
                    log.warning("could not mark owner %s inactive: %s", out.owner_id, exc)
                return False
            except RetryLater as exc:
                await asyncio.sleep(exc.seconds)
                continue
            except Unreachable as exc:   # the reply stays queued
                log.warning("network trouble sending a reply (attempt %d): %s", attempt + 1, exc)
                if attempt + 1 < SEND_ATTEMPTS:
                    await asyncio.sleep(RETRY_BASE_SECONDS * 2 ** attempt)
                continue
            self._mark_sent(out)
            return True
        return False

    def _mark_sent(self, out: Outgoing) -> None:
        try:
            self.storage.mark_sent(out.outbox_id)
        except sqlite3.Error as exc:   # it went out: remember that here rather than send it again
            self._unmarked.add(out.outbox_id)
            log.warning("reply %d was sent but the database could not record it (%s); kept in memory",
                        out.outbox_id, exc)

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
            try:
                self.storage.remember_group_message(out.chat_id, sent.message_id, out.owner_id)
            except sqlite3.Error as exc:   # only group buttons' ownership is lost, never the reply itself
                log.warning("could not record whose message %s is: %s", sent.message_id, exc)

