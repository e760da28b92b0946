"""``StreamProcessor``: one stream's candles and features, as pure computation.

Takes decoded market messages, returns event dicts. It has no sockets and reads no clock:
wall-clock work (live closes, throttled partials) happens only in ``on_clock(now_us)`` and
``partials(now_us)`` with the time the caller passes. Its whole state round-trips through
``snapshot()`` / ``restore()`` as JSON, which is what the protocol's acks carry.

Time model: one stream clock (exchange ``ts``). Every symbol's bars cover the same epoch-
aligned intervals; a message whose ``ts`` reaches the end of the open base bucket closes it
for every symbol (and the bars of every timeframe that end there). A message older than the
open bucket (late) is counted in the open bucket.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .candles import Accumulator, SymbolBars, candle_event
from .features import apply_book, apply_liquidation, apply_ticker, feature_values, lose_book
from .protocol import (BookSnapshot, DerivativeTicker, Disconnect, End, InvalidMessage,
                       Liquidation, Trade)
from .timeframes import base_length, bucket_start, parse_timeframes

STATE_VERSION = 1
MAX_EMPTY_BARS = 50_000
"""Empty bars emitted per symbol and timeframe when time jumps; more are skipped (logged)."""


def _ignore(_msg: Any) -> None:
    pass


class SeqGap(Exception):
    """A batch starts after the next expected sequence number (messages are missing)."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"expected seq {expected}, got {got}: messages {expected}..{got - 1} are missing")
        self.expected = expected
        self.got = got


