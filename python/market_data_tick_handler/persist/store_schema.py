"""The local store's schema, version 2 (docs/persistence.md), and the migration from v1.

Runs: one row per engine run. Candles: closed candles keyed by
``(run_id, exchange, symbol, timeframe, start)``, so runs never overwrite each other.
"""

from __future__ import annotations

import json
import re
import sqlite3

SCHEMA_VERSION = 2

RUN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "TEXT PRIMARY KEY"), ("source", "TEXT NOT NULL"), ("exchange", "TEXT NOT NULL"),
    ("symbols", "TEXT NOT NULL"), ("dataset", "TEXT"), ("started_at", "TEXT NOT NULL"),
)
CANDLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("exchange", "TEXT NOT NULL"), ("symbol", "TEXT NOT NULL"), ("timeframe", "TEXT NOT NULL"),
    ("source", "TEXT NOT NULL"), ("run_id", "TEXT NOT NULL"),
    ("start", "TEXT NOT NULL"), ("end", "TEXT NOT NULL"),
    ("open", "REAL"), ("high", "REAL"), ("low", "REAL"), ("close", "REAL"),
    ("volume", "REAL"), ("buy_volume", "REAL"), ("sell_volume", "REAL"),
    ("trades", "INTEGER"), ("vwap", "REAL"), ("gap", "INTEGER"), ("partial", "INTEGER"),
)
CANDLE_BASE_NAMES = tuple(name for name, _ in CANDLE_COLUMNS)
CANDLE_KEY = "run_id, exchange, symbol, timeframe, start"
V1_RUN_ID = "v1"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def quote(name: str) -> str:
    return f'"{name}"'


def is_feature_column(name: str) -> bool:
    return bool(_IDENTIFIER.match(name)) and name not in CANDLE_BASE_NAMES


def _columns_sql(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{quote(n)} {t}" for n, t in columns)


def ensure_schema(db: sqlite3.Connection) -> None:
    """Creates the v2 tables, or migrates a v1 store in place (one transaction)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(f"the store has schema version {version}; this processor knows "
                                    f"up to {SCHEMA_VERSION} (update Tickbridge)")
    if version == SCHEMA_VERSION:
        return
    has_v1 = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='candles'").fetchone()
    with db:
        db.execute(f"CREATE TABLE IF NOT EXISTS runs ({_columns_sql(RUN_COLUMNS)})")
        if has_v1:
            _migrate_v1(db)
        else:
            db.execute(f"CREATE TABLE candles ({_columns_sql(CANDLE_COLUMNS)}, PRIMARY KEY ({CANDLE_KEY}))")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _migrate_v1(db: sqlite3.Connection) -> None:
    """v1 (key exchange, symbol, timeframe, start; no source or run): rows are kept with source
    ``unknown``, run ``v1``, partial 0, and one ``runs`` row for ``v1``."""
    old = [row[1] for row in db.execute("PRAGMA table_info(candles)")]
    features = [name for name in old if is_feature_column(name)]
    db.execute("ALTER TABLE candles RENAME TO candles_v1")
    feature_columns = "".join(f", {quote(n)} REAL" for n in features)
    db.execute(f"CREATE TABLE candles ({_columns_sql(CANDLE_COLUMNS)}{feature_columns}, PRIMARY KEY ({CANDLE_KEY}))")
    kept = [n for n in CANDLE_BASE_NAMES if n in old] + features
    names = ", ".join(map(quote, kept))
    db.execute(f"INSERT INTO candles ({names}, source, run_id, partial) "
               f"SELECT {names}, 'unknown', '{V1_RUN_ID}', 0 FROM candles_v1")
    first = db.execute("SELECT exchange, MIN(start) FROM candles_v1").fetchone()
    symbols = [row[0] for row in db.execute("SELECT DISTINCT symbol FROM candles_v1 ORDER BY symbol")]
    db.execute("INSERT OR IGNORE INTO runs VALUES (?, 'unknown', ?, ?, NULL, ?)",
               (V1_RUN_ID, first[0] or "unknown", json.dumps(symbols),
                first[1] or "1970-01-01T00:00:00.000Z"))
    db.execute("DROP TABLE candles_v1")

