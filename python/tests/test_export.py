"""`tickbridge export` through the real CLI (node dist/... export): a real SQLite store in,
real CSV / Parquet (read back with pyarrow) / NDJSON files out."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from store_v2 import Run, make_store

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"
NODE = shutil.which("node")


def tickbridge(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    if NODE is None or not CLI.exists():
        pytest.skip("the TypeScript build (dist/) or node is missing: run `npm run setup`")
    return subprocess.run([NODE, str(CLI), *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={"PATH": "/usr/bin:/bin", "TICKBRIDGE_PYTHON": sys.executable})


@pytest.fixture
def store(tmp_path: Path) -> Path:
    make_store(tmp_path / "data", [
        Run("r-live", gap_at=1),
        Run("r-demo", source="demo"),
        Run("r-eth", symbol="ETHUSDT", source="replay", timeframes=("1m",)),
    ])
    return tmp_path / "data"


def test_parquet_is_typed(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "candles.parquet"
    result = tickbridge("export", "--storeDir", str(store), "--symbol", "BTC-USDT", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "8 candles written" in result.stderr
    table = pq.read_table(out)
    schema = table.schema
    assert schema.field("start").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("gap").type == pa.bool_() and schema.field("partial").type == pa.bool_()
    assert schema.field("trades").type == pa.int64() and schema.field("obi_5").type == pa.float64()
    rows = table.to_pylist()
    assert {r["run_id"] for r in rows} == {"r-live"}  # demo left out, ETH filtered out
    assert [r["gap"] for r in rows if r["timeframe"] == "1m"] == [False, True, False, False]
    assert rows[0]["start"].isoformat() == "2026-11-29T17:15:00+00:00"


def test_csv_and_ndjson_filters(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    result = tickbridge("export", "--storeDir", str(store), "--source", "demo", "--timeframes", "1m",
                        "--from", "2026-11-29T17:16:00Z", "--to", "2026-11-29T17:18:00Z", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["source"], r["start"], r["partial"]) for r in rows] == [
        ("demo", "2026-11-29T17:16:00.000Z", "false"), ("demo", "2026-11-29T17:17:00.000Z", "false")]
    result = tickbridge("export", "--storeDir", str(store), "--format", "ndjson", "--exchange", "binance",
                        "--run", "r-eth")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4 and {line["symbol"] for line in lines} == {"ETHUSDT"}
    assert lines[0]["partial"] is True and isinstance(lines[0]["trades"], int)
    assert lines[0]["end"] == "2026-11-29T17:16:00.000Z"


def test_nothing_to_export_says_what_the_store_holds(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "none.parquet"
    result = tickbridge("export", "--storeDir", str(store), "--symbol", "SOLUSDT", "--out", str(out))
    assert result.returncode == 1
    assert "no candles match" in result.stderr and "binance ETHUSDT 1m replay (4)" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".none.parquet*"))


def test_missing_store_and_bad_flags(tmp_path: Path) -> None:
    missing = tickbridge("export", "--storeDir", str(tmp_path / "nope"), "--out", str(tmp_path / "x.csv"))
    assert missing.returncode == 1 and "no candle store at" in missing.stderr
    bad = tickbridge("export", "--out", str(tmp_path / "x.xlsx"))
    assert bad.returncode == 2 and "cannot tell the format" in bad.stderr
    bad_time = tickbridge("export", "--from", "yesterday")
    assert bad_time.returncode == 2 and "not an ISO-8601 time" in bad_time.stderr
    stdout_parquet = tickbridge("export", "--format", "parquet")
    assert stdout_parquet.returncode == 2 and "parquet needs a file" in stdout_parquet.stderr


def test_unreachable_redis(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = tickbridge("export", "--redisUrl", f"redis://127.0.0.1:{port}/0", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 1 and f"cannot read Redis redis://127.0.0.1:{port}/0" in result.stderr
    assert not (tmp_path / "x.csv").exists()
