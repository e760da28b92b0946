"""Processor-wide counters, the periodic ``stats`` frame and the ``/health`` body."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class RateMeter:
    """Messages per second from a growing counter, as contract/limits.json (``rate``) defines it
    (core/src/engine/rate.ts is the engine's): the counter's increase since the previous sample
    over the seconds since it; a sample with no time elapsed keeps the previous rate."""

    def __init__(self, now: float) -> None:
        self._at = now
        self._count = 0
        self.rate = 0.0

    def sample(self, count: int, now: float) -> float:
        elapsed = now - self._at
        if elapsed > 0:
            self.rate = (count - self._count) / elapsed
        self._at = now
        self._count = count
        return self.rate


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
        # Per engine stream: messages counted in no bar (StreamProcessor.counters()).
        self.streams: dict[str, dict[str, int]] = {}
        self._rate = RateMeter(self.started)

    @property
    def messages_per_s(self) -> float:
        return self._rate.rate

    def update_rate(self) -> None:
        """Samples ``messages_per_s`` (the server calls it every ``rate.sample_interval_ms``)."""
        self._rate.sample(self.messages, self._clock())

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
