"""The engine <-> processor wire protocol, version 1 (docs/protocol.md).

Mirrored by core/src/bridge/protocol.ts; both sides are tested against the golden frames in
docs/protocol-fixtures/. Every frame is a JSON object with a ``type`` tag; inbound frames are
decoded once, here, into typed msgspec Structs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import msgspec

# Exchange time in epoch microseconds: 0 … 2**53 (exact in a JS number; year 2255).
EpochMicros = Annotated[int, msgspec.Meta(ge=0, le=2**53)]
# A traded, liquidated or quoted amount.
Amount = Annotated[float, msgspec.Meta(ge=0)]
# Plausibility at the edge (docs/features.md): a trade or liquidation with a price or amount
# that is not finite, <= 0 or absurdly large is rejected as a bad message and counted.
MAX_PRICE = 1e12
MAX_AMOUNT = 1e15
Price = Annotated[float, msgspec.Meta(gt=0, le=MAX_PRICE)]
TradedAmount = Annotated[float, msgspec.Meta(gt=0, le=MAX_AMOUNT)]

PROTOCOL_VERSION = 1

Level = tuple[float, float]
"""A book level: ``[price, amount]``."""


class _Frame(msgspec.Struct, tag_field="type", gc=False):
    """Base of every frame: tagged by ``type``, unknown fields ignored."""


# ---- market messages (inside a batch) ------------------------------------------------------


class Trade(_Frame, tag="trade"):
    symbol: str
    price: Price
    amount: TradedAmount
    side: Literal["buy", "sell", "unknown"]
    ts: EpochMicros
    lts: EpochMicros | None = None


class BookSnapshot(_Frame, tag="book_snapshot"):
    symbol: str
    name: str
    depth: int
    bids: list[Level]
    asks: list[Level]
    ts: EpochMicros
    lts: EpochMicros | None = None


class DerivativeTicker(_Frame, tag="derivative_ticker"):
    symbol: str
    ts: EpochMicros
    last_price: float | None = None
    open_interest: float | None = None
    funding_rate: float | None = None
    index_price: float | None = None
    mark_price: float | None = None
    lts: EpochMicros | None = None


class Liquidation(_Frame, tag="liquidation"):
    symbol: str
    price: Price
    amount: TradedAmount
    side: Literal["buy", "sell"]
    ts: EpochMicros
    lts: EpochMicros | None = None


class Disconnect(_Frame, tag="disconnect"):
    ts: EpochMicros


class End(_Frame, tag="end"):
    pass


MarketMessage = Union[Trade, BookSnapshot, DerivativeTicker, Liquidation, Disconnect, End]
MARKET_MESSAGE_TYPES = frozenset(
    ("trade", "book_snapshot", "derivative_ticker", "liquidation", "disconnect", "end")
)

# ---- engine / consumer -> processor --------------------------------------------------------


class Hello(_Frame, tag="hello"):
    v: int
    stream_id: str
    exchange: str
    symbols: list[str]
    timeframes: list[str]
    mode: Literal["candles", "ticks"]
    live: bool
    next_seq: int
    state: dict[str, Any] | None = None
    token: str | None = None


class Batch(_Frame, tag="batch"):
    seq: int
    msgs: list[MarketMessage]


class Subscribe(_Frame, tag="subscribe"):
    v: int
    exchange: str
    symbol: str
    timeframes: list[str] = []
    closed_only: bool = True
    token: str | None = None


InboundFrame = Union[Hello, Batch, Subscribe]

# ---- processor -> engine / consumer --------------------------------------------------------


class Welcome(_Frame, tag="welcome"):
    v: int
    stream_id: str
    server: str


class Ack(_Frame, tag="ack"):
    seq: int
    state: dict[str, Any]


class Features(msgspec.Struct, gc=False):
    spread_bps: float | None
    mid: float | None
    weighted_mid: float | None
    obi_5: float | None
    ofi: float | None
    realized_vol: float | None
    signed_volume: float | None
    trade_imbalance: float | None
    trade_intensity: float | None
    funding_rate: float | None
    mark_price: float | None
    index_price: float | None
    open_interest: float | None
    basis_bps: float | None
    open_interest_change: float | None
    liq_buy_notional: float | None
    liq_sell_notional: float | None
    liq_imbalance: float | None


FEATURE_NAMES: tuple[str, ...] = Features.__struct_fields__


class Candle(_Frame, tag="candle"):
    """The candle event (also what ``LiveFeatureStream`` yields, as a dict)."""

    exchange: str
    symbol: str
    timeframe: str
    start: str
    end: str
    closed: bool
    final: bool
    open: float
    high: float
    low: float
    close: float
    volume: float
    buy_volume: float
    sell_volume: float
    trades: int
    vwap: float | None
    gap: bool
    partial: bool
    features: Features


class StreamCounts(msgspec.Struct, gc=False):
    """Messages of one engine stream counted in no bar (docs/features.md, Time model)."""

    late: int
    old: int
    rejected: int


class Stats(_Frame, tag="stats"):
    messages: int
    messages_per_s: float
    trades: int
    candles: int
    uptime_s: float
    engines: int
    consumers: int
    errors: int
    streams: dict[str, StreamCounts] = {}


class Log(_Frame, tag="log"):
    level: Literal["debug", "info", "warning", "error"]
    message: str


class Error(_Frame, tag="error"):
    code: str
    message: str
    seq: int | None = None


class Tick(_Frame, tag="tick"):
    """``mode: "ticks"``: one market message served to consumers and sent back to its engine,
    plus its exchange and its sequence number in the stream (the engine drops a tick it has had,
    e.g. when a restarted processor processes unacknowledged messages again)."""

    exchange: str
    msg: MarketMessage
    seq: int | None = None


OutboundFrame = Union[Welcome, Ack, Candle, Stats, Log, Error, Tick]
AnyFrame = Union[Hello, Batch, Subscribe, Welcome, Ack, Candle, Stats, Log, Error, Tick]

ERROR_CODES = frozenset(
    ("bad_json", "bad_frame", "seq_gap", "bad_hello", "unauthorized", "too_big", "internal")
)

# ---- codecs --------------------------------------------------------------------------------

inbound_decoder = msgspec.json.Decoder(InboundFrame)
"""Decodes every frame a client may send (hello, batch, subscribe)."""

any_frame_decoder = msgspec.json.Decoder(AnyFrame)
"""Decodes any frame of the protocol (fixtures, test peers)."""

encoder = msgspec.json.Encoder()


def encode(frame: Any) -> bytes:
    """JSON bytes of a Struct or of a plain event dict."""
    return encoder.encode(frame)


class InvalidMessage(msgspec.Struct, gc=False):
    """Placeholder in a batch for a message that failed validation (counted, dropped)."""

    index: int
    reason: str


def decode_batch_leniently(data: bytes | str) -> tuple[int, list[MarketMessage | InvalidMessage]]:
    """Decodes a batch message by message, after the fast typed decode of the whole batch
    failed: valid messages are kept, each bad one becomes an ``InvalidMessage`` naming the
    problem (``batch.msgs[3]: unknown message type "quote"``), so that one bad message costs
    only itself. Raises ``ValueError`` when the frame itself is not a usable batch."""
    raw = msgspec.json.decode(data)
    if not isinstance(raw, dict):
        raise ValueError("frame is not a JSON object")
    seq = raw.get("seq")
    msgs = raw.get("msgs")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"batch.seq: expected an integer >= 1, got {seq!r}")
    if not isinstance(msgs, list):
        raise ValueError("batch.msgs: expected an array of market messages")
    out: list[MarketMessage | InvalidMessage] = []
    for i, item in enumerate(msgs):
        out.append(_convert_message(i, item))
    return seq, out


def _convert_message(i: int, item: Any) -> MarketMessage | InvalidMessage:
    where = f"batch.msgs[{i}]"
    if not isinstance(item, dict):
        return InvalidMessage(i, f"{where}: expected an object, got {type(item).__name__}")
    kind = item.get("type")
    if kind not in MARKET_MESSAGE_TYPES:
        if kind is None:
            return InvalidMessage(i, f'{where}: missing "type"')
        return InvalidMessage(i, f"{where}: unknown message type {msgspec.json.encode(kind).decode()}")
    try:
        return msgspec.convert(item, MarketMessage)
    except msgspec.ValidationError as exc:
        detail = str(exc).replace("`$.", f"`{where}.").replace("`$`", f"`{where}`")
        return InvalidMessage(i, f"{where} ({kind}): {detail}")
