"""Closed candles from Redis (the capped streams ``tickbridge:{exchange}:{symbol}:{timeframe}``
that every processor started with ``--redisUrl`` appends to), as the same typed table as the
local store: several engines on several machines publishing into one Redis are read together.

Redis entries carry no source and no run (``source`` and ``run_id`` are null), so a source or
run filter cannot be applied and is refused; only closed candles are kept, one per (exchange,
symbol, timeframe, start) (the last one appended). The streams are capped (``MAXLEN``), so
Redis holds the recent candles; the local store or BigQuery keep the rest.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
import pyarrow as pa
import redis

from ..symbol_key import normalize_symbol
from .candles import KEY_COLUMNS, CandleQuery, to_table

PREFIX = "tickbridge"
_SCALARS = [name for name, _ in KEY_COLUMNS]


class RedisFilterError(ValueError):
    """A filter Redis entries cannot answer (source, run)."""


def read_redis_table(url: str, query: CandleQuery) -> pa.Table:
    if query.source or query.run:
        raise RedisFilterError("candles in Redis carry no source or run: filter by --exchange, "
                               "--symbol, --timeframes, --from and --to, or read the local store")
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
    decoder = msgspec.json.Decoder()
    symbols = {normalize_symbol(s) for s in query.symbol}
    latest: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    try:
        for raw in client.scan_iter(match=f"{PREFIX}:*", count=1000, _type="STREAM"):
            key = raw.decode()
            parts = key.split(":")
            if len(parts) != 4:
                continue
            _, exchange, symbol, timeframe = parts
            if (query.exchange and exchange.lower() not in query.exchange) \
                    or (symbols and normalize_symbol(symbol) not in symbols) \
                    or (query.timeframe and timeframe not in query.timeframe):
                continue
            # a client without decode_responses: ids, field names and values are bytes
            entries = cast("list[tuple[bytes, dict[bytes, bytes]]]", client.xrange(key))
            for _entry_id, fields in entries:
                data = fields.get(b"candle")
                event = decoder.decode(data) if data else None
                if not isinstance(event, dict) or event.get("type") != "candle" or not event.get("closed"):
                    continue
                if (query.start and event["start"] < query.start) or (query.end and event["start"] >= query.end):
                    continue
                latest[(exchange, symbol, timeframe, event["start"])] = event
    finally:
        client.close()
    events = sorted(latest.values(), key=lambda e: (e["start"], e["exchange"], e["symbol"], e["timeframe"]))
    features = sorted({name for e in events for name in (e.get("features") or {})})
    rows = []
    for event in events:
        values = {**event, "source": None, "run_id": None, "partial": event.get("partial", False)}
        found = event.get("features") or {}
        rows.append(tuple(values.get(name) for name in _SCALARS) + tuple(found.get(f) for f in features))
    return to_table(rows, features)
