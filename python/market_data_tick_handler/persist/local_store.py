"""The local store: closed candles in one SQLite file, no server and no account.

Why SQLite: it ships with Python (no dependency), a single file is easy to copy, and every
tool reads it (``sqlite3``, pandas, polars, DuckDB). WAL mode: readers query it while the
processor writes. Schema v2 (``store_schema``, docs/persistence.md): every row carries its
run and source; runs never overwrite each other; a finite dataset run again replaces itself.

Durability: ``write`` only queues a row; ``commit`` writes every queued row in one transaction
(in a worker thread) and returns once SQLite has committed it. Engine sessions call ``commit``
before each ack, so an ack never runs ahead of the store. A commit that fails is retried with
backoff for ``retry_budget_s`` (status ``degraded``); then the store is ``failed`` and
``commit`` raises ``StoreFailed``. Rows that were never stored are counted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .store_schema import CANDLE_BASE_NAMES, ensure_schema, is_feature_column, quote

log = logging.getLogger(__name__)

FILE_NAME = "candles.sqlite"


@dataclass(frozen=True)
class Run:
    """One engine run (``runs`` table)."""

    run_id: str
    source: str
    exchange: str
    symbols: tuple[str, ...]
    dataset: str | None
    started_at: str


class StoreFailed(Exception):
    """The store cannot be written and gave up retrying; the message says why."""


class _Deleted(Exception):
    pass


StatusListener = Callable[[str, str], None]
"""Called with ``(status, reason)`` when the store turns ``ok``, ``degraded`` or ``failed``."""


class LocalStore:
    def __init__(self, directory: Path | str, *, retry_budget_s: float = 30.0) -> None:
        self.path = Path(directory) / FILE_NAME
        self.retry_budget_s = retry_budget_s
        self.status = "ok"
        self.reason = ""
        self.rows_written = 0
        self.rows_not_stored = 0
        self.listeners: list[StatusListener] = []
        self._pending: list[tuple[Run, dict[str, Any]]] = []
        self._runs_stored: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-store")
        self._lock = asyncio.Lock()
        self._db: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._columns: set[str] = set()

    # ---- event loop side ------------------------------------------------------------------

    def open(self) -> None:
        """Creates (or migrates) the store now; raises ``StoreFailed`` naming the problem."""
        try:
            self._open()
        except (sqlite3.Error, OSError) as exc:
            raise StoreFailed(f"cannot open the local store {self.path}: {exc}") from None
        log.info("persist: closed candles go to the local store %s", self.path)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def write(self, run: Run, candle: dict[str, Any]) -> None:
        """Queues one closed candle of ``run``; ``commit`` stores it."""
        if self.status == "failed":
            self.rows_not_stored += 1
            return
        self._pending.append((run, candle))

    async def commit(self) -> None:
        """Returns once every row queued so far is committed; raises ``StoreFailed``."""
        async with self._lock:
            if self.status == "failed":
                raise StoreFailed(self.reason)
            count = len(self._pending)
            if count == 0:
                return
            rows = self._pending[:count]
            loop = asyncio.get_running_loop()
            deadline: float | None = None
            delay = 0.1
            while True:
                try:
                    await loop.run_in_executor(self._executor, self._write_rows, rows)
                    break
                except _Deleted as exc:
                    self._fail(str(exc))
                except (sqlite3.Error, OSError) as exc:
                    reason = f"cannot write {self.path}: {exc}"
                    if deadline is None:
                        deadline = time.monotonic() + self.retry_budget_s
                        self._set_status("degraded", reason)
                    if time.monotonic() >= deadline:
                        self._fail(f"{reason} (still failing after {self.retry_budget_s:g} s)")
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            del self._pending[:count]
            self.rows_written += count
            if self.status == "degraded":
                self._set_status("ok", f"writing {self.path} again")

    async def aclose(self) -> None:
        """Commits what is queued (within the retry budget) and closes the file."""
        try:
            await self.commit()
        except StoreFailed:
            pass
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close_db)
        self._executor.shutdown(wait=True)
        if self.rows_not_stored:
            log.error("local store %s: %d closed candles were not stored", self.path, self.rows_not_stored)

    def _fail(self, reason: str) -> None:
        self.rows_not_stored += len(self._pending)
        self._pending.clear()
        self._set_status("failed", reason)
        raise StoreFailed(reason)

    def _set_status(self, status: str, reason: str) -> None:
        self.status, self.reason = status, reason
        # The server tells the engines itself (``local`` keeps it out of the log forwarding).
        (log.info if status == "ok" else log.error)("local store %s: %s", status, reason,
                                                     extra={"local": True})
        for listener in self.listeners:
            listener(status, reason)

    # ---- worker thread --------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives a crash of this process (kill -9); only
                # a power loss or OS crash can undo the last commits.
                db.execute("PRAGMA synchronous=NORMAL")
                ensure_schema(db)
            except BaseException:
                db.close()
                raise
            self._columns = {row[1] for row in db.execute("PRAGMA table_info(candles)")}
            stat = os.stat(self.path)
            self._identity = (stat.st_dev, stat.st_ino)
            self._db = db
        return self._db

    def _close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _check_not_deleted(self) -> None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            stat = None
        if stat is None or (stat.st_dev, stat.st_ino) != self._identity:
            raise _Deleted(f"the store file {self.path} was deleted or replaced while in use: the "
                           "candles stored in it before are gone, and new ones cannot be added to it")

    def _write_rows(self, rows: list[tuple[Run, dict[str, Any]]]) -> None:
        db = self._open()
        self._check_not_deleted()
        new_features = sorted({name for _, c in rows for name in (c.get("features") or ())
                               if name not in self._columns and is_feature_column(name)})
        feature_names = sorted(n for n in self._columns.union(new_features) if is_feature_column(n))
        names = list(CANDLE_BASE_NAMES) + feature_names
        sql = (f"INSERT OR REPLACE INTO candles ({', '.join(map(quote, names))}) "
               f"VALUES ({', '.join('?' * len(names))})")
        values = []
        runs: dict[str, Run] = {}
        for run, c in rows:
            runs[run.run_id] = run
            f = c.get("features") or {}
            values.append((c["exchange"], c["symbol"], c["timeframe"], run.source, run.run_id,
                           c["start"], c["end"], c["open"], c["high"], c["low"], c["close"],
                           c["volume"], c["buy_volume"], c["sell_volume"], c["trades"], c["vwap"],
                           1 if c.get("gap") else 0, 1 if c.get("partial") else 0,
                           *(f.get(n) for n in feature_names)))
        db.execute("BEGIN IMMEDIATE")
        try:
            # Under the write lock: another processor sharing this store may have added a column.
            present = {row[1] for row in db.execute("PRAGMA table_info(candles)")}
            for name in new_features:
                if name not in present:
                    db.execute(f"ALTER TABLE candles ADD COLUMN {quote(name)} REAL")
            for run in runs.values():
                if run.run_id not in self._runs_stored:
                    _begin_run(db, run)
            db.executemany(sql, values)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._columns.update(new_features)
        self._runs_stored.update(runs)
        if self.rows_written == 0:
            log.info("local store: first %d closed candles written to %s", len(values), self.path)


def _begin_run(db: sqlite3.Connection, run: Run) -> None:
    """Records ``run``; a finite dataset run again replaces the earlier runs of that dataset."""
    if run.dataset is not None:
        earlier = "SELECT run_id FROM runs WHERE source = ? AND exchange = ? AND dataset = ? AND run_id != ?"
        key = (run.source, run.exchange, run.dataset, run.run_id)
        db.execute(f"DELETE FROM candles WHERE run_id IN ({earlier})", key)
        db.execute(f"DELETE FROM runs WHERE run_id IN ({earlier})", key)
    db.execute("INSERT OR IGNORE INTO runs (run_id, source, exchange, symbols, dataset, started_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (run.run_id, run.source, run.exchange, json.dumps(list(run.symbols)), run.dataset,
                run.started_at))
