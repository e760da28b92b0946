"""When an engine stream is acknowledged (docs/protocol.md, Delivery guarantees).

- ``AckWindow``: at the latest every ``ACK_EVERY`` messages, when the input goes idle, and
  for a batch of resent messages only (so the engine stops resending it).
- ``HeldAcks``: with a local store an ack goes out only once the store has committed the
  closed candles it covers; one commit per held ack (acks are cumulative: the newest held
  one replaces an older one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .persist.local_store import LocalStore

ACK_EVERY = 2000
"""Acks are sent at the latest when this many messages are unacknowledged."""


class AckWindow:
    def __init__(self) -> None:
        self.unacked = 0
        self._due = False  # a batch of resent messages only: ack it anyway when idle

    @property
    def room(self) -> int:
        """Messages that can be processed before an ack is due."""
        return ACK_EVERY - self.unacked

    def processed(self, count: int) -> bool:
        """Counts processed messages; True when an ack is due now."""
        self.unacked += count
        return self.unacked >= ACK_EVERY

    def resent_only(self) -> None:
        self._due = True

    @property
    def due_when_idle(self) -> bool:
        return bool(self.unacked) or self._due

    def acked(self) -> None:
        self.unacked = 0
        self._due = False


class HeldAcks:
    """Ack frames sent through ``send`` at once (no store) or after the store's commit."""

    def __init__(self, store: LocalStore | None, send: Callable[[bytes], object]) -> None:
        self._store = store
        self._send = send
        self._held: bytes | None = None
        self._wake = asyncio.Event()

    def ack(self, frame: bytes) -> None:
        if self._store is None:
            self._send(frame)
        else:
            self._held = frame
            self._wake.set()

    async def run(self) -> None:
        """Commits and releases held acks until cancelled; raises ``StoreFailed``."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.release()

    async def release(self) -> None:
        """Commits the store and sends the held ack (and any held meanwhile)."""
        while self._held is not None:
            frame = self._held
            assert self._store is not None
            await self._store.commit()
            if self._held is frame:
                self._held = None
            self._send(frame)
