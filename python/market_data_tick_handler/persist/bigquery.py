"""BigQuery persister: closed candles with their features, with ``google-cloud-bigquery``.

Used when ``GCP_PROJECT_ID`` is set (the engine's variables: ``BIGQUERY_DATASET``,
``BIGQUERY_BATCH_SIZE``, ``BIGQUERY_BATCH_TIMEOUT`` in ms, ``BIGQUERY_API_ENDPOINT`` for an
emulator, ``GOOGLE_APPLICATION_CREDENTIALS``). Table ``candles`` (schema in
``CANDLE_SCHEMA``, docs/persistence.md), partitioned by day on ``start`` and clustered by
exchange, symbol and timeframe.

Same rules as the engine's tick writer (core/src/persist/sender.ts):

- a batch is sent when ``batch_size`` candles wait, when the oldest is ``batch_timeout_s``
  old, and at shutdown;
- each row's insertId is ``exchange:symbol:timeframe:start``, so a retried request, or a
  closed candle sent again after a processor restart, is not stored twice;
- 408/429/5xx and network errors retry the request, transient row errors retry the row, with
  capped exponential backoff and full jitter; what still fails (or is refused for good) is
  appended to ``<log dir>/bigquery-candles.dead-letter.ndjson``, which
  ``tickbridge bq-replay`` sends again;
- only rows BigQuery did not take go there: rows whose last attempt failed ambiguously (408, 429,
  5xx, no answer: they may be stored) are held, and the table's ``insert_id`` column is read
  once (``list_rows``, no query cost) to dead-letter only those it lacks;
- at shutdown, rows are retried until ``close_timeout_s`` is spent (whatever their attempts),
  ``CLOSE_CONCURRENCY`` requests at a time, and the last log line says what was left.

The client is synchronous: requests and backoff sleeps run in one worker thread; ``write``
only appends to a list.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..protocol import FEATURE_NAMES

log = logging.getLogger(__name__)

DEFAULT_DATASET = "market_data_streaming"
TABLE = "candles"
DEAD_LETTER_NAME = "bigquery-candles.dead-letter.ndjson"
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
TRANSIENT_REASONS = frozenset({"backendError", "internalError", "rateLimitExceeded", "timeout", "stopped"})
CLOSE_CONCURRENCY = 4
MAX_UNCERTAIN = 20_000
"""Uncertain rows held before they are settled (one read of the table's insert_id column)."""


class BigQueryConfigError(Exception):
    """A setting is missing or wrong: the message says which and how to fix it."""


@dataclass(frozen=True)
class BigQuerySettings:
    project: str
    dataset: str = DEFAULT_DATASET
    batch_size: int = 1000
    batch_timeout_s: float = 60.0
    api_endpoint: str | None = None
    dead_letter_file: Path = Path("logs") / DEAD_LETTER_NAME
    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    close_timeout_s: float = 30.0


def _positive_int(env: Mapping[str, str], name: str, default: int, maximum: int = 2**53) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value <= maximum:
        raise BigQueryConfigError(f"{name} must be a whole number from 1 to {maximum}, got {text!r}")
    return value


def settings_from_env(env: Mapping[str, str], log_dir: Path) -> BigQuerySettings | None:
    """The settings, or ``None`` when ``GCP_PROJECT_ID`` is not set (BigQuery is not used)."""
    project = env.get("GCP_PROJECT_ID", "").strip()
    if not project:
        return None
    dataset = env.get("BIGQUERY_DATASET", "").strip() or DEFAULT_DATASET
    if not re.fullmatch(r"[A-Za-z0-9_]{1,1024}", dataset):
        raise BigQueryConfigError(f"BIGQUERY_DATASET {dataset!r} is not a dataset name: letters, digits "
                                  "and underscores only")
    endpoint = env.get("BIGQUERY_API_ENDPOINT", "").strip().rstrip("/") or None
    if endpoint is not None and not re.match(r"^https?://[^/]+", endpoint):
        raise BigQueryConfigError(f"BIGQUERY_API_ENDPOINT must be a URL such as http://127.0.0.1:9050, "
                                  f"got {endpoint!r}")
    return BigQuerySettings(
        project=project, dataset=dataset,
        batch_size=_positive_int(env, "BIGQUERY_BATCH_SIZE", 1000, 50_000),
        batch_timeout_s=_positive_int(env, "BIGQUERY_BATCH_TIMEOUT", 60_000) / 1000,
        api_endpoint=endpoint, dead_letter_file=log_dir / DEAD_LETTER_NAME)


def make_client(settings: BigQuerySettings, env: Mapping[str, str] = os.environ) -> Any:
    """The official client: anonymous against ``api_endpoint``, else default credentials."""
    from google.cloud import bigquery

    if settings.api_endpoint is not None:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(project=settings.project, credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth leaves it unannotated
                               client_options={"api_endpoint": settings.api_endpoint})
    key_file = env.get("GOOGLE_APPLICATION_CREDENTIALS", "").strip()
    gcloud = Path(env.get("CLOUDSDK_CONFIG") or Path.home() / ".config" / "gcloud") \
        / "application_default_credentials.json"
    hint = ("set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (JSON) or run "
            "`gcloud auth application-default login`; or unset GCP_PROJECT_ID to keep candles "
            "in the local store")
    if key_file and not Path(key_file).is_file():
        raise BigQueryConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={key_file}: no such file; {hint}")
    if not key_file and not gcloud.is_file():
        raise BigQueryConfigError(f"GCP_PROJECT_ID is set but there are no Google Cloud credentials: {hint}")
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/bigquery"])
    except DefaultCredentialsError as exc:
        raise BigQueryConfigError(f"cannot load Google Cloud credentials ({exc}); {hint}") from None
    return bigquery.Client(project=settings.project, credentials=credentials)


def candle_schema() -> list[Any]:
    from google.cloud.bigquery import SchemaField

    def f(name: str, kind: str, mode: str = "NULLABLE", description: str | None = None) -> Any:
        # None is accepted at run time (no description); the stubs only name their sentinel.
        return SchemaField(name, kind, mode=mode, description=description)  # type: ignore[arg-type]

    return [
        f("exchange", "STRING", "REQUIRED", "Tardis exchange id"),
        f("symbol", "STRING", "REQUIRED", "exchange-native symbol"),
        f("timeframe", "STRING", "REQUIRED", "e.g. 15s, 1m"),
        f("start", "TIMESTAMP", "REQUIRED", "bar start (inclusive), exchange time"),
        f("end", "TIMESTAMP", "REQUIRED", "bar end (exclusive)"),
        f("open", "FLOAT", "REQUIRED"), f("high", "FLOAT", "REQUIRED"),
        f("low", "FLOAT", "REQUIRED"), f("close", "FLOAT", "REQUIRED"),
        f("volume", "FLOAT", "REQUIRED"), f("buy_volume", "FLOAT", "REQUIRED"),
        f("sell_volume", "FLOAT", "REQUIRED"),
        f("trades", "INTEGER", "REQUIRED"),
        f("vwap", "FLOAT", description="null when the bar has no trades"),
        f("gap", "BOOLEAN", "REQUIRED", "the source lost its connection during the bar"),
        SchemaField("features", "RECORD", mode="NULLABLE", description="docs/features.md",
                    fields=[SchemaField(name, "FLOAT", mode="NULLABLE") for name in FEATURE_NAMES]),
        f("inserted_at", "TIMESTAMP", "REQUIRED", "when the processor sent the row"),
        f("insert_id", "STRING", "REQUIRED", "exchange:symbol:timeframe:start, the row insertId"),
    ]


def _number(value: Any) -> Any:
    return value if value is None or (isinstance(value, (int, float)) and value == value
                                      and value not in (float("inf"), float("-inf"))) else None


def candle_row(candle: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A closed candle → ``(insertId, row)``."""
    features = candle.get("features") or {}
    row = {name: candle[name] for name in ("exchange", "symbol", "timeframe", "start", "end")}
    for name in ("open", "high", "low", "close", "volume", "buy_volume", "sell_volume", "vwap"):
        row[name] = _number(candle.get(name))
    row["trades"] = int(candle["trades"])
    row["gap"] = bool(candle.get("gap"))
    row["features"] = {name: _number(features.get(name)) for name in FEATURE_NAMES}
    row["inserted_at"] = datetime.now(UTC).isoformat(timespec="microseconds")
    insert_id = f"{candle['exchange']}:{candle['symbol']}:{candle['timeframe']}:{candle['start']}"
    row["insert_id"] = insert_id
    return insert_id, row


def ensure_tables(client: Any, settings: BigQuerySettings) -> list[str]:
    """Creates the dataset and the ``candles`` table when missing; returns what was created."""
    from google.api_core.exceptions import NotFound
    from google.cloud import bigquery

    created: list[str] = []
    dataset_ref = bigquery.DatasetReference(settings.project, settings.dataset)
    try:
        client.get_dataset(dataset_ref, retry=None)
    except NotFound:
        client.create_dataset(bigquery.Dataset(dataset_ref), exists_ok=True, retry=None)
        created.append(settings.dataset)
    table_ref = dataset_ref.table(TABLE)
    try:
        client.get_table(table_ref, retry=None)
    except NotFound:
        table = bigquery.Table(table_ref, schema=candle_schema())
        table.description = "closed candles with their features (Tickbridge processor)"
        table.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY,
                                                            field="start")
        table.clustering_fields = ["exchange", "symbol", "timeframe"]
        client.create_table(table, exists_ok=True, retry=None)
        created.append(f"{settings.dataset}.{TABLE}")
    return created


class BigQueryPersister:
    """``Persister`` sending closed candles to ``<project>.<dataset>.candles``."""

    def __init__(self, settings: BigQuerySettings, client: Any,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.client = client
        self.table = f"{settings.project}.{settings.dataset}.{TABLE}"
        self.rows_written = 0
        self.rows_dead_lettered = 0
        self.retries = 0
        self.rows_left_at_shutdown = 0
        self._uncertain: list[tuple[tuple[str, dict[str, Any]], str, bool]] = []  # row, error, out of time
        self._sleep = sleep
        self._buffer: list[tuple[str, dict[str, Any]]] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bigquery")
        self._task: asyncio.Task[None] | None = None
        self._has_rows: asyncio.Event | None = None
        self._full: asyncio.Event | None = None
        self._closed = False
        self._deadline = float("inf")
        self._file_lock = threading.Lock()
        self._warned = 0

    @classmethod
    def connect(cls, settings: BigQuerySettings) -> BigQueryPersister:
        """Builds the client and prepares the table (blocking: call it at start)."""
        client = make_client(settings)
        try:
            created = ensure_tables(client, settings)
        except Exception as exc:
            where = f" at {settings.api_endpoint}" if settings.api_endpoint else ""
            raise BigQueryConfigError(f"cannot prepare {settings.project}.{settings.dataset}{where}: "
                                      f"{getattr(exc, 'message', None) or exc}") from None
        if created:
            log.info("BigQuery: created %s in project %s", ", ".join(created), settings.project)
        log.info("BigQuery: writing closed candles to %s.%s.%s (batches of %d, at least every %g s)",
                 settings.project, settings.dataset, TABLE, settings.batch_size, settings.batch_timeout_s)
        return cls(settings, client)

    # ---- event loop side ------------------------------------------------------------------

    def write(self, candle: dict[str, Any]) -> None:
        if self._closed:
            return
        self._buffer.append(candle_row(candle))
        if self._task is None:
            self._has_rows, self._full = asyncio.Event(), asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())
        assert self._has_rows is not None and self._full is not None
        self._has_rows.set()
        if len(self._buffer) >= self.settings.batch_size:
            self._full.set()

    async def _run(self) -> None:
        assert self._has_rows is not None and self._full is not None
        while True:
            await self._has_rows.wait()  # the first row of a batch starts its timeout
            try:
                await asyncio.wait_for(self._full.wait(), self.settings.batch_timeout_s)
                full_only = True
            except TimeoutError:
                full_only = False
            self._has_rows.clear()
            self._full.clear()
            try:
                await self.flush(full_only=full_only)
            except Exception:
                log.exception("BigQuery: sending candles failed")
            if self._buffer:
                self._has_rows.set()  # a partial batch left: it gets its own timeout

    async def flush(self, full_only: bool = False) -> None:
        """Sends what is buffered (in the worker thread) in batches of ``batch_size``; with
        ``full_only``, only full batches."""
        while len(self._buffer) >= (self.settings.batch_size if full_only else 1):
            batch = self._buffer[:self.settings.batch_size]
            del self._buffer[:self.settings.batch_size]
            await asyncio.get_running_loop().run_in_executor(self._executor, self._send, batch)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._deadline = time.monotonic() + self.settings.close_timeout_s
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        loop = asyncio.get_running_loop()
        batches = [self._buffer[i:i + self.settings.batch_size]
                   for i in range(0, len(self._buffer), self.settings.batch_size)]
        self._buffer = []
        with ThreadPoolExecutor(max_workers=CLOSE_CONCURRENCY, thread_name_prefix="bigquery-close") as pool:
            await asyncio.gather(*(loop.run_in_executor(pool, self._send, batch) for batch in batches))
        await loop.run_in_executor(self._executor, self._settle)
        self._executor.shutdown(wait=True)
        left = (f" ({self.rows_left_at_shutdown} still failing when the {self.settings.close_timeout_s:g} s "
                "shutdown budget was spent)" if self.rows_left_at_shutdown else "")
        (log.warning if self.rows_dead_lettered else log.info)(
            "BigQuery: %d candles written, %d dead-lettered%s", self.rows_written, self.rows_dead_lettered,
            f" in {self.settings.dead_letter_file}{left}; resend with `tickbridge bq-replay "
            f"{self.settings.dead_letter_file}`" if self.rows_dead_lettered else "")

    # ---- worker thread --------------------------------------------------------------------

    def _send(self, rows: Sequence[tuple[str, dict[str, Any]]]) -> None:
        pending = list(rows)
        maybe_stored: set[str] = set()  # rows of a failed request: BigQuery may hold them
        attempt = 0
        while pending:
            attempt += 1
            retry: list[tuple[str, dict[str, Any]]] = []
            last_error = ""
            try:
                errors = self.client.insert_rows_json(
                    self.table, [row for _, row in pending], row_ids=[rid for rid, _ in pending],
                    skip_invalid_rows=True, retry=None, timeout=60)
            except Exception as exc:
                status = getattr(exc, "code", None)
                status = status if isinstance(status, int) else None
                last_error = f"{status or 'network error'}: {getattr(exc, 'message', None) or exc}"
                if status is not None and status not in RETRY_STATUS:
                    self._dead_letter(pending, last_error)
                    return
                maybe_stored.update(rid for rid, _ in pending)
                retry = pending
            else:
                failed: set[int] = set()
                dead: list[tuple[tuple[str, dict[str, Any]], str]] = []
                for error in errors:
                    index = int(error.get("index", -1))
                    if not 0 <= index < len(pending):
                        continue
                    first = (error.get("errors") or [{}])[0]
                    reason = first.get("reason", "unknown")
                    failed.add(index)
                    if reason in TRANSIENT_REASONS:
                        retry.append(pending[index])
                        last_error = f"{reason}: {first.get('message', '')}"
                    else:
                        dead.append((pending[index], f"{reason}: {first.get('message', '')}"))
                self.rows_written += len(pending) - len(failed)
                for row, message in dead:
                    self._dead_letter([row], message)
            if not retry:
                return
            ceiling = min(self.settings.max_delay_s, self.settings.base_delay_s * 2 ** min(attempt - 1, 30))
            delay = ceiling * (0.5 + random.random() / 2)
            closing = self._deadline != float("inf")
            out_of_time = time.monotonic() + delay > self._deadline
            if (attempt >= self.settings.max_attempts and not closing) or out_of_time:
                why = "shutdown budget spent" if out_of_time else "gave up"
                error = f"{why} after {attempt} attempts: {last_error}"
                certain = [row for row in retry if row[0] not in maybe_stored]
                with self._file_lock:
                    self._uncertain.extend((row, error, out_of_time) for row in retry if row[0] in maybe_stored)
                    settle = len(self._uncertain) >= MAX_UNCERTAIN
                if certain:
                    self.rows_left_at_shutdown += len(certain) if out_of_time else 0
                    self._dead_letter(certain, error)
                if settle:
                    self._settle()
                return
            self.retries += len(retry)
            self._sleep(delay)
            pending = retry

    def _settle(self) -> None:
        """Uncertain rows: those the table holds count as written, the rest are dead-lettered."""
        with self._file_lock:
            held, self._uncertain = self._uncertain, []
        if not held:
            return
        try:
            from google.cloud.bigquery import SchemaField

            stored = {row["insert_id"] for row in self.client.list_rows(
                self.table, selected_fields=[SchemaField("insert_id", "STRING")])}
        except Exception as exc:
            log.warning("BigQuery: cannot read %s to check %d uncertain candles (%s)", self.table, len(held), exc)
            stored = set()
        for (rid, row), error, out_of_time in held:
            if rid in stored:
                self.rows_written += 1
            else:
                self.rows_left_at_shutdown += 1 if out_of_time else 0
                self._dead_letter([(rid, row)], error)

    def _dead_letter(self, rows: Sequence[tuple[str, dict[str, Any]]], error: str) -> None:
        failed_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines = "".join(json.dumps({"dataset": self.settings.dataset, "table": TABLE, "insertId": rid,
                                    "row": row, "error": error, "failedAt": failed_at},
                                   separators=(",", ":")) + "\n" for rid, row in rows)
        path = self.settings.dead_letter_file
        try:
            with self._file_lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as file:
                    file.write(lines)
        except OSError as exc:
            log.error("BigQuery: %d candles lost: cannot write %s: %s", len(rows), path, exc)
            return
        self.rows_dead_lettered += len(rows)
        if self._warned % 100 == 0:
            log.warning("BigQuery: %d candles written to %s (%s); resend with `tickbridge bq-replay %s`",
                        len(rows), path, error, path)
        self._warned += 1
