"""The processor's BigQuery persister: closed candles with their features, with
``google-cloud-bigquery``, batched off the event loop.

A batch is sent when ``batch_size`` candles wait, when the oldest is ``batch_timeout_s`` old,
and at shutdown; ``write`` only appends to a list (it runs on the event loop), and requests
and backoff waits run in one worker thread (``sender.RowSender``). At shutdown, what is
buffered is sent ``SHUTDOWN_CONCURRENCY`` requests at a time, rows are retried until the
shutdown budget is spent, and the last log line says what was left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .credentials import make_client
from .dead_letter import DeadLetterFile, Row
from .policy import SHUTDOWN_CONCURRENCY
from .schema import TABLE, candle_row, ensure_tables
from .sender import RowSender
from .settings import BigQueryConfigError, BigQuerySettings

log = logging.getLogger("market_data_tick_handler.persist.bigquery")


class BigQueryPersister:
    """``Persister`` sending closed candles to ``<project>.<dataset>.candles``."""

    def __init__(self, settings: BigQuerySettings, client: Any) -> None:
        self.settings = settings
        self.client = client
        self.table = f"{settings.project}.{settings.dataset}.{TABLE}"
        self.dead_letters = DeadLetterFile(settings.dead_letter_file, settings.dataset, TABLE)
        self.sender = RowSender(client, self.table, settings, self.dead_letters)
        self._buffer: list[Row] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bigquery")
        self._task: asyncio.Task[None] | None = None
        self._has_rows: asyncio.Event | None = None
        self._full: asyncio.Event | None = None
        self._closed = False

    @property
    def rows_written(self) -> int:
        return self.sender.rows_written

    @property
    def rows_dead_lettered(self) -> int:
        return self.dead_letters.rows

    @property
    def retries(self) -> int:
        return self.sender.retries

    @property
    def rows_left_at_shutdown(self) -> int:
        return self.sender.rows_left_at_shutdown

    @classmethod
    def connect(cls, settings: BigQuerySettings) -> BigQueryPersister:
        """Builds the client and prepares the table (blocking: call it at start)."""
        client = make_client(settings)
        try:
            created = ensure_tables(client, settings)
        except Exception as exc:  # one clear line, no stack trace
            where = f" at {settings.api_endpoint}" if settings.api_endpoint else ""
            raise BigQueryConfigError(f"cannot prepare {settings.project}.{settings.dataset}{where}: "
                                      f"{getattr(exc, 'message', None) or exc}") from None
        if created:
            log.info("BigQuery: created %s in project %s", ", ".join(created), settings.project)
        log.info("BigQuery: writing closed candles to %s.%s.%s (batches of %d, at least every %g s)",
                 settings.project, settings.dataset, TABLE, settings.batch_size, settings.batch_timeout_s)
        return cls(settings, client)

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
            except Exception:  # a bug here must not end persistence silently
                log.exception("BigQuery: sending candles failed")
            if self._buffer:
                self._has_rows.set()  # a partial batch left: it gets its own timeout

    async def flush(self, full_only: bool = False) -> None:
        """Sends what is buffered (in the worker thread) in batches of ``batch_size``; with
        ``full_only``, only full batches."""
        while len(self._buffer) >= (self.settings.batch_size if full_only else 1):
            batch = self._buffer[:self.settings.batch_size]
            del self._buffer[:self.settings.batch_size]
            await asyncio.get_running_loop().run_in_executor(self._executor, self.sender.send, batch)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.sender.deadline.at = time.monotonic() + self.settings.close_timeout_s
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        loop = asyncio.get_running_loop()
        batches = [self._buffer[i:i + self.settings.batch_size]
                   for i in range(0, len(self._buffer), self.settings.batch_size)]
        self._buffer = []
        with ThreadPoolExecutor(max_workers=SHUTDOWN_CONCURRENCY, thread_name_prefix="bigquery-close") as pool:
            await asyncio.gather(*(loop.run_in_executor(pool, self.sender.send, batch) for batch in batches))
        await loop.run_in_executor(self._executor, self.sender.settle)
        self._executor.shutdown(wait=True)
        path = self.settings.dead_letter_file
        left = (f" ({self.rows_left_at_shutdown} still failing when the {self.settings.close_timeout_s:g} s "
                "shutdown budget was spent)" if self.rows_left_at_shutdown else "")
        (log.warning if self.rows_dead_lettered else log.info)(
            "BigQuery: %d candles written, %d dead-lettered%s", self.rows_written, self.rows_dead_lettered,
            f" in {path}{left}; resend with `tickbridge bq-replay {path}`" if self.rows_dead_lettered else "")