class StreamProcessor:
    def __init__(
        self,
        *,
        exchange: str,
        timeframes: list[str],
        mode: str = "candles",
        live: bool = False,
        next_seq: int = 1,
        close_grace_us: int = 2_000_000,
        partial_interval_us: int = 250_000,
    ) -> None:
        if mode not in ("candles", "ticks"):
            raise ValueError(f'mode must be "candles" or "ticks", got {mode!r}')
        self.exchange = exchange
        self.mode = mode
        self.live = live
        self.timeframes = parse_timeframes(timeframes)
        self.labels = [label for label, _ in self.timeframes]
        self.lengths = [length for _, length in self.timeframes]
        self.base_us = base_length(self.lengths)
        self.close_grace_us = close_grace_us
        self.partial_interval_us = partial_interval_us
        self.next_seq = next_seq
        self.symbols: dict[str, SymbolBars] = {}
        self.base_start: int | None = None
        self.bar_starts: list[int] = [0] * len(self.lengths)
        self.gap_pending = False
        self.trades_seen = 0
        self.ended = False  # set by an `end` message; the caller acks and clears it
        self._boundary = -(1 << 62)  # end of the open base bucket (first message starts it)
        self._out: list[dict[str, Any]] = []
        self._handlers: dict[type, Callable[[Any], None]]
        if mode == "ticks":
            self._handlers = dict.fromkeys(
                (Trade, BookSnapshot, DerivativeTicker, Liquidation, Disconnect, End), self._on_tick)
        else:
            self._handlers = {Trade: self._on_trade, BookSnapshot: self._on_book,
                              DerivativeTicker: self._on_ticker, Liquidation: self._on_liquidation,
                              Disconnect: self._on_disconnect, End: self._on_end}
        self._handlers[InvalidMessage] = self._skip_tick if mode == "ticks" else _ignore
        self._tick_seq = next_seq  # ticks mode: the sequence number of the next message

    # ---- input ---------------------------------------------------------------------------

    def process(self, msgs: Iterable[Any]) -> list[dict[str, Any]]:
        """Processes messages (no sequence numbers involved); returns the events they caused.
        ``InvalidMessage`` entries (rejected by validation) only use up their number."""
        handlers = self._handlers
        for msg in msgs:
            handlers[type(msg)](msg)
        return self._drain()

    def process_batch(self, seq: int, msgs: list[Any]) -> list[dict[str, Any]]:
        """Processes ``msgs`` numbered ``seq, seq+1, ...``: skips those already processed (a
        resend), raises ``SeqGap`` when ``seq`` is after the next expected number."""
        expected = self.next_seq
        if seq > expected:
            raise SeqGap(expected, seq)
        skip = expected - seq
        if skip >= len(msgs):
            return []
        self._tick_seq = seq + skip
        events = self.process(msgs[skip:] if skip else msgs)
        self.next_seq = seq + len(msgs)
        return events

    def on_clock(self, now_us: int) -> list[dict[str, Any]]:
        """Live streams: closes the bars whose end + grace is at or before the wall clock."""
        if self.live and self.mode == "candles" and self.base_start is not None:
            t = now_us - self.close_grace_us
            if t >= self._boundary:
                self._advance(t)
        return self._drain()

    def partials(self, now_us: int) -> list[dict[str, Any]]:
        """Updates (``closed: false``) of open bars that changed since their last update, at
        most one per symbol and timeframe per partial interval."""
        if self.mode != "candles" or self.base_start is None:
            return []
        out = []
        interval = self.partial_interval_us
        for symbol, s in self.symbols.items():
            version = s.version
            for i, last_version in enumerate(s.partial_version):
                if last_version == version:
                    continue
                at = s.partial_at[i]
                if at is not None and now_us - at < interval:
                    continue
                acc = s.bars[i].copy()
                acc.absorb(s.base)
                s.partial_version[i] = version
                s.partial_at[i] = now_us
                if acc.trades or s.market.last_price is not None:
                    out.append(self._candle(symbol, s, i, self.bar_starts[i], acc, closed=False, final=False))
        return out

    def finish(self) -> list[dict[str, Any]]:
        """The stream ended: open bars are emitted with ``closed: false, final: true``."""
        self._on_end(End())
        return self._drain()

    # ---- handlers ------------------------------------------------------------------------

    def _symbol(self, name: str) -> SymbolBars:
        s = self.symbols.get(name)
        if s is None:
            s = self.symbols[name] = SymbolBars(len(self.lengths), self.gap_pending)
        return s

    def _on_trade(self, m: Trade) -> None:
        if m.ts >= self._boundary:
            self._advance(m.ts)
        s = self.symbols.get(m.symbol) or self._symbol(m.symbol)
        if self.gap_pending:
            self.gap_pending = False  # data resumed, in the bars open now (already gap: true)
        s.base.add_trade(m.price, m.amount, m.side)
        s.version += 1
        self.trades_seen += 1

    def _on_book(self, m: BookSnapshot) -> None:
        if m.ts >= self._boundary:
            self._advance(m.ts)
        s = self.symbols.get(m.symbol) or self._symbol(m.symbol)
        if self.gap_pending:
            self.gap_pending = False
        apply_book(s.market, m.bids, m.asks, s.base)
        s.version += 1

    def _on_ticker(self, m: DerivativeTicker) -> None:
        if m.ts >= self._boundary:
            self._advance(m.ts)
        s = self.symbols.get(m.symbol) or self._symbol(m.symbol)
        if self.gap_pending:
            self.gap_pending = False
        apply_ticker(s.market, s.base, m.funding_rate, m.mark_price, m.index_price, m.open_interest)
        s.version += 1

    def _on_liquidation(self, m: Liquidation) -> None:
        if m.ts >= self._boundary:
            self._advance(m.ts)
        s = self.symbols.get(m.symbol) or self._symbol(m.symbol)
        if self.gap_pending:
            self.gap_pending = False
        apply_liquidation(s.base, m.price, m.amount, m.side)
        s.version += 1

    def _on_disconnect(self, m: Disconnect) -> None:
        if m.ts >= self._boundary:
            self._advance(m.ts)
        self.gap_pending = True
        for s in self.symbols.values():
            s.gaps = [True] * len(s.gaps)
            lose_book(s.market)  # null book features, bars flagged gap, until the next snapshot
            s.version += 1

    def _on_end(self, _m: End) -> None:
        """``end``: the open bars are emitted with ``closed: false, final: true``."""
        self.ended = True
        if self.base_start is None:
            return
        for symbol, s in self.symbols.items():
            for i, bar in enumerate(s.bars):
                acc = bar.copy()
                acc.absorb(s.base)
                if acc.trades or s.market.last_price is not None:
                    self._out.append(self._candle(symbol, s, i, self.bar_starts[i], acc,
                                                  closed=False, final=True))
                bar.reset()
                s.oi_before[i] = s.market.open_interest
            if s.base.trades:
                s.market.last_price = s.base.close
            s.base.reset()
        # No bar is open any more: a message after the end starts new bars (with no empty
        # bars for the time in between).
        self.base_start = None
        self._boundary = -(1 << 62)

    def _on_tick(self, m: Any) -> None:
        self._out.append({"type": "tick", "exchange": self.exchange, "msg": m, "seq": self._tick_seq})
        self._tick_seq += 1
        if type(m) is Trade:
            self.trades_seen += 1
        elif type(m) is End:
            self.ended = True

    def _skip_tick(self, _m: InvalidMessage) -> None:
        self._tick_seq += 1

    # ---- time ----------------------------------------------------------------------------

    def _advance(self, t: int) -> None:
        """Stream time reached ``t`` >= the end of the open base bucket: closes it, and every
        bar ending at or before ``t`` (emitting empty bars for skipped intervals)."""
        base_us = self.base_us
        if self.base_start is None:  # the first message, or the first after an `end`
            self.base_start = bucket_start(t, base_us)
            self._boundary = self.base_start + base_us
            self.bar_starts = [bucket_start(t, length) for length in self.lengths]
            for s in self.symbols.values():
                s.gaps = [self.gap_pending or s.market.book_lost] * len(self.lengths)
                s.oi_before = [s.market.open_interest] * len(self.lengths)
            return
        for s in self.symbols.values():
            s.roll_base()
        self.base_start = bucket_start(t, base_us)
        self._boundary = self.base_start + base_us
        for i, length in enumerate(self.lengths):
            start = self.bar_starts[i]
            if t < start + length:
                continue
            new_start = bucket_start(t, length)
            for symbol, s in self.symbols.items():
                self._close_bar(symbol, s, i, start, new_start)
            self.bar_starts[i] = new_start

    def _close_bar(self, symbol: str, s: SymbolBars, i: int, start: int, new_start: int) -> None:
        length = self.lengths[i]
        bar = s.bars[i]
        out = self._out
        market = s.market
        if bar.trades or market.last_price is not None:
            out.append(self._candle(symbol, s, i, start, bar, closed=True, final=False))
        skipped = (new_start - start) // length - 1
        if skipped > 0 and market.last_price is not None:
            bar.reset()
            s.oi_before[i] = market.open_interest
            s.gaps[i] = self.gap_pending or market.book_lost
            first = start + length
            if skipped > MAX_EMPTY_BARS:
                out.append({"type": "log", "level": "warning", "message":
                            f"{symbol} {self.labels[i]}: time jumped by {skipped} bars; "
                            f"only the last {MAX_EMPTY_BARS} empty bars are emitted"})
                first = new_start - MAX_EMPTY_BARS * length
            for empty_start in range(first, new_start, length):
                out.append(self._candle(symbol, s, i, empty_start, bar, closed=True, final=False))
        bar.reset()
        s.oi_before[i] = market.open_interest
        s.gaps[i] = self.gap_pending or market.book_lost
        s.partial_version[i] = s.version
        s.partial_at[i] = None

    def _candle(self, symbol: str, s: SymbolBars, i: int, start: int, acc: Accumulator, *,
                closed: bool, final: bool) -> dict[str, Any]:
        length = self.lengths[i]
        return candle_event(
            exchange=self.exchange, symbol=symbol, timeframe=self.labels[i], start_us=start,
            length_us=length, acc=acc, previous_close=s.market.last_price, gap=s.gaps[i],
            closed=closed, final=final,
            features=feature_values(acc, s.market, s.oi_before[i], length),
        )

    def _drain(self) -> list[dict[str, Any]]:
        out = self._out
        if not out:
            return []
        self._out = []
        return out

    # ---- state ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The full state as a JSON-able dict (what an ack carries)."""
        return {
            "v": STATE_VERSION,
            "next_seq": self.next_seq,
            "exchange": self.exchange,
            "mode": self.mode,
            "timeframes": self.labels,
            "base_start": self.base_start,
            "bar_starts": list(self.bar_starts),
            "gap_pending": self.gap_pending,
            "symbols": {name: s.to_dict() for name, s in self.symbols.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continues from ``state`` (a ``snapshot()``), exactly as if never interrupted.
        Raises ``ValueError`` when the state does not belong to this stream's set-up."""
        try:
            self._restore(state)
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"unusable state: {type(exc).__name__}: {exc}") from None

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"state version {state.get('v')!r} is not {STATE_VERSION}")
        if state["mode"] != self.mode or state["timeframes"] != self.labels:
            raise ValueError(
                f"state was built for mode {state['mode']!r} and timeframes {state['timeframes']}, "
                f"the stream asks for {self.mode!r} and {self.labels}")
        self.next_seq = int(state["next_seq"])
        self.base_start = state["base_start"]
        self.bar_starts = list(state["bar_starts"])
        self.gap_pending = bool(state["gap_pending"])
        self._boundary = -(1 << 62) if self.base_start is None else self.base_start + self.base_us
        self.symbols = {name: SymbolBars.from_dict(name, data, len(self.lengths))
                        for name, data in state["symbols"].items()}
