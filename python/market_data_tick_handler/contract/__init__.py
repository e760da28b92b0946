"""The contract shared with the engine, as package data both sides load (vocabulary.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def vocabulary() -> dict[str, Any]:
    """Data types, stream statuses and feature names (``contract/vocabulary.json``)."""
    data: dict[str, Any] = json.loads(files(__name__).joinpath("vocabulary.json").read_text(encoding="utf-8"))
    return data
