"""Feature accumulators and formulas (documented for users in docs/features.md).

``MarketState`` is what one symbol carries from bar to bar (last book, last derivative
values, last trade price); per-bar sums live in ``candles.Accumulator``. Nothing here knows
about sockets or clocks.
"""

from __future__ import annotations

from math import log, sqrt
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .protocol import Level

if TYPE_CHECKING:
    from .candles import Accumulator

BOOK_LEVELS_FOR_OBI = 5
_amount = itemgetter(1)  # of a book level [price, amount]
CARRIED = (("funding_last", "funding_rate"), ("mark_last", "mark_price"),
           ("index_last", "index_price"), ("oi_last", "open_interest"))
"""An interval's last ticker values (``Accumulator``) and the market state fields they set."""


class MarketState:
    """Per-symbol state carried across bars.

    ``book``: ``(spread_bps, mid, weighted_mid, obi_5)`` of the last book snapshot, or
    ``None`` when it had an empty side (or there was none yet).
    ``prev``: ``(bid1, bid_qty1, ask1, ask_qty1, mid)`` of the last *valid* snapshot received,
    the reference of the next OFI / log-return term; reset by a disconnect.
    The other values are those at the end of the last closed interval (``carry``).
    ``book_lost``: a disconnect cut the book and no snapshot came since: book features are
    null (never the stale pre-disconnect values) and bars are flagged ``gap`` until one does.
    """

    __slots__ = ("last_price", "book", "prev", "book_lost", "funding_rate", "mark_price",
                 "index_price", "open_interest")

    def __init__(self) -> None:
        self.last_price: float | None = None
        self.book: tuple[Any, ...] | None = None
        self.prev: tuple[float, float, float, float, float] | None = None
        self.book_lost = False
        self.funding_rate: float | None = None
        self.mark_price: float | None = None
        self.index_price: float | None = None
        self.open_interest: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_price": self.last_price,
            "book": list(self.book) if self.book is not None else None,
            "prev": list(self.prev) if self.prev is not None else None,
            "book_lost": self.book_lost,
            "funding_rate": self.funding_rate,
            "mark_price": self.mark_price,
            "index_price": self.index_price,
            "open_interest": self.open_interest,
        }

    def carry(self, acc: Accumulator) -> None:
        """An interval closed: its newest trade, book and ticker values become the carried ones."""
        if acc.trades:
            self.last_price = acc.close
        if acc.book_ts is not None:
            self.book = acc.book
        for last, carried in CARRIED:
            value = getattr(acc, last)
            if value is not None:
                setattr(self, carried, value)

    def copy(self) -> MarketState:
        twin = MarketState.__new__(MarketState)
        for name in MarketState.__slots__:
            setattr(twin, name, getattr(self, name))
        return twin

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketState:
        state = cls()
        state.last_price = data["last_price"]
        state.book = tuple(data["book"]) if data["book"] is not None else None
        state.prev = tuple(data["prev"]) if data["prev"] is not None else None
        state.book_lost = bool(data.get("book_lost", False))
        state.funding_rate = data["funding_rate"]
        state.mark_price = data["mark_price"]
        state.index_price = data["index_price"]
        state.open_interest = data["open_interest"]
        return state


def lose_book(market: MarketState) -> None:
    """A disconnect: the book is unknown until the next snapshot (when there was one)."""
    if market.book is not None or market.prev is not None:
        market.book = None
        market.book_lost = True
    market.prev = None  # no OFI / return across the outage


