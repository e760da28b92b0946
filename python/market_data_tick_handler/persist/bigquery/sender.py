"""Sends rows of the ``candles`` table with google-api-core's retry, as the declared policy
says (the engine's core/src/persist/sender.ts follows the same file).

- Every row keeps its insertId across attempts, so BigQuery drops a row it already stored when
  a response was lost and the request is sent again.
- A retryable status (408, 429, 5xx) or a network error retries the request; a row refused
  with a transient reason is retried alone; full-jitter backoff (``policy.backoff_waits``).
- What is refused for good, or out of attempts (or out of time at shutdown), is dead-lettered,
  **only if BigQuery did not take it**: rows of a failed request are held as uncertain, and
  ``settle`` reads the table's ``insert_id`` column to dead-letter only those it lacks.

Synchronous: it runs in the persister's worker threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from .dead_letter import DeadLetterFile, Row
from .policy import (
    MAX_UNCERTAIN,
    REQUEST_TIMEOUT_S,
    RETRY_STATUS,
    TRANSIENT_REASONS,
    Deadline,
    OutOfTime,
    backoff_waits,
)
from .settings import BigQuerySettings

log = logging.getLogger("market_data_tick_handler.persist.bigquery")


class _RowsToRetry(Exception):
    """An attempt left rows to send again (the retry predicate decides whether it will)."""


def request_error(exc: Exception) -> tuple[int | None, str]:
    """The HTTP status of a failed request (``None``: no answer) and its dead-letter text."""
    status = getattr(exc, "code", None)
    status = status if isinstance(status, int) else None
    return status, f"{status or 'network error'}: {getattr(exc, 'message', None) or exc}"


class RowSender:
    def __init__(self, client: Any, table: str, settings: BigQuerySettings,
                 dead_letters: DeadLetterFile) -> None:
        self.client = client
        self.table = table
        self.settings = settings
        self.dead_letters = dead_letters
        self.deadline = Deadline()
        self.rows_written = 0
        self.retries = 0
        self.rows_left_at_shutdown = 0
        self._uncertain: list[tuple[Row, str, bool]] = []  # row, error, out of time
        self._lock = threading.Lock()

    def send(self, rows: Sequence[Row]) -> None:
        """Sends the rows; returns when each is written, dead-lettered or held as uncertain."""
        pending = list(rows)
        maybe_stored: set[str] = set()  # rows of a failed request: BigQuery may hold them
        attempts = 0
        last_error = ""

        def attempt() -> None:
            nonlocal pending, attempts, last_error
            attempts += 1
            if attempts > 1:
                self.retries += len(pending)
            retry, last_error = self._insert(pending, maybe_stored)
            if retry:
                pending = retry
                raise _RowsToRetry

        def retryable(exc: Exception) -> bool:
            return isinstance(exc, _RowsToRetry) and (self.deadline.set or attempts < self.settings.max_attempts)

        from google.api_core.retry import retry_target  # large: loaded when BigQuery is used

        try:
            retry_target(attempt, retryable, backoff_waits(self.settings.base_delay_s, self.settings.max_delay_s,
                                                           self.deadline), timeout=None)
        except OutOfTime:
            self._give_up(pending, maybe_stored, f"shutdown budget spent after {attempts} attempts: {last_error}", True)
        except _RowsToRetry:
            self._give_up(pending, maybe_stored, f"gave up after {attempts} attempts: {last_error}", False)

    def _insert(self, pending: list[Row], maybe_stored: set[str]) -> tuple[list[Row], str]:
        """One attempt: the rows to retry and the last error."""
        try:
            errors = self.client.insert_rows_json(
                self.table, [row for _, row in pending], row_ids=[rid for rid, _ in pending],
                skip_invalid_rows=True, retry=None, timeout=REQUEST_TIMEOUT_S)
        except Exception as exc:  # classified here
            status, error = request_error(exc)
            if status is not None and status not in RETRY_STATUS:
                self.dead_letters.append(pending, error)
                return [], error
            maybe_stored.update(rid for rid, _ in pending)
            return pending, error
        retry: list[Row] = []
        last_error = ""
        failed: set[int] = set()
        for error in errors:
            index = int(error.get("index", -1))
            if not 0 <= index < len(pending):
                continue
            first = (error.get("errors") or [{}])[0]
            reason = first.get("reason", "unknown")
            message = f"{reason}: {first.get('message', '')}"
            failed.add(index)
            if reason in TRANSIENT_REASONS:
                retry.append(pending[index])
                last_error = message
            else:
                self.dead_letters.append([pending[index]], message)
        self.rows_written += len(pending) - len(failed)
        return retry, last_error

    def _give_up(self, rows: list[Row], maybe_stored: set[str], error: str, out_of_time: bool) -> None:
        certain = [row for row in rows if row[0] not in maybe_stored]
        with self._lock:
            self._uncertain.extend((row, error, out_of_time) for row in rows if row[0] in maybe_stored)
            settle = len(self._uncertain) >= MAX_UNCERTAIN
        if certain:
            self.rows_left_at_shutdown += len(certain) if out_of_time else 0
            self.dead_letters.append(certain, error)
        if settle:
            self.settle()

    def settle(self) -> None:
        """Uncertain rows: those the table holds count as written, the rest are dead-lettered."""
        with self._lock:
            held, self._uncertain = self._uncertain, []
        if not held:
            return
        try:
            from google.cloud.bigquery import SchemaField

            stored = {row["insert_id"] for row in self.client.list_rows(
                self.table, selected_fields=[SchemaField("insert_id", "STRING")])}
        except Exception as exc:  # cannot tell: every one goes to the file
            log.warning("BigQuery: cannot read %s to check %d uncertain candles (%s)", self.table, len(held), exc)
            stored = set()
        for (rid, row), error, out_of_time in held:
            if rid in stored:
                self.rows_written += 1
            else:
                self.rows_left_at_shutdown += 1 if out_of_time else 0
                self.dead_letters.append([(rid, row)], error)
