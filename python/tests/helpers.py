"""Message builders and a test engine peer (a real websockets client)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from market_data_tick_handler.protocol import (
    BookSnapshot,
    DerivativeTicker,
    Disconnect,
    End,
    Liquidation,
    Trade,
    encode,
)

S = 1_000_000  # one second in microseconds
T0 = 1_723_161_300 * S  # 2024-08-08T23:55:00Z, a 15m boundary
SYM = "BTCUSDT"


def trade(ts: int, price: float, amount: float = 1.0, side: str = "buy", symbol: str = SYM) -> Trade:
    return Trade(symbol=symbol, price=price, amount=amount, side=side, ts=ts)  # type: ignore[arg-type]


def book(ts: int, bids: list[tuple[float, float]], asks: list[tuple[float, float]],
         symbol: str = SYM) -> BookSnapshot:
    return BookSnapshot(symbol=symbol, name="book_snapshot_5_0ms", depth=5, bids=bids, asks=asks, ts=ts)


def ticker(ts: int, *, funding: float | None = None, mark: float | None = None,
           index: float | None = None, oi: float | None = None, symbol: str = SYM) -> DerivativeTicker:
    return DerivativeTicker(symbol=symbol, ts=ts, last_price=None, open_interest=oi,
                            funding_rate=funding, index_price=index, mark_price=mark)


def liquidation(ts: int, price: float, amount: float, side: str, symbol: str = SYM) -> Liquidation:
    return Liquidation(symbol=symbol, price=price, amount=amount, side=side, ts=ts)  # type: ignore[arg-type]


def disconnect(ts: int) -> Disconnect:
    return Disconnect(ts=ts)


def end() -> End:
    return End()


def random_stream(count: int, seed: int, symbols: tuple[str, ...] = (SYM, "ETHUSDT")) -> list[Any]:
    """A varied message sequence: trades, books (some with an empty side), tickers,
    liquidations, disconnects, late messages and quiet stretches."""
    rng = random.Random(seed)
    ts = T0 + rng.randint(0, 20 * S)
    mid = {s: 100.0 + 10 * i for i, s in enumerate(symbols)}
    out: list[Any] = []
    for _ in range(count):
        ts += rng.choice((rng.randint(1, 400_000), rng.randint(1, 400_000), rng.randint(0, 40 * S)))
        symbol = rng.choice(symbols)
        mid[symbol] = max(1.0, mid[symbol] + rng.gauss(0, 0.3))
        m = round(mid[symbol], 2)
        late = ts - rng.randint(0, 5 * S) if rng.random() < 0.05 else ts
        roll = rng.random()
        if roll < 0.35:
            out.append(trade(late, m, round(rng.uniform(0.01, 3), 3), rng.choice(("buy", "sell", "unknown")), symbol))
        elif roll < 0.8:
            bids = [(round(m - 0.1 * (k + 1), 2), round(rng.uniform(0.1, 5), 2)) for k in range(rng.randint(0, 6))]
            asks = [(round(m + 0.1 * (k + 1), 2), round(rng.uniform(0.1, 5), 2)) for k in range(rng.randint(1, 6))]
            out.append(book(late, bids, asks, symbol))
        elif roll < 0.9:
            out.append(ticker(late, funding=rng.choice((None, 0.0001)), mark=m + 0.5,
                              index=rng.choice((None, m - 0.5)), oi=rng.choice((None, 1000.0 + rng.random())),
                              symbol=symbol))
        elif roll < 0.97:
            out.append(liquidation(late, m, round(rng.uniform(0.1, 2), 2), rng.choice(("buy", "sell")), symbol))
        else:
            out.append(disconnect(ts))
    return out


def url(server: Any) -> str:
    return f"ws://127.0.0.1:{server.port}"


def closed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "candle" and e["closed"]]


def only(events: list[dict[str, Any]], timeframe: str, symbol: str = SYM) -> list[dict[str, Any]]:
    return [e for e in events if e.get("timeframe") == timeframe and e.get("symbol") == symbol]


def batch_frame(seq: int, msgs: list[Any]) -> bytes:
    return encode({"type": "batch", "seq": seq, "msgs": msgs})


def hello_frame(**overrides: Any) -> bytes:
    hello: dict[str, Any] = {"type": "hello", "v": 1, "stream_id": "s1", "exchange": "binance",
                             "symbols": [SYM], "timeframes": ["15s", "1m"], "mode": "candles",
                             "live": False, "next_seq": 1, "state": None, "token": None}
    hello.update(overrides)
    return encode(hello)


class EnginePeer:
    """Acts as the engine: sends hello / batches, records every frame it receives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._decoder = msgspec.json.Decoder()

    @classmethod
    async def connect(cls, url: str, **hello: Any) -> tuple[EnginePeer, dict[str, Any]]:
        ws = await connect(url, compression=None, max_size=None)
        peer = cls(ws)
        await ws.send(hello_frame(**hello), text=True)
        first = await peer.next_frame()
        return peer, first

    async def next_frame(self, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            frame = self._decoder.decode(await self.ws.recv())
        self.frames.append(frame)
        return frame

    async def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        """Reads frames until one matches ``predicate``; returns it."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next_frame(timeout)
                if predicate(frame):
                    return frame

    async def send_batch(self, seq: int, msgs: list[Any]) -> None:
        await self.ws.send(batch_frame(seq, msgs), text=True)

    async def ack_for(self, seq: int) -> dict[str, Any]:
        return await self.until(lambda f: f["type"] == "ack" and f["seq"] >= seq)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]

    async def close(self) -> None:
        await self.ws.close()
