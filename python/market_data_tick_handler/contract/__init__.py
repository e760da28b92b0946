"""The contract shared with the engine, as package data both sides load: the vocabulary
(``vocabulary.json``), the bar spec grammar (``bar_specs.json``) and the limits and policies of
the bridge (``limits.json``); the BigQuery writers' policy (``bigquery_policy.json``)."""

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
    """Sources, data types, stream statuses and feature names (``contract/vocabulary.json``)."""
    return _load("vocabulary.json")


@cache
def bigquery_policy() -> dict[str, Any]:
    """Retries, backoff, settings, credentials path and dead-letter format of both BigQuery
    writers (``contract/bigquery_policy.json``)."""
    return _load("bigquery_policy.json")


@cache
def bar_specs() -> dict[str, Any]:
    """The bar spec grammar, its examples and the default timeframes (``contract/bar_specs.json``)."""
    return _load("bar_specs.json")


@cache
def limits() -> dict[str, Any]:
    """Frame cap, plausibility bounds, log files and rotation, rate definition (``contract/limits.json``)."""
    return _load("limits.json")
