"""``LiveFeatureStream``: candles with features (or ticks) from a running processor.

In a script (a synchronous iterator; a background thread runs the connection)::

    with LiveFeatureStream(symbol="BTC-USDT") as stream:
        for candle in stream:
            print(candle["timeframe"], candle["close"], candle["features"]["obi_5"])

In async code or a notebook cell (``async for`` works at the top level of a Jupyter cell)::

    async with LiveFeatureStream(symbol="BTC-USDT") as stream:
        async for candle in stream:
            ...

It subscribes, receives the processor's recent history and then live candles, and reconnects
by itself with exponential backoff (websockets' ``async for ... in connect()``). Every item
carries ``history``: ``True`` for the closed candles the processor kept from before the
subscription (they come first, in the order they closed across timeframes), ``False`` for what
happens next; ``history=False`` skips them.
A closed candle is yielded at most once: one whose ``start`` is not after the last closed
(or final) candle yielded for its (symbol, timeframe) is dropped, and so is an update of
such a bar (a reconnect replays history; a restarted engine may resend candles): the rule of
``candle_resend``, the engine's too. With ``closed_only=True`` (the default) it yields closed
candles and the ``final`` ones flushed at the end of a finite source; with ``False`` also the
throttled updates of open bars. ``mode="ticks"`` yields the stream's market messages instead
(``{"type": "tick", "exchange": ..., "msg": {...}}``) from an engine started with ``--mode ticks``.

``warmup="2h"`` first yields the closed candles of the last two hours kept in the local store
(``store``, default ``$TICKBRIDGE_STORE_DIR`` or ``./data``; ``source`` picks the source kind,
by default every kind but demo), marked ``history``, then the processor's history and live
candles, each bar once. Every candle carries ``after_gap``: ``True`` when bars of its timeframe
are missing between it and the previous one yielded (e.g. the first bar after a restart).

When the processor cannot be reached, a WARNING is logged (then it keeps retrying). When no
running stream matches the subscription, ``LiveFeatureStreamError`` names the streams the
processor has; ``wait=True`` waits for a matching stream instead (with one WARNING).

The processor's address is ``url``, else ``$TICKBRIDGE_URL``, else ``ws://localhost:8765``.
With ``redis_url`` it reads the processor's Redis streams instead of its WebSocket (see
``streaming_service/redis_reader.py``): consumers on other machines, and any number of
processors publishing into one Redis, each for its own group of symbols.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from contextlib import aclosing
from datetime import timedelta
from typing import Any, Literal, cast

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ...candle_resend import ResendFilter
from ...protocol import PROTOCOL_VERSION, Subscribe, encode
from ...symbol_key import normalize_symbol
from ...timeframes import is_time_bar

log = logging.getLogger(__name__)

DEFAULT_URL = "ws://localhost:8765"

__all__ = ["LiveFeatureStream", "LiveFeatureStreamError", "describe_streams", "normalize_symbol"]


class LiveFeatureStreamError(Exception):
    """The processor refused the subscription (bad token, serve mode disabled) or has no
    stream that matches it."""


def describe_streams(streams: list[dict[str, Any]]) -> str:
    if not streams:
        return "the processor has no stream running"
    return "the processor has: " + "; ".join(
        f"{s['exchange']} {','.join(s['symbols'])} ({s['mode']}"
        f"{', ' + ','.join(s['timeframes']) if s['mode'] == 'candles' and s['timeframes'] else ''})"
        for s in streams)


class LiveFeatureStream:
    def __init__(
        self,
        symbol: str,
        *,
        exchange: str = "binance",
        timeframes: list[str] | None = None,
        url: str | None = None,
        closed_only: bool = True,
        mode: Literal["candles", "ticks"] = "candles",
        history: bool = True,
        wait: bool = False,
        warmup: str | timedelta | None = None,
        store: str | os.PathLike[str] | None = None,
        source: str | None = None,
        token: str | None = None,
        reconnect_initial_s: float = 0.25,
        reconnect_max_s: float = 5.0,
        open_timeout_s: float = 10.0,
        redis_url: str | None = None,
    ) -> None:
        if mode not in ("candles", "ticks"):
            raise ValueError(f'mode must be "candles" or "ticks", not {mode!r}')
        self.symbol = symbol
        self.exchange = exchange
        self.timeframes = list(timeframes or [])
        self.url = url or os.environ.get("TICKBRIDGE_URL") or DEFAULT_URL
        self.closed_only = closed_only
        self.mode = mode
        self.history = history
        self.wait = wait
        self.warmup = warmup
        self.store = store
        self.source = source
        self.token = token if token is not None else os.environ.get("TICKBRIDGE_TOKEN") or None  # as the engine does
        self.reconnect_initial_s = reconnect_initial_s
        self.reconnect_max_s = reconnect_max_s
        self.open_timeout_s = open_timeout_s
        self.redis_url = redis_url
        self.connections = 0  # successful connections so far (1 + reconnects)
        self._delivered = ResendFilter()
        self._failures = 0  # failed connection attempts in a row
        self._next_delay = reconnect_initial_s
        self._report: tuple[str, BaseException] | None = None  # the failure to log with its delay
        self._closed = False
        self._matched = False  # a running stream matched once: later mismatches are restarts
        self._iterator: AsyncIterator[dict[str, Any]] | None = None
        self._ws: ClientConnection | None = None
        self._pump: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any] | None] | None = None

    # ---- async use ---------------------------------------------------------------------------

    async def __aenter__(self) -> LiveFeatureStream:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._iterator is None:
            live = self._redis_candles() if self.redis_url else self._events()
            self._iterator = self._warm_then(live) if self.warmup and self.mode == "candles" else live
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

    # ---- synchronous use (scripts; also works in a notebook) ---------------------------------

    def __enter__(self) -> LiveFeatureStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Items as a blocking iterator: a background thread runs the connection in its own
        event loop, so it works in scripts and in notebooks (whose loop is already running)."""
        items: queue.Queue[Any] = queue.Queue(maxsize=10_000)
        done = object()
        ready = threading.Event()

        async def pump() -> None:
            self._pump = (asyncio.get_running_loop(), asyncio.current_task())
            ready.set()
            try:
                async for item in self:
                    try:
                        items.put_nowait(item)
                    except queue.Full:  # the caller is slower than the stream: wait, keep order
                        await asyncio.to_thread(items.put, item)
            except BaseException as exc:
                items.put(exc)
            else:
                items.put(done)

        thread = threading.Thread(target=asyncio.run, args=(pump(),), name="LiveFeatureStream",
                                  daemon=True)
        thread.start()
        ready.wait()
        try:
            while True:
                item = items.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.close()
            while thread.is_alive():  # unblock a pump waiting on a full queue
                try:
                    items.get(timeout=0.05)
                except queue.Empty:
                    pass

    def close(self) -> None:
        """Stops the stream (from any thread); a running ``for`` loop over it ends."""
        self._closed = True
        if self._pump is not None:
            loop, task = self._pump
            if task is not None:
                try:
                    loop.call_soon_threadsafe(task.cancel)
                except RuntimeError:
                    pass  # the loop just stopped

    # ---- internals ---------------------------------------------------------------------------

    def _subscribe_frame(self) -> bytes:
        return encode(Subscribe(v=PROTOCOL_VERSION, exchange=self.exchange, symbol=self.symbol,
                                timeframes=self.timeframes, closed_only=self.closed_only,
                                token=self.token, mode=self.mode, history=self.history))

    def _accept(self, candle: dict[str, Any]) -> bool:
        """False for a candle already yielded; marks ``after_gap`` on the others."""
        last = self._delivered.last_delivered(candle)
        if not self._delivered.accept(candle):
            return False
        # Time bars follow each other end to start; a later start means bars are missing.
        # (Bars of N trades, e.g. `500t`, end at their last trade: no such rule for them.)
        candle["after_gap"] = last is not None and candle["start"] > last[1] and is_time_bar(candle["timeframe"])
        return True

    async def _warm_then(self, live: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        from ...readers.warm import stored_events

        assert self.warmup is not None
        events = await asyncio.to_thread(stored_events, self.store, exchange=self.exchange,
                                         symbol=self.symbol, timeframes=self.timeframes,
                                         depth=self.warmup, source=self.source)
        for event in events:
            if self._accept(event) and self.history:
                yield event
        try:
            async for event in live:
                yield event
        finally:
            await live.aclose()  # type: ignore[attr-defined]

    def _on_subscribed(self, frame: dict[str, Any]) -> None:
        if frame.get("matched"):
            self._matched = True
            return
        what = (f"{self.exchange} {self.symbol} "
                f"{'ticks' if self.mode == 'ticks' else ','.join(self.timeframes) or 'candles'}")
        streams = describe_streams(frame.get("streams") or [])
        if self.wait or self._matched:
            log.warning("LiveFeatureStream %s: no running stream matches %s yet (%s); waiting for one",
                        self.url, what, streams)
            return
        hint = " (engine started with --mode ticks?)" if self.mode == "ticks" else ""
        raise LiveFeatureStreamError(f"no running stream matches {what}{hint}: {streams}. Start one "
                                     "(npx tickbridge stream ...), or pass wait=True to wait for it")

    async def _redis_candles(self) -> AsyncIterator[dict[str, Any]]:
        from ..redis_reader import read_candles  # redis is only imported when used

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
                        event.setdefault("history", False)
                        if self.history or not event["history"]:
                            yield event
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    async def _events(self) -> AsyncIterator[dict[str, Any]]:
        """Events over WebSocket. ``connect`` reconnects: a lost connection (or an undecodable
        frame) is thrown back into it, so every failure goes through ``_retryable`` and the
        backoff of ``_reconnect_delays``."""
        connections = cast(AsyncGenerator[ClientConnection, None], connect(
            self.url, compression=None, max_size=None, open_timeout=self.open_timeout_s,
            process_exception=self._retryable, reconnect_delays=self._reconnect_delays).__aiter__())
        try:
            ws = await anext(connections)
            while True:
                failure: Exception
                try:
                    async with aclosing(self._subscription(ws)) as events:
                        async for event in events:
                            yield event
                    failure = _Ended()
                except (ConnectionClosed, msgspec.DecodeError) as exc:
                    failure = exc
                if self._closed:
                    return
                ws = await connections.athrow(failure)
        except _Stopped:
            return
        finally:
            self._ws = None
            await connections.aclose()

    async def _subscription(self, ws: ClientConnection) -> AsyncGenerator[dict[str, Any], None]:
        """The events of one connection, from its ``subscribe`` until it ends."""
        if self._closed:  # closed while connecting
            return
        self._ws = ws
        self.connections += 1
        self._failures = 0
        decoder = msgspec.json.Decoder()
        wanted = "tick" if self.mode == "ticks" else "candle"
        history_left = 0
        await ws.send(self._subscribe_frame(), text=True)
        async for raw in ws:
            event = decoder.decode(raw)
            kind = event.get("type") if isinstance(event, dict) else None
            if kind == "subscribed":
                history_left = int(event.get("history") or 0)
                self._on_subscribed(event)
                continue
            if kind == "error":
                raise LiveFeatureStreamError(f"{event.get('code')}: {event.get('message')}")
            if kind != wanted:
                continue
            self._next_delay = self.reconnect_initial_s
            is_history = history_left > 0
            history_left -= is_history
            event["history"] = is_history
            if kind == "tick":
                yield event
            elif event["closed"] or event["final"] or not self.closed_only:
                if self._accept(event):
                    yield event

    def _retryable(self, exc: Exception) -> Exception | None:
        """websockets' ``process_exception``: None to reconnect after the next delay, or the
        exception to raise."""
        if self._closed:
            return _Stopped()
        lost, self._ws = self._ws is not None, None
        if isinstance(exc, _Ended):  # the processor closed the connection: reconnect quietly
            self._report = None
            return None
        if isinstance(exc, InvalidURI) or not isinstance(
                exc, (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, msgspec.DecodeError)):
            return exc
        self._failures += 1
        self._report = ("connection lost" if lost else "cannot connect", exc)
        return None

    def _reconnect_delays(self) -> Generator[float, None, None]:
        """websockets' ``reconnect_delays``: exponential backoff from ``reconnect_initial_s`` to
        ``reconnect_max_s`` (back to the start once events arrive); says each wait it makes."""
        while True:
            delay = self._next_delay
            self._next_delay = min(delay * 2, self.reconnect_max_s)
            if self._report is not None:
                what, exc = self._report
                first = self._failures == 1
                (log.warning if first else log.info)(
                    "LiveFeatureStream %s: %s (%s); retrying in %.2fs%s", self.url, what, exc, delay,
                    " (is the processor running? npx tickbridge start, or url=...)" if first else "")
            yield delay


class _Ended(Exception):
    """The processor closed the connection cleanly (reconnect without a warning)."""


class _Stopped(Exception):
    """The stream was closed while reconnecting."""
