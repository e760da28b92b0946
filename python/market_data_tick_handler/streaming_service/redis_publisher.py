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
newest ``queue_limit`` events (older ones are dropped and counted), the client reconnects
with backoff (``redis_retry``) and resumes with what is queued. The consumer side is
``redis_reader``.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..redact import redact_url
from ..writer_queue import WriterQueue
from .redis_retry import OUTAGE_ERRORS, ReportingRetry

log = logging.getLogger(__name__)

PREFIX = "tickbridge"
DEFAULT_MAXLEN = 10_000


def channel_name(exchange: str, symbol: str, timeframe: str) -> str:
    return f"{PREFIX}:{exchange}:{symbol}:{timeframe}"


def _latest_fields(event: dict[str, Any], payload: bytes) -> dict[Any, str | bytes]:
    fields: dict[Any, str | bytes] = {"json": payload}
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
        self.sent = 0  # events delivered
        self.connected = False
        self._queue: WriterQueue[tuple[dict[str, Any], bytes]] = WriterQueue(
            self._send, limit=queue_limit, when_full="drop_oldest", batch=batch)
        retry = ReportingRetry(initial_s=retry_initial_s, max_s=retry_max_s, on_failure=self._outage)
        self._client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                         health_check_interval=0, retry=retry)
        self._down = False

    @property
    def dropped(self) -> int:
        """Events dropped from a full queue during an outage."""
        return self._queue.dropped

    def start(self) -> None:
        """Starts the sending task (done by the first ``publish`` when not called)."""
        self._queue.start()

    def publish(self, event: dict[str, Any], payload: bytes) -> None:
        if event["type"] != "candle" or self._queue.closing:
            return
        self._queue.put((event, payload))
        self.start()

    async def aclose(self, timeout_s: float = 3.0) -> None:
        """Sends what is queued (for at most ``timeout_s`` when Redis is unreachable), closes."""
        await self._queue.close(timeout_s)
        await self._client.aclose()

    def _outage(self, exc: Exception) -> None:
        """Each failed attempt (``ReportingRetry``'s hook): logs the outage once; stops
        retrying once closing."""
        self.connected = False
        if not self._down:
            self._down = True
            log.warning("redis %s unreachable (%s): serving from memory, retrying in the background",
                        self.label, exc)
        if self._queue.closing:
            raise exc

    async def _send(self, items: list[tuple[dict[str, Any], bytes]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for event, payload in items:
            channel = channel_name(event["exchange"], event["symbol"], event["timeframe"])
            pipe.publish(channel, payload)
            pipe.xadd(channel, {"candle": payload}, maxlen=self.maxlen, approximate=True)
            if event["closed"]:
                pipe.hset(f"{channel}:latest", mapping=_latest_fields(event, payload))
        try:
            await pipe.execute()  # retried by the client's ReportingRetry while Redis is down
        except OUTAGE_ERRORS:
            raise  # closing: the writer ends
        except RedisError as exc:  # a rejected command: drop the batch, keep going
            log.error("redis %s: command failed (%s); %d events dropped", self.label, exc, len(items))
            return
        self.sent += len(items)
        self.connected = True
        if self._down:
            self._down = False
            log.warning("redis %s: reconnected; resuming delivery (%d events dropped during the outage)",
                        self.label, self.dropped)
