"""Bar building: a mergeable accumulator of trades and per-bar feature sums, and the candle event.

Messages are added to the accumulator of their base bucket (per symbol, on the message's own
exchange time; the base is the GCD of the time bar lengths); a base bucket that closes is
merged into the open bar of every timeframe. Merging is exact (sums, first/last, min/max), so
a 15m bar is the same as if it was built message by message, at a fraction of the per-message
cost with several timeframes.
"""

from __future__ import annotations

from typing import Any

from .features import MarketState
from .timeframes import iso_utc

NO_TIME = -(1 << 62)
"""``max_ts`` / ``closed_until`` of a symbol with no message yet (``first_ts``: ``-NO_TIME``)."""

ACCUMULATOR_FIELDS = (
    "open", "high", "low", "close", "close_ts",
    "volume", "pv", "buy", "sell", "trades",
    "ofi", "rv2", "pairs",
    "liq_buy", "liq_sell", "oi_last",
    "book", "book_ts", "funding_last", "mark_last", "index_last",
)


LAST_VALUES = ("oi_last", "funding_last", "mark_last", "index_last")
"""The ticker values an interval carries: its last non-null ones."""


# What the price fields hold before an interval's first trade (typed as the value they will hold).
_NO_TRADE: Any = None


class Accumulator:
    """Sums over one interval. ``open``..``close`` are ``None`` until the first trade; ``open``
    is the first trade received, ``close`` the one with the newest exchange time (the later
    received on a tie), as in tardis-dev's trade bars. ``pairs`` counts consecutive valid book
    snapshot pairs (for ofi and realized_vol). ``book`` (with ``book_ts`` not ``None``) and the
    ``*_last`` values are the newest book features and ticker values of the interval, carried
    into the symbol's ``MarketState`` when the interval closes."""

    __slots__ = ACCUMULATOR_FIELDS

    # None until the interval's first trade, then read only while ``trades`` > 0.
    open: float
    high: float
    low: float
    close: float
    close_ts: int
    volume: float
    pv: float
    buy: float
    sell: float
    trades: int
    ofi: float
    rv2: float
    pairs: int
    liq_buy: float
    liq_sell: float
    oi_last: float | None
    book: tuple[float | None, float, float | None, float | None] | None
    book_ts: int | None
    funding_last: float | None
    mark_last: float | None
    index_last: float | None

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.open = self.high = self.low = self.close = self.close_ts = _NO_TRADE
        self.volume = self.pv = self.buy = self.sell = 0.0
        self.trades = 0
        self.ofi = self.rv2 = 0.0
        self.pairs = 0
        self.liq_buy = self.liq_sell = 0.0
        self.oi_last = None
        self.book = self.book_ts = None
        self.funding_last = self.mark_last = self.index_last = None

    def add_trade(self, price: float, amount: float, side: str, ts: int) -> None:
        if self.trades:
            if price > self.high:
                self.high = price
            elif price < self.low:
                self.low = price
            if ts >= self.close_ts:
                self.close = price
                self.close_ts = ts
        else:
            self.open = self.high = self.low = self.close = price
            self.close_ts = ts
        self.trades += 1
        self.volume += amount
        self.pv += price * amount
        if side == "buy":
            self.buy += amount
        elif side == "sell":
            self.sell += amount

    def absorb(self, later: Accumulator) -> None:
        """Adds ``later`` (the interval that follows this one) into this accumulator."""
        if later.trades:
            if self.trades:
                if later.high > self.high:
                    self.high = later.high
                if later.low < self.low:
                    self.low = later.low
            else:
                self.open = later.open
                self.high = later.high
                self.low = later.low
            if self.close_ts is None or later.close_ts >= self.close_ts:
                self.close = later.close
                self.close_ts = later.close_ts
            self.trades += later.trades
            self.volume += later.volume
            self.pv += later.pv
            self.buy += later.buy
            self.sell += later.sell
        if later.pairs:
            self.ofi += later.ofi
            self.rv2 += later.rv2
            self.pairs += later.pairs
        self.liq_buy += later.liq_buy
        self.liq_sell += later.liq_sell
        if later.book_ts is not None:
            self.book = later.book
            self.book_ts = later.book_ts
        for name in LAST_VALUES:
            value = getattr(later, name)
            if value is not None:
                setattr(self, name, value)

    def copy(self) -> Accumulator:
        twin = Accumulator.__new__(Accumulator)
        for name in ACCUMULATOR_FIELDS:
            setattr(twin, name, getattr(self, name))
        return twin

    def to_list(self) -> list[Any]:
        return [getattr(self, name) for name in ACCUMULATOR_FIELDS]

    @classmethod
    def from_list(cls, values: list[Any]) -> Accumulator:
        if len(values) != len(ACCUMULATOR_FIELDS):
            raise ValueError(f"accumulator state needs {len(ACCUMULATOR_FIELDS)} values")
        acc = cls.__new__(cls)
        for name, value in zip(ACCUMULATOR_FIELDS, values, strict=True):
            setattr(acc, name, value)
        return acc


class ActivityBar:
    """The open tick / volume / notional bar of one spec: its sums, the exchange time of its
    first and newest trade, the open interest before it and its gap flag. ``last_start`` keeps
    the starts of one spec apart by at least a millisecond (the candle's resolution)."""

    __slots__ = ("acc", "start", "end", "oi_before", "gap", "last_start")

    def __init__(self) -> None:
        self.acc = Accumulator()
        self.start: int | None = None
        self.end = 0
        self.oi_before: float | None = None
        self.gap = False
        self.last_start = -(1 << 62)

    def to_list(self) -> list[Any]:
        return [self.acc.to_list(), self.start, self.end, self.oi_before, self.gap, self.last_start]

    @classmethod
    def from_list(cls, values: list[Any]) -> ActivityBar:
        bar = cls()
        acc, bar.start, bar.end, bar.oi_before, bar.gap, bar.last_start = values
        bar.acc = Accumulator.from_list(acc)
        return bar


