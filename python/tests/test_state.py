"""snapshot() / restore(): processing continues exactly as if never interrupted."""

from __future__ import annotations

import msgspec
import pytest
from helpers import T0, random_stream, trade

from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.protocol import End

TIMEFRAMES = ["15s", "1m", "5m"]


def fresh(**kw) -> StreamProcessor:
    return StreamProcessor(exchange="binance", timeframes=TIMEFRAMES, **kw)


def through_json(state: dict) -> dict:
    return msgspec.json.decode(msgspec.json.encode(state))


def candle_events(events):
    return [e for e in events if e["type"] == "candle"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_at_k_then_restore_gives_identical_candles(seed):
    msgs = [*random_stream(1500, seed), End()]
    full = fresh()
    expected = candle_events(full.process_batch(1, msgs))
    assert len([e for e in expected if e["closed"]]) > 50
    for k in (0, 1, 7, 250, 777, 1499, 1500):
        first = fresh()
        events = first.process_batch(1, msgs[:k])
        state = through_json(first.snapshot())
        assert state["next_seq"] == k + 1
        second = fresh()
        second.restore(state)
        events += second.process_batch(k + 1, msgs[k:])
        assert candle_events(events) == expected, f"diverged after a restore at k={k}"
        assert second.snapshot() == full.snapshot()


def test_restore_then_resend_skips_what_the_state_covers():
    msgs = random_stream(400, 9)
    full = fresh()
    expected = candle_events(full.process_batch(1, msgs))
    first = fresh()
    events = first.process_batch(1, msgs[:200])
    second = fresh()
    second.restore(through_json(first.snapshot()))
    events += second.process_batch(150, msgs[149:])  # the engine resends from an older seq
    assert candle_events(events) == expected


def test_restore_rejects_a_state_of_another_set_up():
    state = fresh().snapshot()
    other = StreamProcessor(exchange="binance", timeframes=["1m"])
    with pytest.raises(ValueError, match="timeframes"):
        other.restore(state)
    with pytest.raises(ValueError, match="state version"):
        fresh().restore({"opaque": True, "next_seq": 5})
    broken = dict(state, symbols={"X": {"market": {}}})
    with pytest.raises(ValueError, match="unusable state"):
        fresh().restore(broken)


def test_snapshot_is_json_and_has_next_seq():
    p = fresh()
    p.process_batch(1, [trade(T0, 1.0), trade(T0 + 1, 2.0)])
    state = p.snapshot()
    assert through_json(state) == state
    assert state["next_seq"] == 3


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), split=st.floats(0, 1))
def test_restore_equivalence_property(seed, split):
    msgs = random_stream(300, seed)
    full = fresh()
    expected = candle_events(full.process_batch(1, msgs) + full.finish())
    k = int(split * len(msgs))
    first = fresh()
    events = first.process_batch(1, msgs[:k])
    second = fresh()
    second.restore(through_json(first.snapshot()))
    events += second.process_batch(k + 1, msgs[k:]) + second.finish()
    assert candle_events(events) == expected
