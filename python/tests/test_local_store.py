"""The local store (schema v2): closed candles into SQLite through the real processor, acks
that never run ahead of the store, runs that never overwrite each other, the v1 migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import T0, EnginePeer, S, book, closed, end, trade, url

from market_data_tick_handler.engine_admission import SessionConfig
from market_data_tick_handler.persist.local_store import LocalStore, Run
from market_data_tick_handler.server import ProcessorServer, ServerConfig
from market_data_tick_handler.stats import Stats


def rows(path: Path, sql: str = "SELECT * FROM candles ORDER BY run_id, timeframe, start") -> list[dict]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql)]
    finally:
        db.close()


async def run_session(directory: Path, msgs: list, **hello) -> list[dict]:
    """Streams ``msgs`` + end through a processor with a local store; returns the frames the
    engine received. At every ack, the store already holds the closed candles sent before it."""
    store = LocalStore(directory)
    store.open()
    server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, session=SessionConfig(lateness_ms=0)),
                             stats=Stats(), hub=None, store=store)
    await server.start()
    try:
        engine, _ = await EnginePeer.connect(url(server), timeframes=["15s", "1m"], **hello)
        await engine.send_batch(1, [*msgs, end()])
        while True:
            frame = await engine.until(lambda f: f["type"] == "ack")
            stored = len(rows(store.path))
            assert stored >= len(closed(engine.frames)), "an ack ran ahead of the store"
            if frame["seq"] >= len(msgs) + 1:
                break
        await engine.close()
    finally:
        await server.stop()
    return engine.frames


def session_messages(shift: float = 0.0) -> list[Any]:
    msgs: list[Any] = []
    for k in range(10):  # 10 bars of 15 s: 9 closed, the last one final
        t = T0 + k * 15 * S
        msgs.append(book(t, [(100.0 + k + shift, 2.0)], [(100.5 + k + shift, 1.0)]))
        msgs.append(trade(t + 1, 100.0 + k + shift, 1.5, "buy"))
        msgs.append(trade(t + 2, 100.2 + k + shift, 0.5, "sell"))
    return msgs


async def test_round_trip_closed_candles_with_run_source_and_features(tmp_path):
    frames = await run_session(tmp_path, session_messages(), run_id="r1", source="file",
                               dataset="file:/x.raw.gz")
    expected = sorted(closed(frames), key=lambda e: (e["timeframe"], e["start"]))
    got = rows(tmp_path / "candles.sqlite")
    assert len(expected) == 9 + 2 and len(got) == len(expected)  # final (open) bars are not stored
    for row, event in zip(got, expected, strict=True):
        for key in ("exchange", "symbol", "timeframe", "start", "end", "open", "high", "low", "close",
                    "volume", "buy_volume", "sell_volume", "trades", "vwap"):
            assert row[key] == event[key], key
        assert row["gap"] == int(event["gap"]) and row["partial"] == int(event.get("partial", False))
        assert (row["run_id"], row["source"]) == ("r1", "file")
        for name, value in event["features"].items():
            assert row[name] == pytest.approx(value) if value is not None else row[name] is None, name
    [run] = rows(tmp_path / "candles.sqlite", "SELECT * FROM runs")
    assert run["run_id"] == "r1" and run["dataset"] == "file:/x.raw.gz" and run["symbols"] == '["BTCUSDT"]'
    assert rows(tmp_path / "candles.sqlite", "PRAGMA user_version")[0]["user_version"] == 2


async def test_runs_never_overwrite_each_other_and_a_dataset_run_again_replaces_itself(tmp_path):
    db = tmp_path / "candles.sqlite"
    await run_session(tmp_path, session_messages(), run_id="live-a", source="live")
    await run_session(tmp_path, session_messages(1.0), run_id="live-b", source="live")
    by_run = rows(db, "SELECT run_id, COUNT(*) AS n, MIN(open) AS low FROM candles GROUP BY run_id")
    assert [(r["run_id"], r["n"]) for r in by_run] == [("live-a", 11), ("live-b", 11)]
    assert by_run[0]["low"] == 100.0 and by_run[1]["low"] == 101.0  # neither overwrote the other

    for run_id in ("file-1", "file-2"):
        await run_session(tmp_path, session_messages(), run_id=run_id, source="file", dataset="file:/same")
    runs = [r["run_id"] for r in rows(db, "SELECT run_id FROM runs ORDER BY run_id")]
    assert runs == ["file-2", "live-a", "live-b"]  # file-1's rows and run are gone, live runs kept
    assert {r["run_id"] for r in rows(db)} == {"file-2", "live-a", "live-b"}


async def test_a_hello_without_a_run_gets_one_of_its_own(tmp_path):
    await run_session(tmp_path, session_messages())
    await run_session(tmp_path, session_messages())
    runs = rows(tmp_path / "candles.sqlite", "SELECT * FROM runs")
    assert len(runs) == 2 and {r["source"] for r in runs} == {"unknown"}
    assert len(rows(tmp_path / "candles.sqlite")) == 22


async def test_v1_store_is_migrated_in_place(tmp_path):
    db = sqlite3.connect(tmp_path / "candles.sqlite")
    db.execute('CREATE TABLE candles (exchange TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, '
               'start TEXT NOT NULL, "end" TEXT NOT NULL, open REAL, high REAL, low REAL, close REAL, '
               'volume REAL, buy_volume REAL, sell_volume REAL, trades INTEGER, vwap REAL, gap INTEGER, '
               'obi_5 REAL, PRIMARY KEY (exchange, symbol, timeframe, start))')
    db.execute("INSERT INTO candles VALUES ('binance','BTCUSDT','1m','2024-08-08T00:00:00.000Z',"
               "'2024-08-08T00:01:00.000Z',1,2,0.5,1.5,3,2,1,3,1.2,1,0.25)")
    db.commit()
    db.close()
    await run_session(tmp_path, session_messages(), run_id="new", source="demo")
    old = rows(tmp_path / "candles.sqlite", "SELECT * FROM candles WHERE run_id = 'v1'")
    assert len(old) == 1 and old[0]["source"] == "unknown" and old[0]["partial"] == 0
    assert old[0]["obi_5"] == 0.25 and old[0]["gap"] == 1 and old[0]["trades"] == 3
    runs = {r["run_id"]: r for r in rows(tmp_path / "candles.sqlite", "SELECT * FROM runs")}
    assert runs["v1"]["source"] == "unknown" and runs["new"]["source"] == "demo"


async def test_close_commits_everything_queued(tmp_path):
    store = LocalStore(tmp_path)
    store.open()
    run = Run("r", "demo", "binance", ("BTCUSDT",), None, "2024-08-08T00:00:00.000Z")
    base = {"type": "candle", "exchange": "binance", "symbol": "BTCUSDT", "timeframe": "1m",
            "closed": True, "final": False, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5,
            "volume": 3.0, "buy_volume": 2.0, "sell_volume": 1.0, "trades": 3, "vwap": 1.2,
            "gap": False, "features": {"mid": 1.4, "new_feature": 2.5}}
    for minute in range(50):
        store.write(run, {**base, "start": f"2024-08-08T00:{minute:02d}:00.000Z",
                          "end": f"2024-08-08T00:{minute + 1:02d}:00.000Z"})
    assert rows(store.path) == []
    await store.aclose()
    got = rows(store.path)
    assert len(got) == 50 and store.rows_written == 50 and got[0]["new_feature"] == 2.5


async def test_two_processors_sharing_one_store_both_add_the_same_feature_column(tmp_path):
    """Two processors started in one folder open the store before either wrote a feature: the
    second to add a column finds it there, and both runs' candles are kept."""
    first, second = LocalStore(tmp_path), LocalStore(tmp_path)
    first.open()
    second.open()
    try:
        candle = {"exchange": "binance", "symbol": "BTCUSDT", "timeframe": "1m",
                  "start": "2024-08-08T23:55:00.000Z", "end": "2024-08-08T23:56:00.000Z",
                  "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0,
                  "buy_volume": 1.0, "sell_volume": 0.0, "trades": 1, "vwap": 1.0,
                  "features": {"basis_bps": 1.5}}
        for store, run_id in ((first, "a"), (second, "b")):
            run = Run(run_id, "live", "binance", ("BTCUSDT",), None, "2024-08-08T23:55:00.000Z")
            store._write_rows([(run, candle)])
    finally:
        first._close_db()
        second._close_db()
    got = rows(tmp_path / "candles.sqlite", "SELECT run_id, basis_bps FROM candles ORDER BY run_id")
    assert got == [{"run_id": "a", "basis_bps": 1.5}, {"run_id": "b", "basis_bps": 1.5}]
