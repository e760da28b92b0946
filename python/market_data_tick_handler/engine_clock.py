"""The wall-clock work of an engine stream: live bars closed on time and throttled open-bar
updates while the input is quiet (the candle code itself takes the time it is given)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .processor import StreamProcessor


async def run_clock(processor: StreamProcessor, *, interval_ms: int, wall_clock_us: Callable[[], int],
                    emit: Callable[[list[dict[str, Any]]], None]) -> None:
    """Runs until cancelled, once per partial interval, so an update held back by the
    throttle goes out at most one interval after the throttle allows it, also with
    intervals of a few ms."""
    interval = max(interval_ms, 1) / 1000
    while True:
        await asyncio.sleep(interval)
        now = wall_clock_us()
        emit(processor.on_clock(now))
        emit(processor.partials(now))
