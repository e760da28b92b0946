"""The candles dead-letter file: one line per row BigQuery did not take, in the declared
format (``dead_letter`` of contract/bigquery_policy.json) that ``tickbridge bq-replay`` reads."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("market_data_tick_handler.persist.bigquery")

Row = tuple[str, dict[str, Any]]
"""``(insertId, row)``."""


def dead_letter_line(dataset: str, table: str, insert_id: str, row: dict[str, Any], error: str,
                     failed_at: datetime) -> str:
    """One line of the file (without its newline)."""
    stamp = failed_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"dataset": dataset, "table": table, "insertId": insert_id, "row": row,
                       "error": error, "failedAt": stamp}, separators=(",", ":"), ensure_ascii=False)


class DeadLetterFile:
    """Appends rows (from any thread) and counts them; warns once per 100 appends."""

    def __init__(self, path: Path, dataset: str, table: str) -> None:
        self.path = path
        self.dataset = dataset
        self.table = table
        self.rows = 0
        self._lock = threading.Lock()
        self._appends = 0

    def append(self, rows: Sequence[Row], error: str) -> None:
        if not rows:
            return
        now = datetime.now(UTC)
        text = "".join(dead_letter_line(self.dataset, self.table, rid, row, error, now) + "\n" for rid, row in rows)
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(text)
                self.rows += len(rows)
                warn = self._appends % 100 == 0
                self._appends += 1
        except OSError as exc:
            log.error("BigQuery: %d candles lost: cannot write %s: %s", len(rows), self.path, exc)
            return
        if warn:
            log.warning("BigQuery: %d candles written to %s (%s); resend with `tickbridge bq-replay %s`",
                        len(rows), self.path, error, self.path)
