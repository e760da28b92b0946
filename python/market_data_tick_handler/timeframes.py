"""Timeframe labels (``15s``, ``1m``, ``5m``, ``15m``, ``1h``) and epoch-aligned buckets."""

from __future__ import annotations

import math
import re
import time
from functools import reduce

_PATTERN = re.compile(r"([1-9][0-9]*)([smh])")
_UNIT_US = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000}
ACCEPTED_FORMS = "<N>s, <N>m or <N>h with N a positive integer (e.g. 15s, 1m, 5m, 15m, 1h)"


def parse_timeframe(label: str) -> int:
    """Length of a timeframe in microseconds. Raises ``ValueError`` naming the accepted forms."""
    match = _PATTERN.fullmatch(label) if isinstance(label, str) else None
    if match is None:
        raise ValueError(f"invalid timeframe {label!r}: expected {ACCEPTED_FORMS}")
    return int(match.group(1)) * _UNIT_US[match.group(2)]


def parse_timeframes(labels: list[str]) -> list[tuple[str, int]]:
    """``(label, microseconds)`` pairs sorted by length; rejects duplicates and empty lists."""
    if not labels:
        raise ValueError(f"no timeframes given: expected {ACCEPTED_FORMS}")
    pairs = [(label, parse_timeframe(label)) for label in labels]
    lengths = [us for _, us in pairs]
    if len(set(lengths)) != len(lengths):
        raise ValueError(f"duplicate timeframes in {labels!r}")
    return sorted(pairs, key=lambda pair: pair[1])


def base_length(lengths: list[int]) -> int:
    """The greatest common divisor of the timeframe lengths: every bar is a whole number of
    base buckets, so messages are accumulated once, in the base bucket, then rolled up."""
    return reduce(math.gcd, lengths)


def bucket_start(ts_us: int, length_us: int) -> int:
    """Start of the epoch-aligned half-open bucket ``[start, start + length)`` holding ``ts_us``."""
    return ts_us - ts_us % length_us


def iso_utc(ts_us: int) -> str:
    """``2024-08-08T23:55:00.000Z``: ISO-8601 UTC with milliseconds."""
    seconds, micros = divmod(ts_us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros // 1000:03d}Z"
