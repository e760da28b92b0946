"""Persist mode: closed candles (with their features) handed to storage backends.

A backend implements ``Persister``. ``write`` is called on the event loop for every closed
candle and must not block: backends buffer and do their I/O off the hot path (a worker
thread or their own task), flushing what is buffered in ``aclose`` at shutdown.
``PersistPublisher`` plugs the backends into the serve hub as one ``EventPublisher``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Persister(Protocol):
    def write(self, candle: dict[str, Any]) -> None:
        """Called once per closed candle (the event dict of docs/events.md). Must not block."""

    async def aclose(self) -> None:
        """Writes what is buffered and releases resources (called at shutdown)."""


class PersistPublisher:
    """An ``EventPublisher`` that passes closed candles to the persisters."""

    def __init__(self, persisters: Sequence[Persister]) -> None:
        self.persisters = list(persisters)

    def publish(self, event: dict[str, Any], payload: bytes) -> None:
        if event["type"] != "candle" or not event["closed"]:
            return
        for persister in self.persisters:
            persister.write(event)

    async def aclose(self) -> None:
        for persister in self.persisters:
            await persister.aclose()
