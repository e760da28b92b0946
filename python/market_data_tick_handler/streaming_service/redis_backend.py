"""Redis delivery: candles on Redis pub/sub, in capped Redis streams and in a latest-candle hash.

For every candle event, ``RedisPublisher`` (an ``EventPublisher`` of the serve hub):

- publishes its JSON on the channel ``tickbridge:{exchange}:{symbol}:{timeframe}``
  (``symbol`` as the engine sends it, e.g. ``BTCUSDT``);
- appends it (field ``candle``) to the stream of the same name, capped with
  ``XADD ... MAXLEN ~ maxlen``;
- for a closed candle, writes it into the hash ``{channel}:latest`` (its scalar fields, plus
  ``features`` and ``json`` as JSON text).

``publish`` only queues; one task sends the queue in pipelined batches. When Redis is down
the processor goes on serving from memory: the outage is logged once, the queue keeps the
newest ``queue_limit`` events (older ones are dropped and counted), the task reconnects with
backoff and resumes with what is queued.

``read_candles`` is the consumer side used by ``LiveFeatureStream(redis_url=...)``: it follows
the streams of one exchange and symbol with ``XREAD``, from the start of each capped stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..redact import redact_url

log = logging.getLogger(__name__)

PREFIX = "tickbridge"
DEFAULT_MAXLEN = 10_000
_OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


def channel_name(exchange: str, symbol: str, timeframe: str) -> str:
    return f"{PREFIX}:{exchange}:{symbol}:{timeframe}"


def _latest_fields(event: dict[str, Any], payload: bytes) -> dict[str, str | bytes]:
    fields: dict[str, str | bytes] = {"json": payload}
    for key, value in event.items():
        if key == "features":
            fields[key] = msgspec.json.encode(value)
        elif value is None:
            fields[key] = ""
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = str(value)
    return fields


class RedisPublisher:
    """``EventPublisher`` that delivers candle events to Redis (see the module docstring)."""

    def __init__(self, url: str, *, maxlen: int = DEFAULT_MAXLEN, queue_limit: int = 100_000,
                 batch: int = 500, retry_initial_s: float = 0.2, retry_max_s: float = 5.0) -> None:
        self.url = url
        self.label = redact_url(url)  # what logs show: no password
        self.maxlen = maxlen
        self.batch = batch
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.sent = 0  # events delivered
        self.dropped = 0  # events dropped from a full queue during an outage
        self.connected = False
        self._queue: deque[tuple[dict[str, Any], bytes]] = deque(maxlen=queue_limit)
        self._client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                         health_check_interval=0)
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._down = False

    def start(self) -> None:
        """Starts the sending task (done by the first ``publish`` when not called)."""
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    def publish(self, event: dict[str, Any], payload: bytes) -> None:
        if event["type"] != "candle" or self._closing:
            return
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append((event, payload))
        self.start()
        assert self._wake is not None
        self._wake.set()

    async def aclose(self, timeout_s: float = 3.0) -> None:
        """Sends what is queued (for at most ``timeout_s`` when Redis is unreachable), closes."""
        self._closing = True
        if self._task is not None:
            assert self._wake is not None
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except (TimeoutError, asyncio.CancelledError):
                pass
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.aclose()

    async def _run(self) -> None:
        assert self._wake is not None
        delay = self.retry_initial_s
        while True:
            if not self._queue:
                if self._closing:
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            items = [self._queue[i] for i in range(min(self.batch, len(self._queue)))]
            try:
                await self._send(items)
            except _OUTAGE_ERRORS as exc:
                self._outage(exc)
                if self._closing:
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            except RedisError as exc:  # a rejected command: drop the batch, keep going
                log.error("redis %s: command failed (%s); %d events dropped", self.label, exc, len(items))
            for _ in items:
                self._queue.popleft()
            delay = self.retry_initial_s
            self.connected = True
            if self._down:
                self._down = False
                log.warning("redis %s: reconnected; resuming delivery (%d events dropped during the outage)",
                            self.label, self.dropped)

    def _outage(self, exc: BaseException) -> None:
        self.connected = False
        if not self._down:
            self._down = True
            log.warning("redis %s unreachable (%s): serving from memory, retrying in the background",
                        self.label, exc)

    async def _send(self, items: list[tuple[dict[str, Any], bytes]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for event, payload in items:
            channel = channel_name(event["exchange"], event["symbol"], event["timeframe"])
            pipe.publish(channel, payload)
            pipe.xadd(channel, {"candle": payload}, maxlen=self.maxlen, approximate=True)
            if event["closed"]:
                pipe.hset(f"{channel}:latest", mapping=_latest_fields(event, payload))
        await pipe.execute()
        self.sent += len(items)


async def read_candles(url: str, *, exchange: str, symbol_key: str, timeframes: list[str],
                       normalize: Callable[[str], str], is_closed: Callable[[], bool],
                       retry_initial_s: float = 0.25, retry_max_s: float = 5.0,
                       rescan_s: float = 2.0, block_ms: int = 500) -> AsyncIterator[dict[str, Any]]:
    """Candle events from the Redis streams of ``exchange`` whose symbol normalizes to
    ``symbol_key`` (all timeframes when ``timeframes`` is empty), oldest first per stream.
    Reconnects with backoff; resumes after the last entry read."""
    decoder = msgspec.json.Decoder()
    wanted = set(timeframes)
    positions: dict[str, str] = {}
    delay = retry_initial_s
    pattern = f"{PREFIX}:{exchange}:*"
    while not is_closed():
        client = aioredis.from_url(url, socket_connect_timeout=2,
                                   socket_timeout=max(5.0, block_ms / 1000 + 2))
        try:
            scanned_at = -1.0
            loop = asyncio.get_running_loop()
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
                replies = await client.xread(dict(positions), count=1000, block=block_ms)
                delay = retry_initial_s
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
        except _OUTAGE_ERRORS as exc:
            if not is_closed():
                log.info("LiveFeatureStream redis %s: connection lost (%s); retrying in %.2fs",
                         redact_url(url), exc, delay)
        finally:
            await client.aclose()
        if is_closed():
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, retry_max_s)