class SymbolBars:
    """One symbol of a stream, on its own clock: its carried market state, its open base
    buckets (by start, several while late messages are allowed), the open bar of each
    timeframe (with its gap flag and the open interest before it) and its watermark.

    ``max_ts`` is the newest exchange time seen; ``closed_until`` the end of the last closed
    base bucket (a message before it is late); ``first_ts`` the oldest exchange time accepted
    in the run (a bar that starts before it is ``partial``)."""

    __slots__ = ("market", "buckets", "bar_starts", "bars", "gaps", "oi_before", "max_ts",
                 "closed_until", "first_ts", "close_at", "cur", "cur_start", "cur_end", "gap_pending",
                 "activity", "latest", "version",
                 "partial_version", "partial_at")

    def __init__(self, timeframes: int, gap: bool, activity: int = 0) -> None:
        self.market = MarketState()
        self.buckets: dict[int, Accumulator] = {}
        self.bar_starts: list[int | None] = [None] * timeframes
        self.bars = [Accumulator() for _ in range(timeframes)]
        self.gaps = [gap] * timeframes
        self.oi_before: list[float | None] = [None] * timeframes
        self.max_ts = NO_TIME
        self.closed_until = NO_TIME
        self.first_ts = -NO_TIME
        self.close_at = NO_TIME  # the newest exchange time that closes the oldest open bucket
        self.cur: Accumulator | None = None  # the bucket of the last message, [cur_start, cur_end)
        self.cur_start = self.cur_end = NO_TIME
        self.gap_pending = gap
        # Activity bars take every trade in arrival order; ``latest`` is the market state after
        # the newest message (their features), ``market`` the one at the last closed time bucket.
        self.activity = [ActivityBar() for _ in range(activity)]
        self.latest = MarketState()
        self.version = 0  # bumped by every message: partials are sent only after a change
        self.partial_version = [0] * (timeframes + activity)
        self.partial_at: list[int | None] = [None] * (timeframes + activity)

    def bucket(self, start: int) -> Accumulator:
        acc = self.buckets.get(start)
        if acc is None:
            acc = self.buckets[start] = Accumulator()
        return acc

    def to_dict(self) -> dict[str, Any]:
        return {
            "market": self.market.to_dict(),
            "buckets": [[start, acc.to_list()] for start, acc in sorted(self.buckets.items())],
            "bar_starts": list(self.bar_starts),
            "bars": [bar.to_list() for bar in self.bars],
            "gaps": list(self.gaps),
            "oi_before": list(self.oi_before),
            "max_ts": self.max_ts,
            "closed_until": self.closed_until,
            "first_ts": self.first_ts,
            "gap_pending": self.gap_pending,
            "activity": [bar.to_list() for bar in self.activity],
            "latest": self.latest.to_dict(),
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any], timeframes: int, activity: int) -> SymbolBars:
        if len(data["bars"]) != timeframes or len(data["activity"]) != activity:
            raise ValueError(f"state for {name} has {len(data['bars'])} time and "
                             f"{len(data['activity'])} activity bars, expected {timeframes} and {activity}")
        s = cls(timeframes, bool(data["gap_pending"]), activity)
        s.activity = [ActivityBar.from_list(values) for values in data["activity"]]
        s.latest = MarketState.from_dict(data["latest"])
        s.market = MarketState.from_dict(data["market"])
        s.buckets = {int(start): Accumulator.from_list(values) for start, values in data["buckets"]}
        s.bar_starts = list(data["bar_starts"])
        s.bars = [Accumulator.from_list(values) for values in data["bars"]]
        s.gaps = [bool(g) for g in data["gaps"]]
        s.oi_before = list(data["oi_before"])
        s.max_ts = data["max_ts"]
        s.closed_until = data["closed_until"]
        s.first_ts = data["first_ts"]
        s.version = 1  # a partial of every open bar follows a restore
        return s


def candle_event(
    *,
    exchange: str,
    symbol: str,
    timeframe: str,
    start_us: int,
    length_us: int,
    acc: Accumulator,
    previous_close: float | None,
    gap: bool,
    partial: bool,
    closed: bool,
    final: bool,
    features: dict[str, float | None],
) -> dict[str, Any]:
    """The candle event of docs/protocol.md (see docs/protocol-fixtures/candle.json).
    ``partial``: the bar began before the run's first message for its symbol.
    A bar without trades is flat at ``previous_close`` with ``vwap: null``."""
    o: float | None
    h: float | None
    lo: float | None
    c: float | None
    if acc.trades:
        o, h, lo, c = acc.open, acc.high, acc.low, acc.close
        volume = acc.volume
        vwap = acc.pv / volume if volume > 0 else None
    else:
        o = h = lo = c = previous_close
        volume = 0.0
        vwap = None
    return {
        "type": "candle",
        "exchange": exchange,
        "symbol": symbol,
        "timeframe": timeframe,
        "start": iso_utc(start_us),
        "end": iso_utc(start_us + length_us),
        "closed": closed,
        "final": final,
        "open": o,
        "high": h,
        "low": lo,
        "close": c,
        "volume": float(volume),
        "buy_volume": float(acc.buy),
        "sell_volume": float(acc.sell),
        "trades": acc.trades,
        "vwap": vwap,
        "gap": gap,
        "partial": partial,
        "features": features,
    }
