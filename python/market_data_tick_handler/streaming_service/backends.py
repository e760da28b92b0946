"""Where the serve hub publishes events besides its own consumers.

The hub keeps recent history in memory and fans events out to the WebSocket consumers
connected to this process. A shared backend (e.g. Redis pub/sub and streams, so that
readers on other machines see the same candles) implements ``EventPublisher`` and is passed
to the hub in ``main()``; none is built in yet.
"""

from __future__ import annotations

from typing import Any, Protocol


class EventPublisher(Protocol):
    def publish(self, event: dict[str, Any], payload: bytes) -> None:
        """Called once per candle or tick event, with its JSON encoding. Must not block:
        queue the work and do I/O in the publisher's own task."""

    async def aclose(self) -> None:
        """Flushes what is queued and releases connections (called at shutdown)."""
