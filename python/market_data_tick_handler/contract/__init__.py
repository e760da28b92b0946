"""The contract shared with the engine, as package data both sides load (vocabulary.json,
bigquery_policy.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(__name__).joinpath(name).read_text(encoding="utf-8"))
    return data


@cache
def vocabulary() -> dict[str, Any]:
    """Data types, stream statuses and feature names (``contract/vocabulary.json``)."""
    return _load("vocabulary.json")


@cache
def bigquery_policy() -> dict[str, Any]:
    """Retries, backoff, settings, credentials path and dead-letter format of both BigQuery
    writers (``contract/bigquery_policy.json``)."""
    return _load("bigquery_policy.json")
