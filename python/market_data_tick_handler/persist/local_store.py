"""The local store: closed candles in one SQLite file, no server and no account.

Why SQLite: it ships with Python (no dependency), a single file is easy to copy, and every
tool reads it: ``sqlite3`` on the command line, ``pandas.read_sql``, ``polars.read_database``,
DuckDB (``ATTACH 'candles.sqlite' (TYPE sqlite)``). The file is in WAL mode, so readers query
it while the processor writes. A candle is keyed by ``(exchange, symbol, timeframe, start)``
and written with ``INSERT OR REPLACE``: a replay or a restarted processor never duplicates rows.

Table ``candles``: ``exchange, symbol, timeframe, start, "end"`` (ISO-8601 UTC text, which
sorts in time order), ``open, high, low, close, volume, buy_volume, sell_volume, trades,
vwap, gap`` and one REAL column per feature (``spread_bps``, ``obi_5``, ...; a feature seen
for the first time adds its column).

Writes stay off the event loop: ``write`` appends to a buffer; a task hands the buffer to
one worker thread every ``flush_interval_s`` (or sooner when ``batch_rows`` are waiting);
``aclose`` writes the rest.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "candles.sqlite"

BASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("exchange", "TEXT NOT NULL"), ("symbol", "TEXT NOT NULL"), ("timeframe", "TEXT NOT NULL"),
    ("start", "TEXT NOT NULL"), ("end", "TEXT NOT NULL"),
    ("open", "REAL"), ("high", "REAL"), ("low", "REAL"), ("close", "REAL"),
    ("volume", "REAL"), ("buy_volume", "REAL"), ("sell_volume", "REAL"),
    ("trades", "INTEGER"), ("vwap", "REAL"), ("gap", "INTEGER"),
)
_BASE_NAMES = tuple(name for name, _ in BASE_COLUMNS)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _quote(name: str) -> str:
    return f'"{name}"'


class LocalStore:
    """``Persister`` writing closed candles to ``<directory>/candles.sqlite``."""

    def __init__(self, directory: Path | str, *, flush_interval_s: float = 1.0,
                 batch_rows: int = 1000) -> None:
        self.path = Path(directory) / FILE_NAME
        self.flush_interval_s = flush_interval_s
        self.batch_rows = batch_rows
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-store")
        self._db: sqlite3.Connection | None = None
        self._columns: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._closed = False
        self._failed = False
        log.info("persist: closed candles go to the local store %s", self.path)

    # ---- event loop side ------------------------------------------------------------------

    def write(self, candle: dict[str, Any]) -> None:
        if self._closed:
            return
        self._buffer.append(candle)
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())
        if len(self._buffer) >= self.batch_rows and self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.flush_interval_s)
            except TimeoutError:
                pass
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Writes the buffered candles now (in the worker thread)."""
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._write_rows, rows)
        except Exception as exc:  # noqa: BLE001 - a storage error must not stop the processor
            if not self._failed:
                log.error("local store %s: cannot write candles (%s); they are dropped", self.path, exc)
            self._failed = True
        else:
            if self._failed:
                log.info("local store %s: writing again", self.path)
            self._failed = False

    async def aclose(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close_db)
        self._executor.shutdown(wait=True)

    # ---- worker thread --------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            columns = ", ".join(f"{_quote(n)} {t}" for n, t in BASE_COLUMNS)
            db.execute(f"CREATE TABLE IF NOT EXISTS candles ({columns}, "
                       "PRIMARY KEY (exchange, symbol, timeframe, start))")
            db.commit()
            self._columns = {row[1] for row in db.execute("PRAGMA table_info(candles)")}
            self._db = db
        return self._db

    def _close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write_rows(self, candles: list[dict[str, Any]]) -> None:
        db = self._open()
        features: list[str] = []
        for candle in candles:
            for name in candle.get("features") or ():
                if name not in self._columns and name not in features and _IDENTIFIER.match(name) \
                        and name not in _BASE_NAMES:
                    features.append(name)
        for name in features:
            db.execute(f"ALTER TABLE candles ADD COLUMN {_quote(name)} REAL")
            self._columns.add(name)
        feature_names = sorted(self._columns.difference(_BASE_NAMES))
        names = list(_BASE_NAMES) + feature_names
        sql = (f"INSERT OR REPLACE INTO candles ({', '.join(map(_quote, names))}) "
               f"VALUES ({', '.join('?' * len(names))})")
        rows = []
        for c in candles:
            f = c.get("features") or {}
            rows.append((c["exchange"], c["symbol"], c["timeframe"], c["start"], c["end"],
                         c["open"], c["high"], c["low"], c["close"], c["volume"],
                         c["buy_volume"], c["sell_volume"], c["trades"], c["vwap"],
                         1 if c.get("gap") else 0, *(f.get(n) for n in feature_names)))
        with db:
            db.executemany(sql, rows)
        if self.rows_written == 0:
            log.info("local store: first %d closed candles written to %s", len(rows), self.path)
        self.rows_written += len(rows)
