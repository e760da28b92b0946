"""The serve hub: recent candles kept in memory and served to consumers over WebSocket.

``ServeHub`` receives every candle / tick event of every stream, keeps the last N closed
candles per (exchange, symbol, timeframe) and pushes events to subscribed consumers. A
consumer that does not keep up fills its bounded queue and is closed with 1008
``consumer too slow``; the others are unaffected. The client side is ``live_stream``.

A new consumer first gets a ``subscribed`` frame: how many history candles follow (in the
order they closed, across timeframes), whether a running stream (or kept history) matches the
subscription, and the streams the processor has, so that a client can say what is there
instead of waiting in silence.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ...protocol import Hello, StreamSummary, Subscribed, encode
from ...symbol_key import normalize_symbol
from ...timeframes import parse_timeframe
from ...writer_queue import WriterQueue
from ..backends import EventPublisher

log = logging.getLogger(__name__)

TOO_SLOW = "consumer too slow"


class Consumer:
    """One subscribed connection: its filter and its bounded outgoing queue."""

    def __init__(self, ws: ServerConnection, *, exchange: str, symbol: str,
                 timeframes: Iterable[str], closed_only: bool, limit: int,
                 mode: Literal["candles", "ticks"] = "candles", history: bool = True) -> None:
        self.ws = ws
        self.exchange = exchange.lower()
        self.symbol = symbol
        self.symbol_key = normalize_symbol(symbol)
        self.timeframes = frozenset(timeframes) or None
        self.closed_only = closed_only
        self.mode = mode
        self.wants_history = history
        self.too_slow = False
        self._queue: WriterQueue[bytes] = WriterQueue(self._send, limit=limit)
        self._slow = asyncio.Event()

    @property
    def limit(self) -> int:
        """Events queued at most; one more and the consumer is too slow."""
        assert self._queue.limit is not None
        return self._queue.limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._queue.limit = value

    def wants(self, event: dict[str, Any], exchange: str, symbol_key: str | None) -> bool:
        if self.exchange and self.exchange != exchange:
            return False
        if symbol_key is not None and symbol_key != self.symbol_key:
            return False
        if event["type"] != "candle":
            return self.mode == "ticks"
        if self.mode != "candles":
            return False
        if self.timeframes is not None and event["timeframe"] not in self.timeframes:
            return False
        return event["closed"] or event["final"] or not self.closed_only

    def offer(self, payload: bytes) -> None:
        if not self.too_slow and not self._queue.put(payload):
            self.too_slow = True
            self._queue.clear()
            self._slow.set()

    async def run(self) -> None:
        """Sends queued events until the peer leaves or falls too far behind."""
        pump = self._queue.start()
        slow = asyncio.create_task(self._slow.wait())
        reader = asyncio.create_task(self._discard_input())
        try:
            await asyncio.wait({pump, slow, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, slow, reader):
                task.cancel()
            await asyncio.gather(pump, slow, reader, return_exceptions=True)
        if self.too_slow:
            peer = _peer(self.ws)
            log.warning("consumer %s too slow: closed", peer)
            await self.ws.close(1008, TOO_SLOW)

    async def _send(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            await self.ws.send(payload, text=True)

    async def _discard_input(self) -> None:
        try:
            async for _ in self.ws:
                pass  # consumers have nothing more to say after subscribe
        except ConnectionClosed:
            pass


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


DEFAULT_HISTORY = 1000
"""Closed candles kept per exchange, symbol and timeframe for new consumers (``--history``)."""


class ServeHub:
    """History and fan-out of candle / tick events to consumers and publishers."""

    def __init__(self, *, history: int = DEFAULT_HISTORY, queue_limit: int = 10_000,
                 publishers: Sequence[EventPublisher] = (), serving: bool = True) -> None:
        if history < 0 or queue_limit < 1:
            raise ValueError("history must be >= 0 and queue_limit >= 1")
        self.history = history
        self.queue_limit = queue_limit
        self.publishers = list(publishers)
        self.serving = serving  # False (--noServe): only the publishers get events
        self._recent: dict[tuple[str, str, str], deque[tuple[dict[str, Any], bytes]]] = {}
        self._consumers: list[Consumer] = []
        self._symbol_keys: dict[str, str] = {}
        self._streams: list[Hello] = []  # the engine streams connected now

    def stream_started(self, hello: Hello) -> None:
        self._streams.append(hello)

    def stream_ended(self, hello: Hello) -> None:
        if hello in self._streams:
            self._streams.remove(hello)

    @property
    def consumer_count(self) -> int:
        return len(self._consumers)

    @property
    def wants_ticks(self) -> bool:
        return bool(self._consumers or self.publishers)

    def publish(self, event: dict[str, Any], payload: bytes | None = None) -> None:
        exchange = event["exchange"].lower()
        if event["type"] == "candle":
            symbol = event["symbol"]
        else:
            symbol = getattr(event["msg"], "symbol", None)
        symbol_key = None
        if symbol is not None:
            symbol_key = self._symbol_keys.get(symbol)
            if symbol_key is None:
                symbol_key = self._symbol_keys[symbol] = normalize_symbol(symbol)
        if self.history and event["type"] == "candle" and event["closed"]:
            payload = payload if payload is not None else encode(event)
            key = (exchange, symbol_key or "", event["timeframe"])
            recent = self._recent.get(key)
            if recent is None:
                recent = self._recent[key] = deque(maxlen=self.history)
            recent.append((event, payload))
        dropped = False
        for consumer in self._consumers:
            if consumer.wants(event, exchange, symbol_key):
                payload = payload if payload is not None else encode(event)
                consumer.offer(payload)
                dropped = dropped or consumer.too_slow
        if dropped:  # it is being closed: stop feeding it
            self._consumers = [c for c in self._consumers if not c.too_slow]
        if self.publishers:
            payload = payload if payload is not None else encode(event)
            for publisher in self.publishers:
                publisher.publish(event, payload)

    def add(self, consumer: Consumer) -> int:
        """Registers ``consumer``, queues its ``subscribed`` frame and its history (in the order
        the candles closed: by end, shorter timeframes first); returns how many history events
        were queued. History and registration happen in one step, so no event is missed or
        doubled between them."""
        items: list[tuple[str, int, bytes]] = []
        for (exchange, symbol_key, _tf), recent in self._recent.items():
            if not consumer.wants_history or symbol_key != consumer.symbol_key:
                continue
            if consumer.exchange and consumer.exchange != exchange:
                continue
            for event, payload in recent:
                if consumer.wants(event, exchange, symbol_key):
                    items.append((event["end"], _length_rank(event["timeframe"]), payload))
        items.sort(key=lambda item: (item[0], item[1]))
        matched = bool(items) or any(_matches(consumer, hello) for hello in self._streams)
        consumer.limit += len(items) + 1  # the history itself never counts as falling behind
        consumer.offer(encode(Subscribed(history=len(items), matched=matched,
                                         streams=[_summary(hello) for hello in self._streams])))
        for _, _, payload in items:
            consumer.offer(payload)
        self._consumers.append(consumer)
        return len(items)

    def remove(self, consumer: Consumer) -> None:
        if consumer in self._consumers:
            self._consumers.remove(consumer)

    async def aclose(self) -> None:
        for publisher in self.publishers:
            await publisher.aclose()


def _matches(consumer: Consumer, hello: Hello) -> bool:
    """Whether the running stream ``hello`` produces what ``consumer`` subscribed to."""
    if consumer.exchange and consumer.exchange != hello.exchange.lower():
        return False
    if consumer.symbol_key not in {normalize_symbol(s) for s in hello.symbols}:
        return False
    if consumer.mode != hello.mode:
        return False
    return consumer.mode == "ticks" or consumer.timeframes is None or not hello.timeframes \
        or bool(consumer.timeframes.intersection(hello.timeframes))


def _summary(hello: Hello) -> StreamSummary:
    return StreamSummary(stream_id=hello.stream_id, exchange=hello.exchange, symbols=hello.symbols,
                         timeframes=hello.timeframes, mode=hello.mode)


def _length_rank(label: str) -> int:
    try:
        return parse_timeframe(label)
    except ValueError:
        return 0
