"""Typed reading of the local candle store: the one owner of the typing rules.

``read_table`` runs one filtered query and returns a ``pyarrow.Table`` whose columns are typed
the same way everywhere (``read_candles``, ``tickbridge export`` to CSV / Parquet / NDJSON):
``start`` and ``end`` are UTC timestamps (ms), ``gap`` and ``partial`` booleans, ``trades`` an
integer, every other number and each feature (one column per feature) a float. Demo candles
are left out unless ``include_demo`` is set or ``source`` names ``demo``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from ..symbol_key import normalize_symbol

FILE_NAME = "candles.sqlite"

# (column, arrow type) in the order a table comes back; features follow as float64.
KEY_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("exchange", pa.string()), ("symbol", pa.string()), ("timeframe", pa.string()),
    ("source", pa.string()), ("run_id", pa.string()),
    ("start", pa.timestamp("ms", tz="UTC")), ("end", pa.timestamp("ms", tz="UTC")),
    ("open", pa.float64()), ("high", pa.float64()), ("low", pa.float64()), ("close", pa.float64()),
    ("volume", pa.float64()), ("buy_volume", pa.float64()), ("sell_volume", pa.float64()),
    ("trades", pa.int64()), ("vwap", pa.float64()), ("gap", pa.bool_()), ("partial", pa.bool_()),
)
_KEY_NAMES = tuple(name for name, _ in KEY_COLUMNS)
# Stores written before schema v2 lack these columns: read them as the v1 migration would.
_V1_DEFAULTS = {"source": "'unknown'", "run_id": "'v1'", "partial": "0"}


class StoreNotFound(FileNotFoundError):
    """There is no candle store where one was expected."""


def _many(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in (part.strip() for part in value.split(",")) if v)
    return tuple(value)



def iso_utc(value: str | datetime | Any) -> str:
    """The store's text form of an instant (``2026-11-29T17:15:00.000Z``); naive means UTC.

    Accepts ISO-8601 text (``2026-11-29``, ``2026-11-29T17:15``, ``...Z``, ``...+01:00``),
    ``datetime`` and anything with ``to_pydatetime`` (pandas ``Timestamp``)."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise ValueError(f"not an ISO-8601 time: {text!r} (e.g. 2026-11-29T17:15:00Z)") from None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a time, got {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def store_path(store: str | os.PathLike[str] | None = None) -> Path:
    """The store file: ``store`` is the file or its folder; by default ``$TICKBRIDGE_STORE_DIR``
    or ``./data``, as the processor writes it."""
    path = Path(store if store is not None else os.environ.get("TICKBRIDGE_STORE_DIR") or "data")
    if path.is_dir() or path.suffix != ".sqlite":
        path = path / FILE_NAME
    return path


@dataclass(frozen=True)
class CandleQuery:
    """Which candles to read. Every filter is optional; several values mean any of them."""

    exchange: tuple[str, ...] = ()
    symbol: tuple[str, ...] = ()
    timeframe: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    run: tuple[str, ...] = ()
    start: str | None = None  # bars starting at or after this instant
    end: str | None = None  # bars starting before this instant
    include_demo: bool = False

    @classmethod
    def of(cls, *, exchange: str | Iterable[str] | None = None, symbol: str | Iterable[str] | None = None,
           timeframe: str | Iterable[str] | None = None, source: str | Iterable[str] | None = None,
           run: str | Iterable[str] | None = None, start: Any = None, end: Any = None,
           include_demo: bool = False) -> CandleQuery:
        return cls(exchange=tuple(e.lower() for e in _many(exchange)), symbol=_many(symbol),
                   timeframe=_many(timeframe), source=tuple(s.lower() for s in _many(source)),
                   run=_many(run), start=None if start is None else iso_utc(start),
                   end=None if end is None else iso_utc(end), include_demo=include_demo)

    def where(self, columns: set[str]) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []

        def any_of(sql: str, values: Iterable[Any]) -> None:
            values = list(values)
            if values:
                clauses.append(f"{sql} IN ({', '.join('?' * len(values))})")
                params.extend(values)

        source = "source" if "source" in columns else _V1_DEFAULTS["source"]
        any_of("lower(exchange)", self.exchange)
        any_of("lower(replace(replace(replace(symbol, '-', ''), '_', ''), '/', ''))",
               (normalize_symbol(s) for s in self.symbol))
        any_of("timeframe", self.timeframe)
        any_of(source, self.source)
        any_of("run_id" if "run_id" in columns else _V1_DEFAULTS["run_id"], self.run)
        if not self.include_demo and "demo" not in self.source:
            clauses.append(f"{source} <> 'demo'")
        if self.start is not None:
            clauses.append("start >= ?")
            params.append(self.start)
        if self.end is not None:
            clauses.append("start < ?")
            params.append(self.end)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreNotFound(f"no candle store at {path}: run a stream first (it writes <storeDir>/"
                            f"{FILE_NAME}), or pass the store folder")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def read_table(store: str | os.PathLike[str] | None = None, query: CandleQuery | None = None) -> pa.Table:
    """The candles matching ``query`` as a typed ``pyarrow.Table``, in time order."""
    query = query or CandleQuery()
    path = store_path(store)
    db = _connect(path)
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(candles)")]
        if not columns:
            raise StoreNotFound(f"{path} has no candles table: is it a Tickbridge candle store?")
        present = set(columns)
        features = [c for c in columns if c not in _KEY_NAMES]
        select = [f'"{n}"' if n in present else f'{_V1_DEFAULTS[n]} AS "{n}"' for n in _KEY_NAMES]
        select += [f'"{n}"' for n in features]
        where, params = query.where(present)
        sql = (f"SELECT {', '.join(select)} FROM candles{where} "
               "ORDER BY start, exchange, symbol, timeframe, run_id")
        rows = db.execute(sql, params).fetchall()
    finally:
        db.close()
    return to_table(rows, features)


