"""read_candles: typed DataFrames from a real v2 SQLite store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from store_v2 import T0, Run, make_store

from tickbridge import read_candles


@pytest.fixture
def store(tmp_path: Path) -> Path:
    make_store(tmp_path / "data", [
        Run("r-live", source="live", gap_at=2),
        Run("r-demo", source="demo", price=5000.0),
        Run("r-eth", source="replay", symbol="ETHUSDT", exchange="binance-futures", timeframes=("1m",)),
        Run("r-live2", source="live", first=datetime(2026, 11, 29, 18, 0, tzinfo=UTC),
            features={"spread_bps": None, "obi_5": 0.1, "ofi": 2.0}),
    ])
    return tmp_path / "data"


def test_typed_columns(store: Path) -> None:
    df = read_candles(store)
    assert str(df["start"].dtype) == "datetime64[ms, UTC]"
    assert str(df["end"].dtype) == "datetime64[ms, UTC]"
    assert df["gap"].dtype == bool and df["partial"].dtype == bool
    assert df["trades"].dtype == "int64"
    for name in ("open", "close", "volume", "vwap", "spread_bps", "obi_5", "ofi"):
        assert df[name].dtype == "float64", name
    first = df[(df.run_id == "r-live") & (df.timeframe == "1m")].iloc[0]
    assert first["start"] == pd.Timestamp("2026-11-29T17:15:00Z")
    assert first["end"] == pd.Timestamp("2026-11-29T17:16:00Z")
    assert bool(first["partial"]) is True and bool(first["gap"]) is False
    gapped = df[(df.run_id == "r-live") & df.gap]
    assert sorted(gapped.timeframe) == ["15s", "1m"]
    assert df[df.run_id == "r-live2"]["spread_bps"].isna().all()  # NULL stays missing, not 0


def test_demo_left_out_unless_asked(store: Path) -> None:
    assert "demo" not in set(read_candles(store)["source"])
    assert set(read_candles(store, include_demo=True)["source"]) == {"live", "demo", "replay"}
    demo = read_candles(store, source="demo")
    assert set(demo["run_id"]) == {"r-demo"} and len(demo) == 8


def test_filters(store: Path) -> None:
    assert set(read_candles(store, exchange="binance-futures")["symbol"]) == {"ETHUSDT"}
    assert set(read_candles(store, symbol="ETH-USDT")["run_id"]) == {"r-eth"}
    assert set(read_candles(store, timeframe="15s")["timeframe"]) == {"15s"}
    assert set(read_candles(store, run=["r-live2"])["run_id"]) == {"r-live2"}
    assert set(read_candles(store, source="live,replay")["source"]) == {"live", "replay"}
    window = read_candles(store, timeframe="1m", start="2026-11-29T17:16", end=T0.replace(minute=18))
    assert [t.isoformat() for t in window["start"].drop_duplicates()] == [
        "2026-11-29T17:16:00+00:00", "2026-11-29T17:17:00+00:00"]
    offset = read_candles(store, timeframe="1m", start="2026-11-29T19:00:00+01:00")  # = 18:00Z
    assert set(offset["run_id"]) == {"r-live2"}


def test_time_order(store: Path) -> None:
    df = read_candles(store, include_demo=True)
    assert df["start"].is_monotonic_increasing


def test_polars_and_empty(store: Path) -> None:
    pl = pytest.importorskip("polars")
    frame = read_candles(store, engine="polars")
    assert frame.schema["start"] == pl.Datetime("ms", "UTC")
    assert frame.schema["gap"] == pl.Boolean and frame.schema["trades"] == pl.Int64
    empty = read_candles(store, symbol="NOPE")
    assert len(empty) == 0 and str(empty["start"].dtype) == "datetime64[ms, UTC]"


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no candle store at .*candles\.sqlite"):
        read_candles(tmp_path / "nowhere")


def test_default_store_follows_the_environment(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKBRIDGE_STORE_DIR", str(store))
    assert len(read_candles()) == len(read_candles(store))


def test_v1_store_reads_like_its_migration(tmp_path: Path) -> None:
    path = tmp_path / "candles.sqlite"
    db = sqlite3.connect(path)
    db.execute('CREATE TABLE candles (exchange TEXT, symbol TEXT, timeframe TEXT, start TEXT, "end" TEXT, '
               'open REAL, high REAL, low REAL, close REAL, volume REAL, buy_volume REAL, '
               'sell_volume REAL, trades INTEGER, vwap REAL, gap INTEGER, obi_5 REAL, '
               'PRIMARY KEY (exchange, symbol, timeframe, start))')
    db.execute("INSERT INTO candles VALUES ('binance','BTCUSDT','1m','2024-08-08T23:55:00.000Z',"
               "'2024-08-08T23:56:00.000Z',1,2,0.5,1.5,3,2,1,7,1.2,1,0.3)")
    db.commit()
    db.close()
    df = read_candles(path)
    row = df.iloc[0]
    assert (row["source"], row["run_id"], bool(row["partial"]), bool(row["gap"])) == ("unknown", "v1", False, True)


def test_seed_import_path_still_works() -> None:
    from market_data_tick_handler.streaming_service.modes.serve_mode import LiveFeatureStream as Seed
    from tickbridge import LiveFeatureStream
    assert Seed is LiveFeatureStream