def apply_book(market: MarketState, bids: list[Level], asks: list[Level], acc: Accumulator,
               ts: int) -> None:
    """A book snapshot stamped ``ts``: the book features of ``acc`` (the interval holding ``ts``)
    when it is the interval's newest, and the OFI term e_n and the squared log return of the mid
    against the previous valid snapshot received (Cont, Kukanov & Stoikov 2014)."""
    newest = acc.book_ts is None or ts >= acc.book_ts
    market.book_lost = False
    if not bids or not asks:
        if newest:
            acc.book = None  # null book features; skipped for ofi / realized_vol
            acc.book_ts = ts
        return
    b, bq = bids[0]
    a, aq = asks[0]
    mid = (a + b) * 0.5
    spread_bps = 1e4 * (a - b) / mid if mid > 0 else None
    top_qty = bq + aq
    weighted_mid = (b * aq + a * bq) / top_qty if top_qty > 0 else None
    if len(bids) <= BOOK_LEVELS_FOR_OBI and len(asks) <= BOOK_LEVELS_FOR_OBI:
        bid_qty = sum(map(_amount, bids))
        ask_qty = sum(map(_amount, asks))
    else:
        bid_qty = sum(map(_amount, bids[:BOOK_LEVELS_FOR_OBI]))
        ask_qty = sum(map(_amount, asks[:BOOK_LEVELS_FOR_OBI]))
    depth_qty = bid_qty + ask_qty
    obi = (bid_qty - ask_qty) / depth_qty if depth_qty > 0 else None
    if newest:
        acc.book = (spread_bps, mid, weighted_mid, obi)
        acc.book_ts = ts

    prev = market.prev
    if prev is not None:
        pb, pbq, pa, paq, pmid = prev
        e = 0.0
        if b >= pb:
            e += bq
        if b <= pb:
            e -= pbq
        if a <= pa:
            e -= aq
        if a >= pa:
            e += paq
        acc.ofi += e
        if mid > 0 and pmid > 0:
            r = log(mid / pmid)
            acc.rv2 += r * r
        acc.pairs += 1
    market.prev = (b, bq, a, aq, mid)


def apply_ticker(
    acc: Accumulator,
    funding_rate: float | None,
    mark_price: float | None,
    index_price: float | None,
    open_interest: float | None,
) -> None:
    """A derivative ticker: each non-null value replaces the interval's last one (carried
    into the market state when the interval closes)."""
    if funding_rate is not None:
        acc.funding_last = funding_rate
    if mark_price is not None:
        acc.mark_last = mark_price
    if index_price is not None:
        acc.index_last = index_price
    if open_interest is not None:
        acc.oi_last = open_interest


def apply_liquidation(acc: Accumulator, price: float, amount: float, side: str) -> None:
    if side == "buy":
        acc.liq_buy += price * amount
    else:
        acc.liq_sell += price * amount


def feature_values(
    acc: Accumulator,
    market: MarketState,
    oi_before: float | None,
    length_us: int,
) -> dict[str, float | None]:
    """The ``features`` object of a candle built from ``acc`` (the bar's sums), ``market``
    (carried values at the bar's end) and ``oi_before`` (last open interest before the bar)."""
    book = market.book
    if book is None:
        spread_bps = mid = weighted_mid = obi = None
    else:
        spread_bps, mid, weighted_mid, obi = book
    if acc.pairs:
        ofi: float | None = acc.ofi
        realized_vol: float | None = sqrt(acc.rv2)
    else:
        ofi = realized_vol = None
    volume = acc.volume
    signed_volume = acc.buy - acc.sell
    mark, index = market.mark_price, market.index_price
    basis_bps = 1e4 * (mark - index) / index if mark is not None and index else None
    oi_last = acc.oi_last
    oi_change = oi_last - oi_before if oi_last is not None and oi_before is not None else None
    liq_buy, liq_sell = acc.liq_buy, acc.liq_sell
    liq_total = liq_buy + liq_sell
    return {
        "spread_bps": spread_bps,
        "mid": mid,
        "weighted_mid": weighted_mid,
        "obi_5": obi,
        "ofi": ofi,
        "realized_vol": realized_vol,
        "signed_volume": float(signed_volume),
        "trade_imbalance": signed_volume / volume if volume > 0 else 0.0,
        "trade_intensity": acc.trades * 1e6 / length_us if length_us > 0 else None,
        "funding_rate": market.funding_rate,
        "mark_price": mark,
        "index_price": index,
        "open_interest": market.open_interest,
        "basis_bps": basis_bps,
        "open_interest_change": oi_change,
        "liq_buy_notional": float(liq_buy),
        "liq_sell_notional": float(liq_sell),
        "liq_imbalance": (liq_buy - liq_sell) / liq_total if liq_total > 0 else 0.0,
    }
