"""The BigQuery persister with the real google-cloud-bigquery client against the strict fake."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fake_bigquery import FakeBigQuery

from market_data_tick_handler.persist.bigquery import (
    BigQueryConfigError,
    BigQueryPersister,
    BigQuerySettings,
    make_client,
    settings_from_env,
)

PROJECT = "tb-test"
TABLE = f"{PROJECT}.market_data_streaming.candles"


def settings(endpoint: str, tmp_path: Path, **overrides: Any) -> BigQuerySettings:
    env = {"GCP_PROJECT_ID": PROJECT, "BIGQUERY_API_ENDPOINT": endpoint}
    base = settings_from_env(env, tmp_path / "logs")
    assert base is not None
    return replace(base, base_delay_s=0.001, max_delay_s=0.01, **overrides)


def candle(i: int, symbol: str = "BTCUSDT", timeframe: str = "1m") -> dict[str, Any]:
    minute = f"2024-08-08T{i // 60:02d}:{i % 60:02d}:00.000Z"
    end = f"2024-08-08T{(i + 1) // 60:02d}:{(i + 1) % 60:02d}:00.000Z"
    return {"type": "candle", "exchange": "binance", "symbol": symbol, "timeframe": timeframe,
            "start": minute, "end": end, "closed": True, "final": False,
            "open": 1.0 + i, "high": 2.0 + i, "low": 0.5 + i, "close": 1.5 + i, "volume": 3.0,
            "buy_volume": 2.0, "sell_volume": 1.0, "trades": 4, "vwap": None if i % 7 == 0 else 1.2,
            "gap": i % 5 == 0, "features": {"obi_5": 0.1, "spread_bps": None, "mid": 1.25}}


def rows(bq: FakeBigQuery) -> list[dict[str, Any]]:
    return bq.state()["tables"].get(TABLE, {}).get("rows", [])


def dead_letters(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_settings_need_a_project_and_check_values(tmp_path: Path) -> None:
    assert settings_from_env({}, tmp_path) is None
    with pytest.raises(BigQueryConfigError, match="BIGQUERY_BATCH_SIZE must be a whole number"):
        settings_from_env({"GCP_PROJECT_ID": "p", "BIGQUERY_BATCH_SIZE": "lots"}, tmp_path)
    s = settings_from_env({"GCP_PROJECT_ID": "p", "BIGQUERY_BATCH_TIMEOUT": "250"}, tmp_path)
    assert s is not None and s.dataset == "market_data_streaming" and s.batch_size == 1000
    assert s.batch_timeout_s == 0.25 and s.dead_letter_file == tmp_path / "bigquery-candles.dead-letter.ndjson"


def test_missing_credentials_is_one_clear_error(tmp_path: Path) -> None:
    s = settings_from_env({"GCP_PROJECT_ID": "p"}, tmp_path)
    assert s is not None
    with pytest.raises(BigQueryConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        make_client(s, {"CLOUDSDK_CONFIG": str(tmp_path)})
    with pytest.raises(BigQueryConfigError, match="no such file"):
        make_client(s, {"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "key.json")})


@pytest.mark.slow
def test_processor_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "BIGQUERY_"))}
    env.update(GCP_PROJECT_ID="p", CLOUDSDK_CONFIG=str(tmp_path), HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "market_data_tick_handler", "--port", "0",
                             "--log-dir", str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


async def test_creates_dataset_and_partitioned_clustered_table(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    bq, endpoint = fake
    persister = BigQueryPersister.connect(settings(endpoint, tmp_path))
    await persister.aclose()
    table = bq.state()["tables"][TABLE]["resource"]
    assert table["timePartitioning"] == {"type": "DAY", "field": "start"}
    assert table["clustering"] == {"fields": ["exchange", "symbol", "timeframe"]}
    names = [field["name"] for field in table["schema"]["fields"]]
    assert names[:5] == ["exchange", "symbol", "timeframe", "start", "end"]
    features = next(f for f in table["schema"]["fields"] if f["name"] == "features")
    assert {f["name"] for f in features["fields"]} >= {"obi_5", "ofi", "liq_imbalance"}
    # a second start finds everything in place
    BigQueryPersister.connect(settings(endpoint, tmp_path))
    assert bq.counts["bad_requests"] == 0


async def test_batches_by_size_and_flushes_on_shutdown(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    bq, endpoint = fake
    persister = BigQueryPersister.connect(settings(endpoint, tmp_path, batch_size=3, batch_timeout_s=60))
    for i in range(7):
        persister.write(candle(i))
    await until(lambda: len(rows(bq)) == 6)
    assert bq.counts["insert_requests"] == 2
    await persister.aclose()
    assert len(rows(bq)) == 7 and bq.counts["insert_requests"] == 3
    assert persister.rows_written == 7 and persister.rows_dead_lettered == 0
    first = rows(bq)[0]
    assert first["insertId"] == "binance:BTCUSDT:1m:2024-08-08T00:00:00.000Z"
    assert first["json"]["gap"] is True and first["json"]["features"]["obi_5"] == 0.1


async def test_batches_by_timeout(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    bq, endpoint = fake
    persister = BigQueryPersister.connect(settings(endpoint, tmp_path, batch_size=1000, batch_timeout_s=0.2))
    persister.write(candle(1))
    persister.write(candle(2))
    await until(lambda: len(rows(bq)) == 2, timeout=5)
    persister.write(candle(3))
    await until(lambda: len(rows(bq)) == 3, timeout=5)
    assert bq.counts["insert_requests"] == 2
    await persister.aclose()


async def test_storm_every_row_exactly_once_in_table_or_dead_letter(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    bq, endpoint = fake
    s = settings(endpoint, tmp_path, batch_size=20, batch_timeout_s=0.05, max_attempts=10)
    persister = BigQueryPersister.connect(s)
    bq.faults = [{"reason": "invalid", "match": {"symbol": "POISON"}, "count": -1},
                 {"storm": 0.5, "seed": 7, "count": 60}]
    expected = set()
    for i in range(300):
        c = candle(i % 240, symbol="POISON" if i % 50 == 3 else "BTCUSDT", timeframe="1m" if i < 240 else "5m")
        persister.write(c)
        expected.add(f"binance:{c['symbol']}:{c['timeframe']}:{c['start']}")
        if i % 40 == 0:
            await asyncio.sleep(0.01)
    await persister.aclose()
    written = [r["insertId"] for r in rows(bq)]
    dead = [d["insertId"] for d in dead_letters(s.dead_letter_file)]
    assert len(written) == len(set(written))
    assert len(dead) == len(set(dead))
    assert set(written).isdisjoint(dead)
    assert set(written) | set(dead) == expected
    assert {d["row"]["symbol"] for d in dead_letters(s.dead_letter_file)} == {"POISON"}
    assert persister.rows_written == len(written) and persister.rows_dead_lettered == len(dead)
    counts = bq.counts
    assert counts["status_faults"] > 5 and counts["row_faults"] > 5 and counts["duplicates"] > 0, counts
    assert persister.retries > 0


async def test_gives_up_into_the_dead_letter_file(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    bq, endpoint = fake
    s = settings(endpoint, tmp_path, batch_size=5, max_attempts=3)
    persister = BigQueryPersister.connect(s)
    bq.faults = [{"status": 503, "count": -1}]
    for i in range(8):
        persister.write(candle(i))
    await persister.flush()  # while running: attempts are capped (at close, the budget is)
    await persister.aclose()
    letters = dead_letters(s.dead_letter_file)
    assert len(letters) == 8 and persister.rows_dead_lettered == 8 and rows(bq) == []
    assert letters[0]["dataset"] == "market_data_streaming" and letters[0]["table"] == "candles"
    assert "gave up after 3 attempts" in letters[0]["error"]
    assert bq.counts["insert_requests"] == 6  # 2 batches × 3 attempts


async def test_processor_persists_closed_candles_to_bigquery(fake: tuple[FakeBigQuery, str], tmp_path: Path,
                                                            start_server: Any) -> None:
    """PersistPublisher → BigQueryPersister: only closed candles are written."""
    from market_data_tick_handler.persist import PersistPublisher

    bq, endpoint = fake
    persister = BigQueryPersister.connect(settings(endpoint, tmp_path, batch_size=2))
    publisher = PersistPublisher([persister])
    publisher.publish(candle(1), b"")
    publisher.publish({**candle(2), "closed": False}, b"")
    publisher.publish(candle(3), b"")
    await publisher.aclose()
    assert [r["json"]["start"] for r in rows(bq)] == ["2024-08-08T00:01:00.000Z", "2024-08-08T00:03:00.000Z"]


CLI = Path(__file__).resolve().parents[2] / "dist" / "cli" / "main.js"


@pytest.mark.slow
@pytest.mark.skipif(not CLI.exists() or shutil.which("node") is None,
                    reason="node or the TypeScript build (dist/) is missing: run npm run setup")
async def test_tickbridge_bq_replay_sends_the_processor_dead_letters(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    """The candles dead-letter file has the format `tickbridge bq-replay` (TypeScript) reads."""
    bq, endpoint = fake
    s = settings(endpoint, tmp_path, batch_size=10, max_attempts=2)
    persister = BigQueryPersister.connect(s)
    bq.faults = [{"status": 500, "count": -1}]
    for i in range(4):
        persister.write(candle(i))
    await persister.flush()
    bq.faults = []
    await persister.aclose()
    assert persister.rows_dead_lettered == 4 and len(rows(bq)) == 0
    env = {**os.environ, "GCP_PROJECT_ID": PROJECT, "BIGQUERY_API_ENDPOINT": endpoint}
    process = await asyncio.create_subprocess_exec(shutil.which("node") or "node", str(CLI), "bq-replay", str(s.dead_letter_file), env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "4 of 4 rows written" in out.decode()
    assert len(rows(bq)) == 4


async def test_only_rows_bigquery_did_not_take_are_dead_lettered(fake: tuple[FakeBigQuery, str], tmp_path: Path) -> None:
    """Every request fails after BigQuery stored its rows: none of them is dead-lettered."""
    bq, endpoint = fake
    s = settings(endpoint, tmp_path, batch_size=10, max_attempts=2)
    persister = BigQueryPersister.connect(s)
    bq.faults = [{"status": 500, "count": -1, "after_write": True}]  # stored, but never confirmed
    for i in range(4):
        persister.write(candle(i))
    await persister.flush()
    bq.faults = []
    await persister.aclose()
    assert len(rows(bq)) == 4 and persister.rows_written == 4
    assert persister.rows_dead_lettered == 0 and not s.dead_letter_file.exists()
