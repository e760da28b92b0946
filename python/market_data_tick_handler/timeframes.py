"""Bar specs: time bars (``15s``, ``1m``, ``1d``, ``1w``: aligned buckets) and activity bars
(``500t``, ``10v``, ``1e6n``: every N trades, V base units, Q of notional).

The grammar is ``contract/bar_specs.json``, shared with core/src/engine/timeframes.ts.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from functools import reduce

from .contract import bar_specs

GRAMMAR = bar_specs()
_TIME = re.compile(GRAMMAR["time"]["pattern"])
_ACTIVITY = re.compile(GRAMMAR["activity"]["pattern"])
_WHOLE = re.compile(r"[1-9][0-9]*")
ACCEPTED_FORMS: str = GRAMMAR["accepted_forms"]
DEFAULT_TIMEFRAMES: tuple[str, ...] = tuple(GRAMMAR["default"])
"""The timeframes of a stream that names none."""


@dataclass(frozen=True)
class BarSpec:
    """``kind`` is ``time`` (``length_us``, ``origin_us``: buckets start at origin + k·length)
    or ``tick`` / ``volume`` / ``notional`` (``size``: trades, base units, quote units)."""

    label: str
    kind: str
    length_us: int = 0
    origin_us: int = 0
    size: float = 0.0


def parse_bar_spec(label: str) -> BarSpec:
    """Raises ``ValueError`` naming the accepted forms."""
    if isinstance(label, str):
        match = _TIME.fullmatch(label)
        if match is not None:
            unit = match.group(2)
            return BarSpec(label, "time",
                           length_us=int(match.group(1)) * GRAMMAR["time"]["unit_seconds"][unit] * 1_000_000,
                           origin_us=GRAMMAR["time"]["origin_seconds"].get(unit, 0) * 1_000_000)
        match = _ACTIVITY.fullmatch(label)
        if match is not None:
            number, unit = match.groups()
            size = float(number)
            whole = unit in GRAMMAR["activity"]["whole_number"]
            if size > 0 and math.isfinite(size) and (not whole or _WHOLE.fullmatch(number)):
                return BarSpec(label, GRAMMAR["activity"]["kinds"][unit], size=size)
    raise ValueError(f"invalid timeframe {label!r}: expected {ACCEPTED_FORMS}")


def is_time_bar(label: str) -> bool:
    """True for a valid time bar spec (``15s``, ``1w``), false for activity bars and invalid labels."""
    try:
        return parse_bar_spec(label).kind == "time"
    except ValueError:
        return False


def parse_timeframe(label: str) -> int:
    """Length of a time bar spec in microseconds."""
    spec = parse_bar_spec(label)
    if spec.kind != "time":
        raise ValueError(f"{label!r} is not a time bar")
    return spec.length_us


def parse_bar_specs(labels: list[str]) -> list[BarSpec]:
    """Time bars sorted by length, then activity bars in the given order; rejects duplicates
    (``1m`` and ``60s``) and empty lists."""
    if not labels:
        raise ValueError(f"no timeframes given: expected {ACCEPTED_FORMS}")
    specs = [parse_bar_spec(label) for label in labels]
    keys = [(s.kind, s.length_us, s.size) for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate timeframes in {labels!r}")
    timed = sorted((s for s in specs if s.kind == "time"), key=lambda s: s.length_us)
    return timed + [s for s in specs if s.kind != "time"]


def parse_timeframes(labels: list[str]) -> list[tuple[str, int]]:
    """``(label, microseconds)`` of the time bars, sorted by length (see ``parse_bar_specs``)."""
    return [(s.label, s.length_us) for s in parse_bar_specs(labels) if s.kind == "time"]


def base_length(lengths: list[int], origins: list[int] | None = None) -> int:
    """The greatest common divisor of the time bar lengths (and origins): every bar is a whole
    number of base buckets, so messages are accumulated once, in the base bucket, then rolled up."""
    return reduce(math.gcd, [*lengths, *(origins or [])])


def bucket_start(ts_us: int, length_us: int, origin_us: int = 0) -> int:
    """Start of the half-open bucket ``[start, start + length)`` holding ``ts_us``, buckets
    starting at ``origin + k·length`` (the epoch, or a Monday for weeks)."""
    return ts_us - (ts_us - origin_us) % length_us


def iso_utc(ts_us: int) -> str:
    """``2024-08-08T23:55:00.000Z``: ISO-8601 UTC with milliseconds."""
    seconds, micros = divmod(ts_us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros // 1000:03d}Z"
