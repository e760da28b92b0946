import pytest

from market_data_tick_handler.timeframes import (base_length, bucket_start, iso_utc,
                                                 parse_timeframe, parse_timeframes)


@pytest.mark.parametrize("label,us", [("15s", 15_000_000), ("1m", 60_000_000), ("5m", 300_000_000),
                                      ("15m", 900_000_000), ("1h", 3_600_000_000), ("90s", 90_000_000)])
def test_parse(label, us):
    assert parse_timeframe(label) == us


@pytest.mark.parametrize("label", ["", "0s", "1d", "m", "1.5m", "15 s", "-1m", "1M", "01m"])
def test_rejects_with_accepted_forms(label):
    with pytest.raises(ValueError, match=r"<N>s, <N>m or <N>h"):
        parse_timeframe(label)


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
