"""``LiveFeatureStream``: candles with features from a running processor, as an async iterator.

    async with LiveFeatureStream(symbol="BTC-USDT") as stream:
        async for candle in stream:
            print(candle["timeframe"], candle["close"], candle["features"]["obi_5"])

It subscribes, receives the processor's recent history and then live candles, and reconnects
by itself with exponential backoff. A closed candle is yielded at most once: one whose
``start`` is not after the last closed candle yielded for its (symbol, timeframe) is
dropped (a reconnect replays history; a restarted engine may resend candles). With
``closed_only=True`` (the default) it yields closed candles and the ``final`` ones flushed
at the end of a finite source; with ``False`` also the throttled updates of open bars.

With ``redis_url`` it reads the processor's Redis streams instead of its WebSocket (see
``streaming_service/redis_backend.py``): consumers on other machines, and any number of
processors publishing into one Redis, each for its own group of symbols.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, AsyncIterator

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ...protocol import PROTOCOL_VERSION, Subscribe, encode

log = logging.getLogger(__name__)

_SYMBOL_SEPARATORS = str.maketrans("", "", "-_/")


def normalize_symbol(symbol: str) -> str:
    """``BTC-USDT``, ``btc_usdt``, ``BTC/USDT`` and ``BTCUSDT`` all name the same stream."""
    return symbol.lower().translate(_SYMBOL_SEPARATORS)


class LiveFeatureStreamError(Exception):
    """The processor refused the subscription (e.g. bad token, serve mode disabled)."""


class LiveFeatureStream:
    def __init__(
        self,
        symbol: str,
        *,
        exchange: str = "binance",
        timeframes: list[str] | None = None,
        url: str = "ws://localhost:8765",
        closed_only: bool = True,
        token: str | None = None,
        reconnect_initial_s: float = 0.25,
        reconnect_max_s: float = 5.0,
        open_timeout_s: float = 10.0,
        redis_url: str | None = None,
    ) -> None:
        self.symbol = symbol
        self.exchange = exchange
        self.timeframes = list(timeframes or [])
        self.url = url
        self.closed_only = closed_only
        self.token = token if token is not None else os.environ.get("TICKBRIDGE_TOKEN") or None  # as the engine does
        self.reconnect_initial_s = reconnect_initial_s
        self.reconnect_max_s = reconnect_max_s
        self.open_timeout_s = open_timeout_s
        self.redis_url = redis_url
        self.connections = 0  # successful connections so far (1 + reconnects)
        self._last_closed: dict[tuple[str, str], str] = {}
        self._closed = False
        self._iterator: AsyncIterator[dict[str, Any]] | None = None
        self._ws: ClientConnection | None = None

    async def __aenter__(self) -> LiveFeatureStream:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._iterator is None:
            self._iterator = self._redis_candles() if self.redis_url else self._candles()
        return self._iterator

    async def aclose(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._iterator is not None:
            try:
                await self._iterator.aclose()  # type: ignore[attr-defined]
            except RuntimeError:
                pass  # being iterated in another task: it ends on the closed connection

    def _subscribe_frame(self) -> bytes:
        return encode(Subscribe(v=PROTOCOL_VERSION, exchange=self.exchange, symbol=self.symbol,
                                timeframes=self.timeframes, closed_only=self.closed_only,
                                token=self.token))

    def _accept(self, candle: dict[str, Any]) -> bool:
        key = (candle["symbol"], candle["timeframe"])
        last = self._last_closed.get(key)
        start = candle["start"]
        if last is not None and start <= last:
            return False  # already yielded (closed), or an update of a bar already closed
        if candle["closed"] or candle["final"]:
            self._last_closed[key] = start
        return True

    async def _redis_candles(self) -> AsyncIterator[dict[str, Any]]:
        from ..redis_backend import read_candles  # redis is only imported when used

        assert self.redis_url is not None
        events = read_candles(self.redis_url, exchange=self.exchange.lower(),
                              symbol_key=normalize_symbol(self.symbol), timeframes=self.timeframes,
                              normalize=normalize_symbol, is_closed=lambda: self._closed,
                              retry_initial_s=self.reconnect_initial_s,
                              retry_max_s=self.reconnect_max_s)
        try:
            async for event in events:
                if event["closed"] or event["final"] or not self.closed_only:
                    if self._accept(event):
                        self.connections = max(self.connections, 1)
                        yield event
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    async def _candles(self) -> AsyncIterator[dict[str, Any]]:
        delay = self.reconnect_initial_s
        decoder = msgspec.json.Decoder()
        while not self._closed:
            try:
                async with connect(self.url, compression=None, max_size=None,
                                   open_timeout=self.open_timeout_s) as ws:
                    self._ws = ws
                    self.connections += 1
                    await ws.send(self._subscribe_frame(), text=True)
                    async for raw in ws:
                        event = decoder.decode(raw)
                        kind = event.get("type") if isinstance(event, dict) else None
                        if kind == "error":
                            raise LiveFeatureStreamError(f"{event.get('code')}: {event.get('message')}")
                        if kind != "candle":
                            continue
                        delay = self.reconnect_initial_s
                        if event["closed"] or event["final"] or not self.closed_only:
                            if self._accept(event):
                                yield event
            except InvalidURI:
                raise
            except (OSError, ConnectionClosed, InvalidHandshake, asyncio.TimeoutError,
                    msgspec.DecodeError) as exc:
                if not self._closed:
                    log.info("LiveFeatureStream %s: connection lost (%s); retrying in %.2fs",
                             self.url, exc, delay)
            finally:
                self._ws = None
            if self._closed:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.reconnect_max_s)
