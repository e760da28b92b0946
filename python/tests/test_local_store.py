"""The local store: closed candles into SQLite and back, through the real processor."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from market_data_tick_handler.engine_session import SessionConfig
from market_data_tick_handler.persist import PersistPublisher
from market_data_tick_handler.persist.local_store import LocalStore
from market_data_tick_handler.server import ProcessorServer, ServerConfig
from market_data_tick_handler.stats import Stats
from market_data_tick_handler.streaming_service.modes.serve_mode import ServeHub

from helpers import S, T0, EnginePeer, book, closed, end, trade, url


def rows(path: Path) -> list[dict]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM candles ORDER BY timeframe, start")]
    finally:
        db.close()


async def run_session(store: LocalStore, msgs: list, serve: bool = True) -> list[dict]:
    """Streams ``msgs`` + end through a processor whose hub persists to ``store``; returns the
    candle events the engine received."""
    hub = ServeHub(history=10 if serve else 0, publishers=[PersistPublisher([store])], serving=serve)
    server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, session=SessionConfig(lateness_ms=0)),
                             stats=Stats(), hub=hub)
    await server.start()
    try:
        engine, _ = await EnginePeer.connect(url(server), timeframes=["15s", "1m"])
        await engine.send_batch(1, [*msgs, end()])
        await engine.ack_for(len(msgs) + 1)
        await engine.close()
    finally:
        await server.stop()
    return [f for f in engine.frames if f["type"] == "candle"]


def session_messages() -> list:
    msgs = []
    for k in range(10):  # 10 bars of 15 s: 9 closed, the last one final
        t = T0 + k * 15 * S
        msgs.append(book(t, [(100.0 + k, 2.0)], [(100.5 + k, 1.0)]))
        msgs.append(trade(t + 1, 100.0 + k, 1.5, "buy"))
        msgs.append(trade(t + 2, 100.2 + k, 0.5, "sell"))
    return msgs


async def test_round_trip_closed_candles_with_features(tmp_path):
    store = LocalStore(tmp_path / "data", flush_interval_s=0.05)
    events = await run_session(store, session_messages())
    expected = sorted(closed(events), key=lambda e: (e["timeframe"], e["start"]))
    got = rows(tmp_path / "data" / "candles.sqlite")
    assert len(expected) == 9 + 2 and len(got) == len(expected)  # final (open) bars are not stored
    for row, event in zip(got, expected):
        for key in ("exchange", "symbol", "timeframe", "start", "end", "open", "high", "low", "close",
                    "volume", "buy_volume", "sell_volume", "trades", "vwap"):
            assert row[key] == event[key], key
        assert row["gap"] == int(event["gap"])
        for name, value in event["features"].items():
            assert row[name] == pytest.approx(value) if value is not None else row[name] is None, name
    assert "obi_5" in got[0] and "spread_bps" in got[0]


async def test_replay_does_not_duplicate_and_readers_see_rows_while_writing(tmp_path):
    directory = tmp_path / "store"
    for _ in range(2):  # the same session twice: upserts on (exchange, symbol, timeframe, start)
        await run_session(LocalStore(directory, flush_interval_s=0.05), session_messages(), serve=False)
    assert len(rows(directory / "candles.sqlite")) == 11

    store = LocalStore(directory, flush_interval_s=0.05)
    candle = dict(rows(directory / "candles.sqlite")[0])
    event = {**{k: candle[k] for k in ("exchange", "symbol", "timeframe", "end", "open", "high", "low",
                                       "close", "volume", "buy_volume", "sell_volume", "trades", "vwap")},
             "type": "candle", "start": "2030-01-01T00:00:00.000Z", "closed": True, "final": False,
             "gap": True, "features": {"obi_5": 0.5, "new_feature": 1.25}}
    store.write(event)
    async with asyncio.timeout(5):  # flushed in the background, readable while the store is open
        while not any(r["start"].startswith("2030") for r in rows(directory / "candles.sqlite")):
            await asyncio.sleep(0.02)
    await store.aclose()
    [last] = [r for r in rows(directory / "candles.sqlite") if r["start"].startswith("2030")]
    assert last["new_feature"] == 1.25 and last["gap"] == 1


async def test_flush_on_close_writes_everything_buffered(tmp_path):
    store = LocalStore(tmp_path, flush_interval_s=3600)  # only aclose flushes
    base = {"type": "candle", "exchange": "binance", "symbol": "BTCUSDT", "timeframe": "1m",
            "closed": True, "final": False, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5,
            "volume": 3.0, "buy_volume": 2.0, "sell_volume": 1.0, "trades": 3, "vwap": 1.2,
            "gap": False, "features": {"mid": 1.4}}
    for minute in range(50):
        store.write({**base, "start": f"2024-08-08T00:{minute:02d}:00.000Z",
                     "end": f"2024-08-08T00:{minute + 1:02d}:00.000Z"})
    assert not (tmp_path / "candles.sqlite").exists()
    await store.aclose()
    assert len(rows(tmp_path / "candles.sqlite")) == 50 and store.rows_written == 50
