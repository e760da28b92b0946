"""Warm start: the stored closed candles of a stream, as the candle events a live stream yields.

``stored_events`` reads the last ``depth`` (counted back from the newest stored bar of each
symbol and timeframe) of one venue and its symbols from the local store and returns them as candle event dicts
(``events.md``), marked ``history``, in the order they closed (by end, shorter timeframes
first), one per (timeframe, start): when several runs hold the same bar, the newest run's.
Demo candles only when ``source`` names ``demo``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from .candles import KEY_COLUMNS, CandleQuery, StoreNotFound, iso_utc, read_table

_DURATION = re.compile(r"([1-9][0-9]*)([smhd])")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_KEY_NAMES = {name for name, _ in KEY_COLUMNS}
_NOT_IN_EVENTS = {"source", "run_id"}


def parse_depth(depth: str | timedelta) -> timedelta:
    """``90m``, ``2h``, ``1d`` (or a ``timedelta``) to a ``timedelta``."""
    if isinstance(depth, timedelta):
        return depth
    match = _DURATION.fullmatch(depth.strip()) if isinstance(depth, str) else None
    if match is None:
        raise ValueError(f"invalid warm-up depth {depth!r}: expected <N>s, <N>m, <N>h or <N>d (e.g. 2h)")
    return timedelta(**{_UNIT[match.group(2)]: int(match.group(1))})


def stored_events(store: str | os.PathLike[str] | None, *, exchange: str, symbol: str | Iterable[str],
                  timeframes: Iterable[str] = (), depth: str | timedelta = "2h",
                  source: str | Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Closed candles of the last ``depth`` per timeframe, oldest first; [] without a store."""
    span = parse_depth(depth)
    try:
        table = read_table(store, CandleQuery.of(exchange=exchange, symbol=symbol,
                                                 timeframe=list(timeframes) or None, source=source))
    except StoreNotFound:
        return []
    rows = table.to_pylist()
    newest: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row["symbol"], row["timeframe"])
        if row["end"] > newest.get(key, row["end"] - span):
            newest[key] = row["end"]
    chosen: dict[tuple[str, str, Any], dict[str, Any]] = {}
    for row in rows:  # in start order, then run id: a later run of the same bar replaces it
        if row["end"] > newest[(row["symbol"], row["timeframe"])] - span:
            chosen[(row["symbol"], row["timeframe"], row["start"])] = row
    ordered = sorted(chosen.values(), key=lambda r: (r["end"], r["end"] - r["start"]))
    return [_event(row) for row in ordered]


def _event(row: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "candle", "closed": True, "final": False, "history": True}
    features: dict[str, Any] = {}
    for name, value in row.items():
        if name in _NOT_IN_EVENTS:
            continue
        if name in ("start", "end"):
            event[name] = iso_utc(value)
        elif name in _KEY_NAMES:
            event[name] = value
        else:
            features[name] = value
    event["features"] = features
    return event


def main(argv: list[str]) -> int:
    """``python -m tickbridge warm``: the stored events as NDJSON on stdout (the engine's warm start)."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(prog="tickbridge warm", description=main.__doc__)
    parser.add_argument("--storeDir", dest="store", default=None)
    parser.add_argument("--exchange", required=True)
    parser.add_argument("--symbol", required=True, help="symbol(s), comma-separated")
    parser.add_argument("--timeframes", default="")
    parser.add_argument("--source", default=None, help="source kind (live, replay, file, csv, demo)")
    parser.add_argument("--depth", default="2h")
    args = parser.parse_args(argv)
    try:
        events = stored_events(args.store, exchange=args.exchange, symbol=args.symbol,
                               timeframes=[t for t in args.timeframes.split(",") if t],
                               depth=args.depth, source=args.source)
    except ValueError as exc:
        parser.error(str(exc))
    out = sys.stdout
    for event in events:
        out.write(json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n")
    out.flush()
    return 0
