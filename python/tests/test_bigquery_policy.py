"""The processor's BigQuery writer against the declared policy (contract/bigquery_policy.json,
also loaded by the engine: core/test/bigquery-policy.test.ts is the engine's half). Each check
drives the implementation, so a change on one side only fails here."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_bigquery import FakeBigQuery

from market_data_tick_handler.contract import bigquery_policy
from market_data_tick_handler.persist.bigquery import BigQueryConfigError, BigQueryPersister, settings_from_env
from market_data_tick_handler.persist.bigquery.credentials import gcloud_credentials_file
from market_data_tick_handler.persist.bigquery.dead_letter import dead_letter_line
from market_data_tick_handler.persist.bigquery.policy import Deadline, OutOfTime, backoff_waits

POLICY = bigquery_policy()
RETRY = POLICY["retry"]
BACKOFF = RETRY["backoff"]
EXAMPLES = POLICY["env"]["examples"]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits google-api-core's retry asks for (not slept)."""
    asked: list[float] = []
    monkeypatch.setattr("google.api_core.retry.retry_unary.time.sleep", asked.append)
    return asked


def candle(i: int) -> dict[str, Any]:
    start = f"2024-08-08T00:{i:02d}:00.000Z"
    return {"type": "candle", "exchange": "binance", "symbol": "BTCUSDT", "timeframe": "1m", "start": start,
            "end": start, "closed": True, "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0,
            "buy_volume": 1.0, "sell_volume": 0.0, "trades": 1, "vwap": 1.0, "gap": False, "features": {}}


def persister(endpoint: str, tmp_path: Path) -> BigQueryPersister:
    settings = settings_from_env({"GCP_PROJECT_ID": "tb-policy", "BIGQUERY_API_ENDPOINT": endpoint}, tmp_path)
    assert settings is not None
    return BigQueryPersister.connect(settings)


def ceiling(retry: int) -> float:
    return min(BACKOFF["max_delay_ms"], BACKOFF["base_delay_ms"] * BACKOFF["multiplier"] ** (retry - 1)) / 1000


def test_settings_follow_the_declared_variables_defaults_and_parsing(tmp_path: Path) -> None:
    for case in EXAMPLES["valid"]:
        s = settings_from_env(case["env"], tmp_path)
        assert s is not None
        got = {"project": s.project, "dataset": s.dataset, "batch_size": s.batch_size,
               "batch_timeout_ms": round(s.batch_timeout_s * 1000), "api_endpoint": s.api_endpoint}
        assert got == case["settings"], case["env"]
    retry = (s.max_attempts, s.base_delay_s * 1000, s.max_delay_s * 1000, s.close_timeout_s * 1000)
    assert retry == (RETRY["max_attempts"], BACKOFF["base_delay_ms"], BACKOFF["max_delay_ms"], RETRY["shutdown_budget_ms"])
    assert s.dead_letter_file == tmp_path / POLICY["dead_letter"]["files"]["candles"]
    for env in EXAMPLES["no_project"]:
        assert settings_from_env(env, tmp_path) is None
    base = {"GCP_PROJECT_ID": "p", "BIGQUERY_API_ENDPOINT": "http://127.0.0.1:9050"}
    for case in EXAMPLES["invalid"]:
        with pytest.raises(BigQueryConfigError, match=case["names"]):
            settings_from_env({**base, **case["env"]}, tmp_path)


def test_the_gcloud_credentials_file_is_where_the_policy_says() -> None:
    for case in POLICY["gcloud_credentials"]["examples"]:
        assert str(gcloud_credentials_file(case["env"], case["platform"], Path(case["home"]))) == case["file"], case


def test_the_dead_letter_line_is_the_declared_format() -> None:
    example = POLICY["dead_letter"]["example"]
    failed_at = datetime.fromtimestamp(example["failed_at_ms"] / 1000, UTC)
    line = dead_letter_line(example["dataset"], example["table"], example["insertId"], example["row"],
                            example["error"], failed_at)
    assert line == example["line"]
    assert list(json.loads(line)) == POLICY["dead_letter"]["fields"]


def test_backoff_is_full_jitter_capped() -> None:
    random.seed(5)
    samples = [list(zip(range(1, 9), backoff_waits(BACKOFF["base_delay_ms"] / 1000, BACKOFF["max_delay_ms"] / 1000,
                                                   Deadline()), strict=False)) for _ in range(400)]
    for n in range(1, 9):
        waits = [wait for run in samples for retry, wait in run if retry == n]
        assert all(0 <= wait <= ceiling(n) for wait in waits), n
        # full jitter reaches down to 0 (equal jitter never waits less than half the ceiling)
        assert min(waits) < 0.1 * ceiling(n) and max(waits) > 0.9 * ceiling(n), n


def test_no_wait_is_started_that_would_end_after_the_deadline() -> None:
    deadline = Deadline()
    deadline.at = time.monotonic() + BACKOFF["base_delay_ms"] / 1000 * 2
    with pytest.raises(OutOfTime):
        for _ in backoff_waits(BACKOFF["base_delay_ms"] / 1000, BACKOFF["max_delay_ms"] / 1000, deadline):
            pass


async def test_each_retryable_status_is_retried_up_to_max_attempts(fake: tuple[FakeBigQuery, str], tmp_path: Path,
                                                                  waits: list[float]) -> None:
    bq, endpoint = fake
    p = persister(endpoint, tmp_path)
    for status in RETRY["retryable_statuses"]:
        bq.faults = [{"status": status, "count": -1}]
        before, asked = bq.counts["insert_requests"], len(waits)
        p.write(candle(1))
        await p.flush()
        assert bq.counts["insert_requests"] - before == RETRY["max_attempts"], status
        new_waits = waits[asked:]
        assert len(new_waits) == RETRY["max_attempts"] - 1
        assert all(0 <= wait <= ceiling(n) for n, wait in enumerate(new_waits, 1)), new_waits
    bq.faults = []
    await p.aclose()
    assert p.retries == len(RETRY["retryable_statuses"]) * (RETRY["max_attempts"] - 1)


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_other_statuses_are_refused_for_good_at_once(fake: tuple[FakeBigQuery, str], tmp_path: Path,
                                                          waits: list[float], status: int) -> None:
    bq, endpoint = fake
    p = persister(endpoint, tmp_path)
    bq.faults = [{"status": status, "count": -1}]
    before = bq.counts["insert_requests"]
    p.write(candle(1))
    await p.flush()
    assert bq.counts["insert_requests"] - before == 1 and waits == []
    bq.faults = []
    await p.aclose()
    assert p.rows_dead_lettered == 1


async def test_transient_row_reasons_retry_the_row_others_dead_letter_it(fake: tuple[FakeBigQuery, str],
                                                                        tmp_path: Path, waits: list[float]) -> None:
    bq, endpoint = fake
    p = persister(endpoint, tmp_path)
    for i, reason in enumerate(RETRY["transient_row_reasons"]):
        bq.faults = [{"reason": reason, "count": 1}]
        p.write(candle(i))
        await p.flush()
    bq.faults = [{"reason": "invalid", "count": 1}]
    p.write(candle(50))
    await p.flush()
    await p.aclose()
    assert p.rows_written == len(RETRY["transient_row_reasons"]) and p.rows_dead_lettered == 1
    assert p.retries == len(RETRY["transient_row_reasons"])
