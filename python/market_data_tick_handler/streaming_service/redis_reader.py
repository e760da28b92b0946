"""Candles read back from the Redis streams a ``RedisPublisher`` writes: the consumer side
used by ``LiveFeatureStream(redis_url=...)``. It follows the streams of one exchange and
symbol with ``XREAD``, from the start of each capped stream, and reconnects with redis-py's
retry (``redis_retry``), resuming after the last entry read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis

from ..redact import redact_url
from .redis_publisher import PREFIX
from .redis_retry import ReportingRetry

log = logging.getLogger(__name__)


class _Closed(Exception):
    pass


async def read_candles(url: str, *, exchange: str, symbol_key: str, timeframes: list[str],
                       normalize: Callable[[str], str], is_closed: Callable[[], bool],
                       retry_initial_s: float = 0.25, retry_max_s: float = 5.0,
                       rescan_s: float = 2.0, block_ms: int = 500) -> AsyncIterator[dict[str, Any]]:
    """Candle events from the Redis streams of ``exchange`` whose symbol normalizes to
    ``symbol_key`` (all timeframes when ``timeframes`` is empty), oldest first per stream."""
    label = redact_url(url)

    def failed(exc: Exception) -> None:
        if is_closed():
            raise _Closed from exc
        log.info("LiveFeatureStream redis %s: connection lost (%s); retrying with backoff", label, exc)

    decoder = msgspec.json.Decoder()
    wanted = set(timeframes)
    positions: dict[Any, Any] = {}  # stream key -> last entry id read (redis-py's loose types)
    pattern = f"{PREFIX}:{exchange}:*"
    client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=max(5.0, block_ms / 1000 + 2),
                               retry=ReportingRetry(initial_s=retry_initial_s, max_s=retry_max_s,
                                                    on_failure=failed))
    loop = asyncio.get_running_loop()
    scanned_at = -1.0
    try:
        while not is_closed():
            if loop.time() - scanned_at >= rescan_s:
                scanned_at = loop.time()
                async for raw_key in client.scan_iter(match=pattern, count=1000, _type="STREAM"):
                    key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
                    parts = key.split(":")
                    if len(parts) != 4 or key in positions:
                        continue
                    if normalize(parts[2]) != symbol_key or (wanted and parts[3] not in wanted):
                        continue
                    positions[key] = "0-0"
            if not positions:  # nothing published yet: look again soon
                scanned_at = -1.0
                await asyncio.sleep(0.2)
                continue
            replies: Any = await client.xread(dict(positions), count=1000, block=block_ms)
            for raw_key, entries in replies or ():
                key = raw_key.decode() if isinstance(raw_key, bytes) else raw_key
                for entry_id, fields in entries:
                    positions[key] = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    data = fields.get(b"candle") or fields.get("candle")
                    if data is None:
                        continue
                    try:
                        event = decoder.decode(data)
                    except msgspec.DecodeError:
                        continue
                    if isinstance(event, dict) and event.get("type") == "candle":
                        yield event
    except _Closed:
        return
    finally:
        await client.aclose()
