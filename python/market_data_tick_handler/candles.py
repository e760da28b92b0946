"""Bar building: a mergeable accumulator of trades and per-bar feature sums, and the candle event.

Messages are added to one accumulator per symbol (the base bucket, the GCD of the
timeframes); a base bucket that ends is merged into the open bar of every timeframe. Merging
is exact (sums, first/last, min/max), so a 15m bar is the same as if it was built message by
message, at a quarter of the per-message cost with four timeframes.
"""

from __future__ import annotations

from typing import Any

from .features import MarketState
from .timeframes import iso_utc

ACCUMULATOR_FIELDS = (
    "open", "high", "low", "close",
    "volume", "pv", "buy", "sell", "trades",
    "ofi", "rv2", "pairs",
    "liq_buy", "liq_sell", "oi_last",
)


class Accumulator:
    """Sums over one interval. ``open``..``close`` are ``None`` until the first trade;
    ``pairs`` counts consecutive valid book snapshot pairs (for ofi and realized_vol);
    ``oi_last`` is the last non-null open interest seen in the interval."""

    __slots__ = ACCUMULATOR_FIELDS

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.open = self.high = self.low = self.close = None
        self.volume = self.pv = self.buy = self.sell = 0.0
        self.trades = 0
        self.ofi = self.rv2 = 0.0
        self.pairs = 0
        self.liq_buy = self.liq_sell = 0.0
        self.oi_last = None

    def add_trade(self, price: float, amount: float, side: str) -> None:
        if self.trades:
            if price > self.high:
                self.high = price
            elif price < self.low:
                self.low = price
        else:
            self.open = self.high = self.low = price
        self.close = price
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
            self.close = later.close
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
        if later.oi_last is not None:
            self.oi_last = later.oi_last

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
        for name, value in zip(ACCUMULATOR_FIELDS, values):
            setattr(acc, name, value)
        return acc


class SymbolBars:
    """One symbol of a stream: its carried market state, the open base bucket and the open
    bar of each timeframe (with its gap flag and the open interest before it)."""

    __slots__ = ("market", "base", "bars", "gaps", "oi_before", "version", "partial_version",
                 "partial_at")

    def __init__(self, timeframes: int, gap: bool) -> None:
        self.market = MarketState()
        self.base = Accumulator()
        self.bars = [Accumulator() for _ in range(timeframes)]
        self.gaps = [gap] * timeframes
        self.oi_before: list[float | None] = [None] * timeframes
        self.version = 0  # bumped by every message: partials are sent only after a change
        self.partial_version = [0] * timeframes
        self.partial_at: list[int | None] = [None] * timeframes

    def roll_base(self) -> None:
        """The base bucket ended: adds it to the open bar of every timeframe."""
        base = self.base
        for bar in self.bars:
            bar.absorb(base)
        if base.trades:
            self.market.last_price = base.close
        base.reset()

    def to_dict(self) -> dict[str, Any]:
        return {
            "market": self.market.to_dict(),
            "base": self.base.to_list(),
            "bars": [bar.to_list() for bar in self.bars],
            "gaps": list(self.gaps),
            "oi_before": list(self.oi_before),
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any], timeframes: int) -> SymbolBars:
        if len(data["bars"]) != timeframes or len(data["gaps"]) != timeframes:
            raise ValueError(f"state for {name} has {len(data['bars'])} bars, expected {timeframes}")
        s = cls(timeframes, False)
        s.market = MarketState.from_dict(data["market"])
        s.base = Accumulator.from_list(data["base"])
        s.bars = [Accumulator.from_list(values) for values in data["bars"]]
        s.gaps = [bool(g) for g in data["gaps"]]
        s.oi_before = list(data["oi_before"])
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
    previous_close: float,
    gap: bool,
    closed: bool,
    final: bool,
    features: dict[str, float | None],
) -> dict[str, Any]:
    """The candle event of docs/protocol.md (see docs/protocol-fixtures/candle.json).
    A bar without trades is flat at ``previous_close`` with ``vwap: null``."""
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
        "features": features,
    }
