"""The declared BigQuery policy (``contract/bigquery_policy.json``, loaded by the engine too)
as typed constants, and its backoff as a wait schedule."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ...contract import bigquery_policy

POLICY: dict[str, Any] = bigquery_policy()
_RETRY = POLICY["retry"]
_BACKOFF = _RETRY["backoff"]

RETRY_STATUS: frozenset[int] = frozenset(_RETRY["retryable_statuses"])
TRANSIENT_REASONS: frozenset[str] = frozenset(_RETRY["transient_row_reasons"])
MAX_ATTEMPTS: int = _RETRY["max_attempts"]
BASE_DELAY_S: float = _BACKOFF["base_delay_ms"] / 1000
MAX_DELAY_S: float = _BACKOFF["max_delay_ms"] / 1000
MULTIPLIER: float = _BACKOFF["multiplier"]
SHUTDOWN_BUDGET_S: float = _RETRY["shutdown_budget_ms"] / 1000
SHUTDOWN_CONCURRENCY: int = _RETRY["shutdown_concurrency"]
REQUEST_TIMEOUT_S: float = _RETRY["request_timeout_ms"] / 1000
MAX_UNCERTAIN: int = _RETRY["max_uncertain_rows"]
"""Uncertain rows held before they are settled (one read of the table's insert_id column)."""

ENV: dict[str, Any] = POLICY["env"]
GCLOUD: dict[str, Any] = POLICY["gcloud_credentials"]
DEAD_LETTER: dict[str, Any] = POLICY["dead_letter"]


class OutOfTime(Exception):
    """The next wait would end after the shutdown deadline: no retry is started."""


def backoff_waits(base_s: float, max_s: float, deadline: Deadline) -> Iterator[float]:
    """Full jitter (google-api-core's schedule): wait n is uniform(0, min(max, base·2^(n-1)));
    raises ``OutOfTime`` instead of a wait that would end after the deadline."""
    from google.api_core.retry import exponential_sleep_generator  # large: loaded when BigQuery is used

    for wait in exponential_sleep_generator(base_s, max_s, multiplier=MULTIPLIER):
        if time.monotonic() + wait > deadline.at:
            raise OutOfTime
        yield wait


class Deadline:
    """When retries must stop (infinity until the shutdown sets it)."""

    def __init__(self) -> None:
        self.at = float("inf")

    @property
    def set(self) -> bool:
        return self.at != float("inf")
