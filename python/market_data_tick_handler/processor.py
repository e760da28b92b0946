"""``StreamProcessor``: one stream's candles and features, as pure computation.

Takes decoded market messages, returns event dicts. It has no sockets and reads no clock:
wall-clock work (live closes, throttled partials) happens only in ``on_clock(now_us)`` and
``partials(now_us)`` with the time the caller passes. Its whole state round-trips through
``snapshot()`` / ``restore()`` as JSON, which is what the protocol's acks carry.

Time model (docs/features.md, "Time model"): every message is bucketed by its own exchange
time, per symbol. A symbol's bars close when its watermark (its newest exchange time minus the
allowed lateness) passes their end, or, on live sources, when the wall clock passes end +
grace; never because another symbol moved. A message for a closed bar is late: dropped and
counted. A trade far older than the run's start (pushed on subscribe) is old: set aside and
counted. A message whose exchange time is far from its local receive time is implausible:
rejected and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .candles import NO_TIME, Accumulator, ActivityBar, SymbolBars, candle_event
from .features import MarketState, apply_book, apply_liquidation, apply_ticker, feature_values, lose_book
from .protocol import BookSnapshot, DerivativeTicker, Disconnect, End, InvalidMessage, Liquidation, Trade
from .timeframes import base_length, bucket_start, parse_bar_specs

STATE_VERSION = 2
MAX_EMPTY_BARS = 50_000
"""Empty bars one clock jump (one message, one wall-clock tick) may emit, over all symbols and
timeframes of the stream; the oldest of a larger jump are skipped (logged)."""
DEFAULT_LATENESS_US = 250_000
"""Allowed lateness: a symbol's bar closes once a message of that symbol is this much newer than
the bar's end (the captures' latest on-time messages are 88 ms behind, docs/features.md)."""
OLD_MESSAGE_US = 10_000_000
"""A trade or liquidation stamped more than this before the run's start (the first message's
local receive time) was pushed on subscribe: it is set aside, never opens a bar."""
MAX_CLOCK_SKEW_US = 3_600_000_000
"""A message whose exchange time is more than this away from its local receive time is rejected."""


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
        lateness_us: int = 0,
    ) -> None:
        if mode not in ("candles", "ticks"):
            raise ValueError(f'mode must be "candles" or "ticks", got {mode!r}')
        if lateness_us < 0:
            raise ValueError(f"lateness must be >= 0, got {lateness_us} us")
        self.exchange = exchange
        self.mode = mode
        self.live = live
        specs = parse_bar_specs(timeframes)
        timed = [spec for spec in specs if spec.kind == "time"]
        self.activity = [spec for spec in specs if spec.kind != "time"]
        self.all_labels = [spec.label for spec in specs]
        self.labels = [spec.label for spec in timed]
        self.lengths = [spec.length_us for spec in timed]
        self.origins = [spec.origin_us for spec in timed]
        self.base_us = base_length(self.lengths, self.origins) if timed else 1_000_000
        self.close_grace_us = close_grace_us
        self.partial_interval_us = partial_interval_us
        self.lateness_us = lateness_us
        self.next_seq = next_seq
        self.symbols: dict[str, SymbolBars] = {}
        self.gap_pending = False
        self.run_start: int | None = None  # local receive time of the run's first message
        self._old_before = -NO_TIME  # messages stamped before this are old (none yet: all)
        self._s: SymbolBars  # the symbol of the message _accept took
        self.counts = {"late": 0, "old": 0, "rejected": 0}
        self.trades_seen = 0
        self.ended = False  # set by an `end` message; the caller acks and clears it
        self._empty_budget = MAX_EMPTY_BARS
        self._out: list[dict[str, Any]] = []
        self._handlers: dict[type, Callable[[Any], None]]
        if mode == "ticks":
            self._handlers = dict.fromkeys(
                (Trade, BookSnapshot, DerivativeTicker, Liquidation, Disconnect, End), self._on_tick)
        else:
            self._handlers = {Trade: self._on_trade, BookSnapshot: self._on_book,
                              DerivativeTicker: self._on_ticker, Liquidation: self._on_liquidation,
                              Disconnect: self._on_disconnect, End: self._on_end}
        self._handlers[InvalidMessage] = self._skip_tick if mode == "ticks" else self._on_invalid
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
        """Live streams: closes every symbol's bars whose end + grace is at or before the wall
        clock."""
        if self.live and self.mode == "candles":
            self._empty_budget = MAX_EMPTY_BARS
            t = now_us - self.close_grace_us
            for symbol, s in self.symbols.items():
                if s.max_ts != NO_TIME and t >= s.closed_until + self.base_us:
                    self._close_until(symbol, s, t)
        return self._drain()

    def partials(self, now_us: int) -> list[dict[str, Any]]:
        """Updates (``closed: false``) of each symbol's newest open bars that changed since their
        last update, at most one per symbol and timeframe per partial interval."""
        if self.mode != "candles":
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
                s.partial_version[i] = version
                s.partial_at[i] = now_us
                if i < len(self.lengths) and s.max_ts == NO_TIME:
                    continue
                if i >= len(self.lengths):
                    if s.activity[i - len(self.lengths)].acc.trades:
                        out.append(self._activity_candle(symbol, s, i - len(self.lengths),
                                                         closed=False, final=False))
                    continue
                start, acc, market = self._open_bar(s, i)
                if acc.trades or market.last_price is not None:
                    out.append(self._candle(symbol, s, i, start, acc, market, closed=False, final=False))
        return out

    def finish(self) -> list[dict[str, Any]]:
        """The stream ended: open bars are emitted with ``closed: false, final: true``."""
        self._on_end(End())
        return self._drain()

    def counters(self) -> dict[str, int]:
        """Messages counted in no bar: ``late`` (their bar had closed), ``old`` (trades pushed on
        subscribe) and ``rejected`` (failed validation, e.g. a price <= 0, or an exchange time
        far from the receive time)."""
        return dict(self.counts)

    # ---- handlers ------------------------------------------------------------------------

    def _accept(self, m: Any) -> Accumulator | None:
        """The open interval of ``m``'s symbol that ``m`` counts in, with the symbol's clock moved
        to ``m.ts`` (``self._s`` is the symbol); ``None`` when ``m`` is implausible, old or late
        (counted). Book and ticker messages that are old or late still describe the market now:
        an old one goes into the carried state, a late one into the oldest open interval."""
        ts = m.ts
        lts = m.lts
        if ts < self._old_before or (lts is not None and not -MAX_CLOCK_SKEW_US <= ts - lts <= MAX_CLOCK_SKEW_US):
            if not self._admit(m):  # before the first message, _old_before is in the far future
                return None
        s = self.symbols.get(m.symbol)
        if s is None:
            s = self._symbol(m.symbol)
        self._s = s
        if ts >= s.max_ts:
            s.max_ts = ts
            if ts >= s.close_at:  # the watermark passed the end of the oldest open bucket
                if ts < s.first_ts:  # the symbol's first message (close_at is NO_TIME then)
                    s.first_ts = ts
                self._empty_budget = MAX_EMPTY_BARS
                self._close_until(m.symbol, s, ts - self.lateness_us)
        elif ts < s.closed_until:
            self._count("late", f"{m.symbol}: a {type(m).__name__} stamped {ts} us is for a bar "
                        "that has closed")
            if type(m) is Trade or type(m) is Liquidation:
                return None
            ts = s.closed_until
        elif ts < s.first_ts:
            s.first_ts = ts
        if s.gap_pending:
            s.gap_pending = self.gap_pending = False  # data resumed, in the bars open now
        s.version += 1
        if s.cur_start <= ts < s.cur_end:
            return s.cur
        start = ts - ts % self.base_us
        bucket = s.buckets.get(start)
        if bucket is None:
            bucket = s.buckets[start] = Accumulator()
        s.cur, s.cur_start, s.cur_end = bucket, start, start + self.base_us
        return bucket

    def _admit(self, m: Any) -> bool:
        """Slow path of ``_accept``: the run's start, implausible and old messages."""
        ts = m.ts
        lts = m.lts
        if lts is not None and abs(ts - lts) > MAX_CLOCK_SKEW_US:
            self._count("rejected", f"{m.symbol}: a {type(m).__name__} stamped {ts} us is more "
                        f"than {MAX_CLOCK_SKEW_US // 3_600_000_000} h from its receive time {lts} us")
            return False
        if self.run_start is None:
            self.run_start = lts if lts is not None else ts
            self._old_before = self.run_start - OLD_MESSAGE_US
        if ts >= self._old_before:
            return True
        if type(m) is BookSnapshot or type(m) is DerivativeTicker:  # as it was at subscribe
            s = self._symbol(m.symbol)
            scratch = Accumulator()
            if isinstance(m, BookSnapshot):
                apply_book(s.market, m.bids, m.asks, scratch, ts)
            else:
                apply_ticker(scratch, m.funding_rate, m.mark_price, m.index_price, m.open_interest)
            s.market.carry(scratch)
            s.latest.carry(scratch)
        else:
            self._count("old", f"{m.symbol}: a {type(m).__name__} stamped {ts} us is older than "
                        "the run's start (pushed on subscribe); set aside")
        return False

    def _symbol(self, name: str) -> SymbolBars:
        s = self.symbols.get(name)
        if s is None:
            s = self.symbols[name] = SymbolBars(len(self.lengths), self.gap_pending, len(self.activity))
        return s

    def _on_trade(self, m: Trade) -> None:
        if self.activity and self._admitted(m):
            self._activity_trade(m)
        bucket = self._accept(m)
        if bucket is not None:
            bucket.add_trade(m.price, m.amount, m.side, m.ts)
            self.trades_seen += 1

    def _admitted(self, m: Trade) -> bool:
        """Activity bars take every plausible trade that is not old, late or not (arrival order)."""
        lts = m.lts
        if self.run_start is None:
            self.run_start = lts if lts is not None else m.ts
            self._old_before = self.run_start - OLD_MESSAGE_US
        return m.ts >= self._old_before and (lts is None or abs(m.ts - lts) <= MAX_CLOCK_SKEW_US)

    def _on_book(self, m: BookSnapshot) -> None:
        # Fast path (most messages): the symbol's newest message so far, in the bucket of the one
        # before, moving no bar: what _accept would do, without its checks of rare cases.
        ts = m.ts
        s = self.symbols.get(m.symbol)
        if (s is not None and s.cur_start <= ts < s.cur_end and s.max_ts <= ts < s.close_at
                and ts >= self._old_before and not s.gap_pending and not self.activity
                and (m.lts is None or -MAX_CLOCK_SKEW_US <= ts - m.lts <= MAX_CLOCK_SKEW_US)):
            s.max_ts = ts
            s.version += 1
            apply_book(s.market, m.bids, m.asks, s.cur, ts)  # type: ignore[arg-type]
            return
        bucket = self._accept(m)
        if bucket is not None:
            s = self._s
            ts = m.ts
            if ts < s.closed_until:  # late: counts in the oldest open interval
                ts = s.closed_until
            if self.activity:
                scratch = Accumulator()
                apply_book(s.market, m.bids, m.asks, scratch, ts)
                self._activity_state(s, bucket, scratch)
            else:
                apply_book(s.market, m.bids, m.asks, bucket, ts)

    def _on_ticker(self, m: DerivativeTicker) -> None:
        bucket = self._accept(m)
        if bucket is not None:
            if self.activity:
                scratch = Accumulator()
                apply_ticker(scratch, m.funding_rate, m.mark_price, m.index_price, m.open_interest)
                self._activity_state(self._s, bucket, scratch)
            else:
                apply_ticker(bucket, m.funding_rate, m.mark_price, m.index_price, m.open_interest)

    def _on_liquidation(self, m: Liquidation) -> None:
        bucket = self._accept(m)
        if bucket is not None:
            for bar in self._s.activity:
                apply_liquidation(bar.acc, m.price, m.amount, m.side)
            apply_liquidation(bucket, m.price, m.amount, m.side)

    def _on_disconnect(self, _m: Disconnect) -> None:
        """A disconnect (on local time): every symbol's open bars, and its bars until its data
        resumes, get ``gap: true``; no OFI term spans the outage. It moves no clock."""
        self.gap_pending = True
        for s in self.symbols.values():
            s.gaps = [True] * len(s.gaps)
            s.gap_pending = True
            for bar in s.activity:
                bar.gap = True
            lose_book(s.market)  # null book features, bars flagged gap, until the next snapshot
            lose_book(s.latest)
            for bucket in s.buckets.values():  # no stale book carried from before the outage
                if bucket.book_ts is not None:
                    bucket.book = None
            s.version += 1

    def _on_end(self, _m: End) -> None:
        """``end``: every bar that ends at or before its symbol's newest message closes (no later
        message can come); the open bars are emitted with ``closed: false, final: true``."""
        self.ended = True
        self._empty_budget = MAX_EMPTY_BARS
        for symbol, s in self.symbols.items():
            for k, bar in enumerate(s.activity):
                if bar.acc.trades:
                    self._out.append(self._activity_candle(symbol, s, k, closed=False, final=True))
                self._reset_activity(s, bar)
            if s.max_ts == NO_TIME:
                continue
            self._close_until(symbol, s, s.max_ts)
            for start in sorted(s.buckets):
                self._roll(symbol, s, start, s.buckets.pop(start))
            for i, acc in enumerate(s.bars):
                bar_start = s.bar_starts[i]
                if bar_start is not None and (acc.trades or s.market.last_price is not None):
                    self._out.append(self._candle(symbol, s, i, bar_start, acc, s.market,
                                                  closed=False, final=True))
                acc.reset()
                s.bar_starts[i] = None
            # No bar is open any more: a message after the end starts new bars (with no empty
            # bars for the time in between).
            s.max_ts = s.closed_until = s.close_at = s.cur_end = NO_TIME

    def _on_invalid(self, _m: InvalidMessage) -> None:
        self.counts["rejected"] += 1  # reported one by one by the session (error frames)

    def _on_tick(self, m: Any) -> None:
        self._out.append({"type": "tick", "exchange": self.exchange, "msg": m, "seq": self._tick_seq})
        self._tick_seq += 1
        if type(m) is Trade:
            self.trades_seen += 1
        elif type(m) is End:
            self.ended = True

    def _count(self, kind: str, message: str) -> None:
        n = self.counts[kind] = self.counts[kind] + 1
        if n == 1:
            self._out.append({"type": "log", "level": "warning", "message":
                              f"{message} ({kind} messages are counted in the stats)"})

    def _skip_tick(self, _m: InvalidMessage) -> None:
        self._tick_seq += 1

    # ---- activity bars (tick, volume, notional) -------------------------------------------

    def _activity_trade(self, m: Trade) -> None:
        """Adds a trade to every activity bar of its symbol, in arrival order; the trade that
        reaches a bar's threshold counts whole in that bar, which then closes (as tardis-dev)."""
        symbol = m.symbol
        s = self._symbol(symbol)
        for k, spec in enumerate(self.activity):
            bar = s.activity[k]
            if bar.start is None:
                bar.start = max(m.ts, bar.last_start + 1000)
                bar.oi_before = s.latest.open_interest
            acc = bar.acc
            acc.add_trade(m.price, m.amount, m.side, m.ts)
            if m.ts > bar.end:
                bar.end = m.ts
            kind = spec.kind
            size = acc.trades if kind == "tick" else acc.volume if kind == "volume" else acc.pv
            if size >= spec.size:
                s.latest.last_price = acc.close
                self._out.append(self._activity_candle(symbol, s, k, closed=True, final=False))
                self._reset_activity(s, bar)
        s.latest.last_price = m.price

    def _activity_state(self, s: SymbolBars, bucket: Accumulator, scratch: Accumulator) -> None:
        """A book or ticker message (in ``scratch``): into the time bucket and every activity bar."""
        bucket.absorb(scratch)
        for bar in s.activity:
            bar.acc.absorb(scratch)
        s.latest.carry(scratch)

    def _reset_activity(self, s: SymbolBars, bar: ActivityBar) -> None:
        if bar.start is not None:
            bar.last_start = bar.start
        bar.acc.reset()
        bar.start = None
        bar.end = 0
        bar.gap = s.gap_pending

    def _activity_candle(self, symbol: str, s: SymbolBars, k: int, *, closed: bool,
                         final: bool) -> dict[str, Any]:
        bar = s.activity[k]
        start = bar.start if bar.start is not None else bar.end
        length = max(bar.end - start, 0)
        return candle_event(
            exchange=self.exchange, symbol=symbol, timeframe=self.activity[k].label, start_us=start,
            length_us=length, acc=bar.acc, previous_close=s.latest.last_price, gap=bar.gap,
            partial=False, closed=closed, final=final,
            features=feature_values(bar.acc, s.latest, bar.oi_before, length))

    # ---- time ----------------------------------------------------------------------------

    def _close_until(self, symbol: str, s: SymbolBars, t: int) -> None:
        """The symbol's clock reached ``t``: closes its base buckets and bars that end at or
        before ``t`` (emitting empty bars for the intervals without messages)."""
        cut = t - t % self.base_us
        if cut <= s.closed_until:
            return
        s.closed_until = cut
        s.close_at = cut + self.base_us + self.lateness_us
        s.cur_end = NO_TIME  # the cached bucket may close
        if s.buckets:
            for start in sorted(s.buckets):
                if start >= cut:
                    break
                self._roll(symbol, s, start, s.buckets.pop(start))
        for i, length in enumerate(self.lengths):
            bar_start = s.bar_starts[i]
            if bar_start is not None and bar_start + length <= cut:
                self._close_bar(symbol, s, i, bar_start, bucket_start(cut, length, self.origins[i]))

    def _roll(self, symbol: str, s: SymbolBars, start: int, bucket: Accumulator) -> None:
        """A base bucket closed: adds it to the open bar of every timeframe (closing a bar that
        ended before it), then carries its last values into the market state."""
        for i, length in enumerate(self.lengths):
            bar_start = s.bar_starts[i]
            if bar_start is None:
                s.bar_starts[i] = bucket_start(start, length, self.origins[i])
                s.oi_before[i] = s.market.open_interest
            elif start >= bar_start + length:
                self._close_bar(symbol, s, i, bar_start, bucket_start(start, length, self.origins[i]))
            s.bars[i].absorb(bucket)
        s.market.carry(bucket)

    def _close_bar(self, symbol: str, s: SymbolBars, i: int, start: int, new_start: int) -> None:
        length = self.lengths[i]
        bar = s.bars[i]
        out = self._out
        market = s.market
        if bar.trades or market.last_price is not None:
            out.append(self._candle(symbol, s, i, start, bar, market, closed=True, final=False))
        skipped = (new_start - start) // length - 1
        if skipped > 0 and market.last_price is not None:
            bar.reset()
            s.oi_before[i] = market.open_interest
            s.gaps[i] = s.gap_pending or market.book_lost
            first = start + length
            if skipped > self._empty_budget:
                out.append({"type": "log", "level": "warning", "message":
                            f"{symbol} {self.labels[i]}: time jumped by {skipped} bars; only the "
                            f"last {self._empty_budget} empty bars are emitted "
                            f"(at most {MAX_EMPTY_BARS} per jump over the whole stream)"})
                first = new_start - self._empty_budget * length
            self._empty_budget -= (new_start - first) // length
            for empty_start in range(first, new_start, length):
                out.append(self._candle(symbol, s, i, empty_start, bar, market, closed=True, final=False))
        bar.reset()
        s.bar_starts[i] = new_start
        s.oi_before[i] = market.open_interest
        s.gaps[i] = s.gap_pending or market.book_lost
        s.partial_version[i] = s.version
        s.partial_at[i] = None

    def _open_bar(self, s: SymbolBars, i: int) -> tuple[int, Accumulator, MarketState]:
        """The bar of timeframe ``i`` holding the symbol's newest message, with what is known of
        it so far, and the market state at its newest message."""
        length = self.lengths[i]
        start = bucket_start(s.max_ts, length, self.origins[i])
        acc = s.bars[i].copy() if s.bar_starts[i] == start else Accumulator()
        market = s.market.copy()
        for bucket_start_us in sorted(s.buckets):
            bucket = s.buckets[bucket_start_us]
            if bucket_start_us >= start:
                acc.absorb(bucket)
            market.carry(bucket)
        return start, acc, market

    def _candle(self, symbol: str, s: SymbolBars, i: int, start: int, acc: Accumulator,
                market: MarketState, *, closed: bool, final: bool) -> dict[str, Any]:
        length = self.lengths[i]
        return candle_event(
            exchange=self.exchange, symbol=symbol, timeframe=self.labels[i], start_us=start,
            length_us=length, acc=acc, previous_close=market.last_price, gap=s.gaps[i],
            partial=start < s.first_ts,
            closed=closed, final=final,
            features=feature_values(acc, market, s.oi_before[i], length),
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
            "timeframes": self.all_labels,
            "gap_pending": self.gap_pending,
            "run_start": self.run_start,
            "counts": dict(self.counts),
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
        if state["mode"] != self.mode or state["timeframes"] != self.all_labels:
            raise ValueError(
                f"state was built for mode {state['mode']!r} and timeframes {state['timeframes']}, "
                f"the stream asks for {self.mode!r} and {self.all_labels}")
        self.next_seq = int(state["next_seq"])
        self.gap_pending = bool(state["gap_pending"])
        self.run_start = state["run_start"]
        self._old_before = -NO_TIME if self.run_start is None else self.run_start - OLD_MESSAGE_US
        self.counts = {kind: int(state["counts"][kind]) for kind in self.counts}
        self.symbols = {name: SymbolBars.from_dict(name, data, len(self.lengths), len(self.activity))
                        for name, data in state["symbols"].items()}
        for s in self.symbols.values():
            if s.closed_until != NO_TIME:
                s.close_at = s.closed_until + self.base_us + self.lateness_us
