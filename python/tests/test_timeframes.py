import json
import re
from pathlib import Path

import pytest

from market_data_tick_handler import timeframes
from market_data_tick_handler.timeframes import base_length, bucket_start, iso_utc, parse_bar_spec, parse_timeframes

S = 1_000_000


GRAMMAR = json.loads((Path(timeframes.__file__).parent / "contract" / "bar_specs.json").read_text())


@pytest.mark.parametrize("label,expected", sorted(GRAMMAR["examples"]["valid"].items()))
def test_every_valid_example_of_the_shared_grammar(label, expected):
    # core/test/timeframes.test.ts checks the same examples: the two parsers cannot drift apart
    spec = parse_bar_spec(label)
    assert spec.kind == expected["kind"]
    if spec.kind == "time":
        assert (spec.length_us, spec.origin_us) == (expected["seconds"] * S, expected["origin_seconds"] * S)
    else:
        assert spec.size == expected["size"]


@pytest.mark.parametrize("label", GRAMMAR["examples"]["invalid"])
def test_every_invalid_example_is_rejected_with_the_accepted_forms(label):
    with pytest.raises(ValueError, match=re.escape(GRAMMAR["accepted_forms"])):
        parse_bar_spec(label)


def test_weeks_start_on_monday_utc_and_days_at_midnight():
    week, day = parse_bar_spec("1w"), parse_bar_spec("1d")
    thursday = 1_723_161_300 * S  # 2024-08-08T23:55:00Z, a Thursday
    assert iso_utc(bucket_start(thursday, week.length_us, week.origin_us)) == "2024-08-05T00:00:00.000Z"
    assert iso_utc(bucket_start(thursday, day.length_us, day.origin_us)) == "2024-08-08T00:00:00.000Z"


def test_parse_list_sorts_and_rejects_duplicates():
    assert [label for label, _ in parse_timeframes(["5m", "15s", "1m"])] == ["15s", "1m", "5m"]
    with pytest.raises(ValueError, match="duplicate"):
        parse_timeframes(["1m", "60s"])
    with pytest.raises(ValueError, match="no timeframes"):
        parse_timeframes([])


def test_base_length_is_the_gcd():
    assert base_length([15_000_000, 60_000_000, 300_000_000]) == 15_000_000
    assert base_length([60_000_000, 90_000_000]) == 30_000_000


def test_buckets_are_epoch_aligned_and_half_open():
    t0 = 1_723_161_300_000_000
    assert bucket_start(t0, 60_000_000) == t0
    assert bucket_start(t0 + 59_999_999, 60_000_000) == t0
    assert bucket_start(t0 + 60_000_000, 60_000_000) == t0 + 60_000_000


def test_iso_utc_has_milliseconds_and_z():
    assert iso_utc(1_723_161_300_000_000) == "2024-08-08T23:55:00.000Z"
    assert iso_utc(1_723_161_300_123_999) == "2024-08-08T23:55:00.123Z"
