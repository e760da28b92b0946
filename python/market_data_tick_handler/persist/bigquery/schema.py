"""The processor's BigQuery table ``candles``: its schema, a closed candle as a row, and the
creation of the dataset and table (partitioned by day on ``start``, clustered by exchange,
symbol and timeframe; docs/persistence.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ...protocol import FEATURE_NAMES
from .settings import BigQuerySettings

TABLE = "candles"


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
