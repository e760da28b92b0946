"""BigQuery persistence of closed candles (docs/persistence.md), one module per job:

- ``policy``: the declared policy (contract/bigquery_policy.json, loaded by the engine too);
- ``settings``: the environment variables; ``credentials``: which credentials, the client;
- ``schema``: the ``candles`` table and its rows; ``dead_letter``: the dead-letter file;
- ``sender``: retries (google-api-core) and uncertain rows; ``persister``: batching and shutdown.
"""

from .credentials import make_client
from .persister import BigQueryPersister
from .schema import TABLE, candle_row, candle_schema, ensure_tables
from .settings import DEAD_LETTER_NAME, DEFAULT_DATASET, BigQueryConfigError, BigQuerySettings, settings_from_env

__all__ = [
    "DEAD_LETTER_NAME",
    "DEFAULT_DATASET",
    "TABLE",
    "BigQueryConfigError",
    "BigQueryPersister",
    "BigQuerySettings",
    "candle_row",
    "candle_schema",
    "ensure_tables",
    "make_client",
    "settings_from_env",
]
