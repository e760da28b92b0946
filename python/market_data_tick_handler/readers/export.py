"""``tickbridge export``: candles from the local store to CSV, Parquet or NDJSON.

Run as ``python -m tickbridge export [flags]`` (the TypeScript CLI's ``tickbridge export``
runs exactly that). Columns are typed by ``read_table`` (docs/data.md): Parquet keeps the
types (timestamp[ms, UTC], bool, int64, float64); CSV and NDJSON write times as ISO-8601 UTC
text with milliseconds, booleans as ``true``/``false``, missing values as empty / ``null``.

Exit codes: 0 written; 1 nothing to export (no store, or no candle matches: the message
lists what the store holds) or the output cannot be written; 2 wrong flags.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
from redis.exceptions import RedisError

from ..cli_args import checked
from .candles import CandleQuery, StoreNotFound, iso_utc, read_table, store_path

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".ndjson": "ndjson",
           ".jsonl": "ndjson", ".json": "ndjson"}


def _time_columns_as_text(table: pa.Table) -> pa.Table:
    """Timestamps as ISO-8601 UTC text with milliseconds (``%S`` of a ms timestamp has them)."""
    for index, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type):
            text = pc.strftime(table.column(index), format="%Y-%m-%dT%H:%M:%SZ")
            table = table.set_column(index, column.name, text)
    return table


def write_csv(table: pa.Table, out: IO[bytes]) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(_time_columns_as_text(table), out,
                    write_options=pacsv.WriteOptions(quoting_style="needed"))


def write_ndjson(table: pa.Table, out: IO[bytes]) -> None:
    for row in table.to_pylist():
        for key, value in row.items():
            if hasattr(value, "tzinfo"):
                row[key] = iso_utc(value)
        out.write(json.dumps(row, separators=(",", ":"), allow_nan=False).encode() + b"\n")


def write_parquet(table: pa.Table, out: IO[bytes]) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, out)


WRITERS = {"csv": write_csv, "ndjson": write_ndjson, "parquet": write_parquet}


def store_contents(store: Path) -> list[tuple[str, str, str, str, int]]:
    """(exchange, symbol, timeframe, source, candles) held by the store, demo included."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(candles)")}
        source = "source" if "source" in columns else "'unknown'"
        return db.execute(f"SELECT exchange, symbol, timeframe, {source}, count(*) FROM candles "
                          f"GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        db.close()


def describe_contents(store: Path) -> str:
    rows = store_contents(store)
    if not rows:
        return f"the store {store} holds no candles yet"
    listed = "; ".join(f"{e} {s} {tf} {src} ({n})" for e, s, tf, src, n in rows[:20])
    more = f"; and {len(rows) - 20} more" if len(rows) > 20 else ""
    return f"the store {store} holds: {listed}{more} (demo is left out unless --source demo or --include-demo)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tickbridge export",
        description="Export closed candles from the local store to CSV, Parquet or NDJSON "
                    "(typed columns; docs/data.md). Demo candles only with --source demo or --include-demo.")
    parser.add_argument("--out", "-o", default="-",
                        help="output file; its extension (.csv, .parquet, .ndjson) picks the format "
                             "(default: - for stdout, CSV or NDJSON)")
    parser.add_argument("--format", choices=sorted(set(FORMATS.values())),
                        help="csv, parquet or ndjson (default: from --out, else csv)")
    parser.add_argument("--storeDir", "--store-dir", "--store", dest="store",
                        default=os.environ.get("TICKBRIDGE_STORE_DIR") or "data",
                        help="the store folder or its candles.sqlite (default: $TICKBRIDGE_STORE_DIR or ./data)")
    parser.add_argument("--exchange", help="venue(s), comma-separated (e.g. binance,deribit)")
    parser.add_argument("--symbol", help="symbol(s), comma-separated; BTC-USDT and BTCUSDT alike")
    parser.add_argument("--timeframes", "--timeframe", dest="timeframe",
                        help="bar spec(s), comma-separated (15s,1m)")
    parser.add_argument("--from", dest="start", type=checked(iso_utc),
                        help="bars starting at or after this ISO-8601 time (UTC if no offset)")
    parser.add_argument("--to", dest="end", type=checked(iso_utc), help="bars starting before this ISO-8601 time")
    parser.add_argument("--source", help="live, replay, file, csv or demo (comma-separated)")
    parser.add_argument("--run", help="run id(s), comma-separated")
    parser.add_argument("--include-demo", "--includeDemo", dest="include_demo", action="store_true",
                        help="also export demo candles")
    parser.add_argument("--redisUrl", "--redis-url", dest="redis_url",
                        help="read the recent closed candles of every processor publishing into this "
                             "Redis instead of the local store (no source or run there)")
    return parser


def _format(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    suffix = Path(args.out).suffix.lower() if args.out != "-" else ""
    fmt = args.format or FORMATS.get(suffix) or ("csv" if args.out == "-" else None)
    if fmt is None:
        parser.error(f"cannot tell the format of {args.out}: use a .csv, .parquet or .ndjson name, or --format")
    if fmt == "parquet" and args.out == "-":
        parser.error("parquet needs a file: --out candles.parquet")
    return fmt


def export(args: argparse.Namespace, fmt: str, stdout: IO[bytes]) -> tuple[int, str]:
    """Writes the export; returns (candles written, where)."""
    query = CandleQuery.of(
        exchange=args.exchange, symbol=args.symbol, timeframe=args.timeframe, start=args.start,
        end=args.end, source=args.source, run=args.run, include_demo=args.include_demo)
    if args.redis_url:
        from .redis_candles import read_redis_table

        table = read_redis_table(args.redis_url, query)
    else:
        table = read_table(args.store, query)
    if table.num_rows == 0:
        return 0, ""
    if args.out == "-":
        WRITERS[fmt](table, stdout)
        stdout.flush()
        return table.num_rows, "stdout"
    target = Path(args.out).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            WRITERS[fmt](table, out)
        os.replace(temp, target)  # a failed export never leaves half a file under the name
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return table.num_rows, str(target)


def main(argv: Sequence[str] | None = None, stdout: IO[bytes] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    fmt = _format(parser, args)
    if args.redis_url and (args.source or args.run):
        parser.error("candles in Redis carry no source or run: leave out --source/--run with --redisUrl")
    try:
        count, where = export(args, fmt, stdout or sys.stdout.buffer)
    except StoreNotFound as exc:
        print(f"tickbridge export: {exc}", file=sys.stderr)
        return 1
    except RedisError as exc:
        print(f"tickbridge export: cannot read Redis {args.redis_url}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tickbridge export: cannot write {args.out}: {exc}", file=sys.stderr)
        return 1
    if count == 0:
        where = (f"Redis {args.redis_url} has no closed candle for these filters" if args.redis_url
                 else describe_contents(store_path(args.store)))
        print(f"tickbridge export: no candles match; {where}", file=sys.stderr)
        return 1
    print(f"tickbridge export: {count} candles written to {where} ({fmt})", file=sys.stderr)
    return 0


