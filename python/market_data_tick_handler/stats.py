"""Processor-wide counters, the periodic ``stats`` frame and the ``/health`` body."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Stats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.messages = 0
        self.trades = 0
        self.candles = 0
        self.errors = 0
        self.engines = 0
        self.consumers = 0
        self.messages_per_s = 0.0
        # Per engine stream: messages counted in no bar (StreamProcessor.counters()).
        self.streams: dict[str, dict[str, int]] = {}
        self._rate_at = self.started
        self._rate_messages = 0

    def update_rate(self) -> None:
        """Recomputes ``messages_per_s`` over the time since the previous call (~1 s)."""
        now = self._clock()
        elapsed = now - self._rate_at
        if elapsed > 0:
            self.messages_per_s = (self.messages - self._rate_messages) / elapsed
        self._rate_at = now
        self._rate_messages = self.messages

    def values(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "messages_per_s": round(self.messages_per_s, 1),
            "trades": self.trades,
            "candles": self.candles,
            "uptime_s": round(self._clock() - self.started, 1),
            "engines": self.engines,
            "consumers": self.consumers,
            "errors": self.errors,
            "streams": {stream: dict(counts) for stream, counts in self.streams.items()},
        }

    def frame(self) -> dict[str, Any]:
        return {"type": "stats", **self.values()}

    def health(self) -> dict[str, Any]:
        return {"status": "ok", **self.values()}