def _timestamps(texts: list[str | None]) -> pa.Array[Any]:
    """ISO-8601 UTC text (ms) to timestamp[ms, UTC] (an unparsable value fails loudly)."""
    return pa.array(texts, type=pa.string()).cast(pa.timestamp("ms", tz="UTC"))


def to_table(rows: list[tuple[Any, ...]], features: list[str]) -> pa.Table:
    """Store rows (key columns then features, as selected by ``read_table``) to a typed table."""
    by_column = list(zip(*rows, strict=True)) if rows else [()] * (len(KEY_COLUMNS) + len(features))
    arrays: list[pa.Array[Any]] = []
    names: list[str] = []
    # the key columns lead; the features follow them (read below)
    for (name, kind), values in zip(KEY_COLUMNS, by_column, strict=False):
        if pa.types.is_timestamp(kind):
            arrays.append(_timestamps(list(values)))
        elif pa.types.is_boolean(kind):
            arrays.append(pa.array([None if v is None else bool(v) for v in values], type=kind))
        else:
            arrays.append(pa.array(list(values), type=kind))
        names.append(name)
    for name, values in zip(features, by_column[len(KEY_COLUMNS):], strict=True):
        arrays.append(pa.array(list(values), type=pa.float64()))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def read_candles(store: str | os.PathLike[str] | None = None, *,
                 exchange: str | Iterable[str] | None = None,
                 symbol: str | Iterable[str] | None = None,
                 timeframe: str | Iterable[str] | None = None,
                 start: Any = None, end: Any = None,
                 source: str | Iterable[str] | None = None,
                 run: str | Iterable[str] | None = None,
                 include_demo: bool = False,
                 engine: Literal["pandas", "polars", "arrow"] = "pandas",
                 redis_url: str | None = None) -> Any:
    """Closed candles from the local store as a DataFrame (pandas; ``engine="polars"`` or
    ``"arrow"`` for those), typed: ``start``/``end`` UTC timestamps, ``gap``/``partial``
    booleans, ``trades`` integers, one float column per feature; in time order.

    ``store``: the store folder or file (default ``$TICKBRIDGE_STORE_DIR`` or ``./data``).
    Filters (each optional, a value or a list): ``exchange`` (venue), ``symbol`` (``BTC-USDT``
    and ``BTCUSDT`` alike), ``timeframe`` (bar spec: ``1m``, ``500t``), ``start``/``end`` (bars
    starting in ``[start, end)``; ISO text, ``datetime`` or ``Timestamp``, naive means UTC),
    ``source`` (``live``, ``replay``, ``file``, ``csv``, ``demo``), ``run`` (run ids). Demo
    candles are left out unless ``include_demo=True`` or ``source`` names ``demo``.
    ``redis_url``: read the recent closed candles every processor published into that Redis
    instead (all engines together; no source or run there, see ``redis_candles.py``).
    """
    query = CandleQuery.of(exchange=exchange, symbol=symbol, timeframe=timeframe, start=start,
                           end=end, source=source, run=run, include_demo=include_demo)
    if redis_url is not None:
        from .redis_candles import read_redis_table

        table = read_redis_table(redis_url, query)
    else:
        table = read_table(store, query)
    if engine == "arrow":
        return table
    if engine == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if engine == "pandas":
        return table.to_pandas()
    raise ValueError(f"engine must be 'pandas', 'polars' or 'arrow', not {engine!r}")
