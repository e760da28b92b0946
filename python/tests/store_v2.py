"""Test stores in the exact v2 schema of the local store (docs/data.md, the writer's contract).

``make_store`` writes a real SQLite file the way the processor's writer does: WAL,
``user_version = 2``, the ``runs`` and ``candles`` tables, closed candles only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FEATURES = ("spread_bps", "obi_5", "ofi")

RUNS_DDL = """CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, source TEXT NOT NULL, exchange TEXT NOT NULL, symbols TEXT NOT NULL,
    dataset TEXT, started_at TEXT NOT NULL)"""

CANDLES_DDL = """CREATE TABLE IF NOT EXISTS candles (
    exchange TEXT, symbol TEXT, timeframe TEXT, source TEXT, run_id TEXT, start TEXT, "end" TEXT,
    open REAL, high REAL, low REAL, close REAL, volume REAL, buy_volume REAL, sell_volume REAL,
    trades INTEGER, vwap REAL, gap INTEGER, partial INTEGER, {features},
    PRIMARY KEY (run_id, exchange, symbol, timeframe, start))"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


T0 = datetime(2026, 11, 29, 17, 15, tzinfo=UTC)
SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass
class Run:
    run_id: str
    source: str = "live"
    exchange: str = "binance"
    symbol: str = "BTCUSDT"
    timeframes: tuple[str, ...] = ("15s", "1m")
    bars: int = 4  # per timeframe
    first: datetime = T0
    price: float = 100.0
    dataset: str | None = None
    gap_at: int | None = None  # index of the bar (per timeframe) marked gap
    features: dict[str, float | None] = field(default_factory=lambda: {f: 0.5 for f in FEATURES})


def candle_rows(run: Run) -> list[dict[str, Any]]:
    rows = []
    for tf in run.timeframes:
        length = timedelta(seconds=int(tf[:-1]) * SECONDS[tf[-1]])
        for i in range(run.bars):
            start = run.first + i * length
            price = run.price + i
            rows.append({
                "exchange": run.exchange, "symbol": run.symbol, "timeframe": tf,
                "source": run.source, "run_id": run.run_id,
                "start": iso(start), "end": iso(start + length),
                "open": price, "high": price + 0.5, "low": price - 0.5, "close": price + 0.25,
                "volume": 2.0, "buy_volume": 1.5, "sell_volume": 0.5, "trades": 3 + i,
                "vwap": price + 0.1, "gap": int(run.gap_at == i), "partial": int(i == 0),
                **{name: (None if value is None else value + i) for name, value in run.features.items()},
            })
    return rows


def make_store(directory: Path, runs: Iterable[Run], features: tuple[str, ...] = FEATURES) -> Path:
    """Writes the runs into ``<directory>/candles.sqlite`` (created when missing); returns the file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "candles.sqlite"
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA user_version = 2")
        db.execute(RUNS_DDL)
        db.execute(CANDLES_DDL.format(features=", ".join(f'"{f}" REAL' for f in features)))
        with db:
            for run in runs:
                db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                           (run.run_id, run.source, run.exchange, json.dumps([run.symbol]),
                            run.dataset, iso(run.first)))
                for row in candle_rows(run):
                    names = list(row)
                    db.execute(f"INSERT INTO candles ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                               f"VALUES ({', '.join('?' * len(names))})", [row[n] for n in names])
    finally:
        db.close()
    return path


def ago(**delta: float) -> datetime:
    """A bar boundary (15 s) this long before now, e.g. ``ago(minutes=5)``."""
    moment = datetime.now(UTC) - timedelta(**delta)
    return moment.replace(second=moment.second - moment.second % 15, microsecond=0)


def main(argv: list[str]) -> int:
    """For tests in other languages: ``make DIR 'Run(...)' ...`` writes a store; ``rows FILE``
    prints its candle rows; ``parquet-rows FILE`` the rows of a Parquet file (pyarrow)."""
    command, target, *runs = argv
    if command == "make":
        make_store(Path(target), [eval(run, globals()) for run in runs])
    elif command == "rows":
        print(sqlite3.connect(target).execute("SELECT count(*) FROM candles").fetchone()[0]
              if Path(target).exists() else 0)
    elif command == "parquet-rows":
        import pyarrow.parquet as pq

        print(pq.read_table(target).num_rows)
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
