"""Candle rules, each pinned on a small hand-computed case."""

from __future__ import annotations

import pytest
from helpers import SYM, T0, S, book, closed, disconnect, end, only, ticker, trade

from market_data_tick_handler.processor import SeqGap, StreamProcessor
from market_data_tick_handler.protocol import InvalidMessage


def proc(timeframes=("15s", "1m"), **kw) -> StreamProcessor:
    return StreamProcessor(exchange="binance", timeframes=list(timeframes), **kw)


def ohlc(c):
    return (c["open"], c["high"], c["low"], c["close"])


def test_ohlcv_vwap_and_sides():
    p = proc(["1m"])
    events = p.process([
        trade(T0 + 1 * S, 100.0, 1.0, "buy"),
        trade(T0 + 2 * S, 103.0, 2.0, "sell"),
        trade(T0 + 3 * S, 99.0, 0.5, "unknown"),
        trade(T0 + 4 * S, 101.0, 0.5, "buy"),
        trade(T0 + 60 * S, 50.0),  # closes the bar
    ])
    [c] = events
    assert (c["start"], c["end"]) == ("2024-08-08T23:55:00.000Z", "2024-08-08T23:56:00.000Z")
    assert ohlc(c) == (100.0, 103.0, 99.0, 101.0)
    assert c["volume"] == 4.0 and c["buy_volume"] == 1.5 and c["sell_volume"] == 2.0
    assert c["trades"] == 4
    assert c["vwap"] == pytest.approx((100 + 206 + 49.5 + 50.5) / 4.0)
    assert c["closed"] is True and c["final"] is False and c["gap"] is False
    assert c["exchange"] == "binance" and c["symbol"] == SYM and c["timeframe"] == "1m"


def test_buckets_are_half_open_and_aligned_to_the_epoch():
    p = proc(["15s"])
    events = p.process([trade(T0 + 7 * S, 1.0), trade(T0 + 15 * S - 1, 2.0), trade(T0 + 15 * S, 3.0)])
    [c] = events
    assert c["start"] == "2024-08-08T23:55:00.000Z" and c["end"] == "2024-08-08T23:55:15.000Z"
    assert c["trades"] == 2 and c["close"] == 2.0


@pytest.mark.parametrize("closer", [
    book(T0 + 60 * S, [(1.0, 1.0)], [(2.0, 1.0)]),
    ticker(T0 + 61 * S, mark=5.0),
])
def test_a_message_of_the_symbol_at_or_after_the_end_closes_the_bar(closer):
    p = proc(["1m"])
    assert p.process([trade(T0 + 10 * S, 1.0)]) == []
    [c] = p.process([closer])
    assert c["symbol"] == SYM and c["start"] == "2024-08-08T23:55:00.000Z" and c["trades"] == 1


@pytest.mark.parametrize("other", [
    disconnect(T0 + 60 * S),
    trade(T0 + 75 * S, 9.0, symbol="ETHUSDT"),  # another symbol of the stream
])
def test_no_other_symbol_and_no_disconnect_moves_a_symbols_clock(other):
    p = proc(["1m"])
    p.process([trade(T0 + 10 * S, 1.0)])
    assert closed(p.process([other])) == []


def test_each_symbol_buckets_on_its_own_exchange_time():
    # ETHUSDT runs ahead; a BTCUSDT trade stamped in its own first minute still counts there
    p = proc(["1m"])
    events = p.process([trade(T0 + 10 * S, 1.0), trade(T0 + 70 * S, 5.0, symbol="ETHUSDT"),
                        trade(T0 + 50 * S, 2.0), trade(T0 + 61 * S, 3.0)])
    [c] = closed(events)
    assert c["symbol"] == SYM and c["trades"] == 2 and c["close"] == 2.0


def test_every_timeframe_closes_at_its_own_end():
    p = proc(["15s", "1m"])
    events = p.process([trade(T0 + 1 * S, 10.0, 1.0), trade(T0 + 16 * S, 12.0, 1.0), trade(T0 + 61 * S, 11.0)])
    assert [c["start"][11:19] for c in only(events, "15s")] == ["23:55:00", "23:55:15", "23:55:30", "23:55:45"]
    [minute] = only(events, "1m")
    assert ohlc(minute) == (10.0, 12.0, 10.0, 12.0) and minute["volume"] == 2.0


def test_empty_bars_are_flat_at_the_previous_close():
    p = proc(["15s"])
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 5 * S, 11.0), trade(T0 + 50 * S, 12.0)])
    assert [c["start"][11:19] for c in events] == ["23:55:00", "23:55:15", "23:55:30"]
    for empty in events[1:]:
        assert ohlc(empty) == (11.0, 11.0, 11.0, 11.0)
        assert empty["trades"] == 0 and empty["volume"] == 0.0 and empty["vwap"] is None
        assert empty["closed"] is True and empty["features"]["trade_intensity"] == 0.0


def test_no_bars_before_the_first_trade_of_a_symbol():
    p = proc(["15s"])
    msgs = [book(T0 + k * 5 * S, [(1.0, 1.0)], [(2.0, 1.0)]) for k in range(8)]  # 0..35 s, no trade
    msgs += [trade(T0 + 40 * S, 5.0), book(T0 + 47 * S, [(1.0, 1.0)], [(2.0, 1.0)])]
    events = p.process(msgs)
    [c] = events
    assert c["start"] == "2024-08-08T23:55:30.000Z" and c["open"] == 5.0


def test_late_messages_within_the_lateness_count_in_their_own_bar():
    p = proc(["1s"], lateness_us=250_000)
    events = p.process([trade(T0 + 900_000, 10.0, 1.0), book(T0 + S + 18_000, [(1.0, 1.0)], [(2.0, 1.0)]),
                        trade(T0 + 971_000, 11.0, 4836.0),  # 47 ms after a newer book update
                        trade(T0 + S + 300_000, 12.0)])      # watermark passes 1 s: the bar closes
    [c] = closed(events)
    assert c["start"] == "2024-08-08T23:55:00.000Z" and c["volume"] == 4837.0 and c["close"] == 11.0


def test_a_message_for_a_closed_bar_is_dropped_and_counted():
    p = proc(["15s"], lateness_us=1 * S)
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 17 * S, 11.0), trade(T0 + 14 * S, 9.0),
                        trade(T0 + 31 * S, 12.0)])
    first, second = closed(events)
    assert first["trades"] == 1 and second["trades"] == 1 and ohlc(second) == (11.0, 11.0, 11.0, 11.0)
    assert p.counters()["late"] == 1
    assert [e["level"] for e in events if e["type"] == "log"] == ["warning"]  # said once


def test_close_is_the_newest_trade_by_exchange_time():
    p = proc(["15s"], lateness_us=1 * S)
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 3 * S, 12.0), trade(T0 + 2 * S, 11.0),
                        trade(T0 + 20 * S, 1.0)])
    [c] = closed(events)
    assert ohlc(c) == (10.0, 12.0, 10.0, 12.0)


def test_trades_far_older_than_the_run_start_are_set_aside():
    p = proc(["1s"])
    old = trade(T0 - 2340 * S, 7.0, symbol="BTTUSDT")  # pushed on subscribe, 39 minutes old
    old.lts = T0
    events = p.process([old, trade(T0 + 1 * S, 1.0, symbol="BTTUSDT"), trade(T0 + 2 * S, 2.0, symbol="BTTUSDT")])
    [c] = closed(events)
    assert c["start"] == "2024-08-08T23:55:01.000Z" and c["open"] == 1.0
    assert p.counters()["old"] == 1


def test_the_first_bar_of_a_symbol_is_partial():
    p = proc(["15s", "1m"])
    events = p.process([trade(T0 + 5 * S, 10.0), trade(T0 + 20 * S, 11.0), trade(T0 + 50 * S, 11.0),
                        trade(T0 + 60 * S, 11.0), trade(T0 + 61 * S, 12.0, symbol="ETHUSDT"),
                        trade(T0 + 75 * S, 12.0, symbol="ETHUSDT")])
    assert [(c["symbol"], c["timeframe"], c["start"][14:19], c["partial"]) for c in closed(events)] == [
        (SYM, "15s", "55:00", True), (SYM, "15s", "55:15", False), (SYM, "15s", "55:30", False),
        (SYM, "15s", "55:45", False), (SYM, "1m", "55:00", True), ("ETHUSDT", "15s", "56:00", True)]


def test_a_bar_starting_with_the_first_message_is_not_partial():
    p = proc(["15s"])
    [c] = closed(p.process([trade(T0, 10.0), trade(T0 + 15 * S, 11.0)]))
    assert c["partial"] is False


def test_partials_are_throttled_and_only_sent_after_a_change():
    p = proc(["15s", "1m"], partial_interval_us=250_000)
    wall = 10**15
    p.process([trade(T0 + 1 * S, 10.0)])
    first = p.partials(wall)
    assert [(c["timeframe"], c["closed"], c["final"], c["close"]) for c in first] == [
        ("15s", False, False, 10.0), ("1m", False, False, 10.0)]
    assert p.partials(wall + 300_000) == []  # nothing changed
    p.process([trade(T0 + 2 * S, 11.0)])
    assert p.partials(wall + 100_000) == []  # changed, but within the interval of the last one
    later = p.partials(wall + 250_000)
    assert [c["close"] for c in later] == [11.0, 11.0]
    assert p.partials(wall + 600_000) == []


def test_partial_of_a_longer_bar_includes_closed_base_buckets():
    p = proc(["15s", "1m"])
    p.process([trade(T0 + 1 * S, 10.0, 1.0), trade(T0 + 16 * S, 12.0, 2.0)])
    minute = only(p.partials(0), "1m")[0]
    assert ohlc(minute) == (10.0, 12.0, 10.0, 12.0) and minute["volume"] == 3.0 and minute["trades"] == 2


def test_disconnect_marks_bars_until_data_resumes_with_gap():
    p = proc(["15s"])
    events = p.process([
        trade(T0 + 1 * S, 10.0),
        trade(T0 + 16 * S, 11.0),   # bar 15..30 open
        disconnect(T0 + 20 * S),    # gap: bar 15..30
        trade(T0 + 50 * S, 12.0),   # data resumes in bar 45..60 (30..45 empty, in the outage)
        trade(T0 + 61 * S, 13.0),   # bar 60..75: after the resume, no gap
        trade(T0 + 76 * S, 14.0),
    ])
    assert [(c["start"][14:19], c["gap"]) for c in events] == [
        ("55:00", False), ("55:15", True), ("55:30", True), ("55:45", True), ("56:00", False)]


def test_disconnect_before_a_bar_end_and_resume_in_the_same_bar():
    p = proc(["15s"])
    events = p.process([trade(T0 + 1 * S, 10.0), disconnect(T0 + 2 * S), trade(T0 + 3 * S, 11.0),
                        trade(T0 + 16 * S, 12.0), trade(T0 + 31 * S, 12.0)])
    assert [c["gap"] for c in events] == [True, False]


def test_end_emits_open_bars_as_final():
    p = proc(["15s", "1m"])
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 20 * S, 11.0), end()])
    assert [(c["timeframe"], c["start"][14:19], c["closed"], c["final"]) for c in events] == [
        ("15s", "55:00", True, False), ("15s", "55:15", False, True), ("1m", "55:00", False, True)]
    assert p.ended
    assert p.partials(0) == [] and p.finish() == [] and p.on_clock(T0 + 3600 * S) == []
    [c] = only(p.process([trade(T0 + 3600 * S, 12.0), trade(T0 + 3615 * S, 12.0)]), "15s")
    assert c["open"] == 12.0 and c["start"] == "2024-08-09T00:55:00.000Z"  # no bars for the silence


def test_live_bars_close_on_the_wall_clock_after_the_grace():
    p = proc(["15s"], live=True, close_grace_us=2 * S)
    p.process([trade(T0 + 1 * S, 10.0)])
    assert p.on_clock(T0 + 16 * S) == []          # end + 1 s < end + grace
    [c] = p.on_clock(T0 + 17 * S)                  # end + grace
    assert c["start"][14:19] == "55:00" and c["closed"] and c["trades"] == 1
    # wall clock 47 s - grace: the empty bars 15..30 and 30..45 close
    assert [e["start"][14:19] for e in p.on_clock(T0 + 47 * S)] == ["55:15", "55:30"]


def test_replay_streams_ignore_the_wall_clock():
    p = proc(["15s"], live=False)
    p.process([trade(T0 + 1 * S, 10.0)])
    assert p.on_clock(T0 + 3600 * S) == []


def test_symbols_have_their_own_bars():
    p = proc(["15s"])
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 2 * S, 20.0, symbol="ETHUSDT"),
                        trade(T0 + 16 * S, 11.0), trade(T0 + 16 * S, 21.0, symbol="ETHUSDT")])
    assert sorted((c["symbol"], c["close"]) for c in events) == [(SYM, 10.0), ("ETHUSDT", 20.0)]


def test_ticks_mode_serves_messages_and_builds_no_candles():
    p = proc(["15s"], mode="ticks")
    msgs = [trade(T0, 1.0), trade(T0 + 20 * S, 2.0), end()]
    events = p.process(msgs)
    assert [e["type"] for e in events] == ["tick", "tick", "tick"]
    assert events[0] == {"type": "tick", "exchange": "binance", "msg": msgs[0], "seq": 1}
    assert p.trades_seen == 2 and p.ended


def test_ticks_carry_the_sequence_number_of_their_message():
    p = proc(["15s"], mode="ticks")
    bad = InvalidMessage(1, "batch.msgs[1]: unknown message type")
    events = p.process_batch(1, [trade(T0, 1.0), bad, trade(T0 + S, 2.0)])
    events += p.process_batch(2, [bad, trade(T0 + S, 2.0), trade(T0 + 2 * S, 3.0)])  # a resend overlaps
    assert [(e["seq"], e["msg"].price) for e in events] == [(1, 1.0), (3, 2.0), (4, 3.0)]


def test_sequence_numbers_skip_resends_and_refuse_gaps():
    p = proc(["15s"])
    assert p.process_batch(1, [trade(T0, 1.0), trade(T0 + 1, 2.0)]) == []
    p.process_batch(1, [trade(T0, 99.0), trade(T0 + 1, 99.0), trade(T0 + 2, 3.0)])  # 1, 2 resent
    assert p.next_seq == 4
    p.process_batch(2, [trade(T0, 99.0)])  # entirely old
    assert p.next_seq == 4
    with pytest.raises(SeqGap, match="expected seq 4, got 6"):
        p.process_batch(6, [trade(T0 + 3, 4.0)])
    events = p.process_batch(4, [InvalidMessage(0, "bad"), trade(T0 + 20 * S, 5.0)])
    assert p.next_seq == 6
    [c] = events  # the resent 99.0 trades were skipped
    assert c["trades"] == 3 and (c["high"], c["close"]) == (3.0, 3.0)


def test_time_jump_caps_the_number_of_empty_bars(monkeypatch):
    import market_data_tick_handler.processor as processor

    monkeypatch.setattr(processor, "MAX_EMPTY_BARS", 3)
    p = proc(["15s"])
    events = p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 10 * 15 * S, 11.0)])
    kinds = [e["type"] for e in events]
    assert kinds == ["candle", "log", "candle", "candle", "candle"]
    assert [e["start"][14:19] for e in closed(events)][1:] == ["56:45", "57:00", "57:15"]


def test_tick_bars_close_every_n_trades_in_arrival_order():
    p = proc(["3t"])
    events = p.process([trade(T0 + k * S, 10.0 + k, 1.0) for k in range(7)])
    assert [(c["trades"], c["open"], c["close"], c["closed"]) for c in events] == [
        (3, 10.0, 12.0, True), (3, 13.0, 15.0, True)]
    assert (events[0]["start"], events[0]["end"]) == ("2024-08-08T23:55:00.000Z", "2024-08-08T23:55:02.000Z")
    assert events[0]["partial"] is False
    [final] = p.process([end()])
    assert (final["trades"], final["closed"], final["final"]) == (1, False, True)


def test_the_trade_that_crosses_a_volume_or_notional_threshold_counts_whole_in_that_bar():
    p = proc(["2v", "1000n"])
    events = p.process([trade(T0, 100.0, 1.5), trade(T0 + S, 100.0, 1.5), trade(T0 + 2 * S, 100.0, 8.0)])
    assert [(c["timeframe"], c["volume"], c["trades"]) for c in events] == [
        ("2v", 3.0, 2), ("2v", 8.0, 1), ("1000n", 11.0, 3)]


def test_activity_bars_of_one_millisecond_get_distinct_starts():
    p = proc(["1t"])
    events = p.process([trade(T0, 1.0), trade(T0, 2.0), trade(T0 + 500, 3.0)])
    assert [c["start"][17:] for c in events] == ["00.000Z", "00.001Z", "00.002Z"]


def test_day_and_week_bars_are_utc_aligned_weeks_from_monday():
    p = proc(["1d", "1w"])
    monday = T0 + (4 * 24 * 3600 + 5 * 60) * S  # 2024-08-12T00:00:00Z
    events = p.process([trade(T0, 1.0), trade(monday + 3600 * S, 2.0)])
    assert [(c["timeframe"], c["start"], c["end"]) for c in closed(events)][0:1] == [
        ("1d", "2024-08-08T00:00:00.000Z", "2024-08-09T00:00:00.000Z")]
    [week] = [c for c in closed(events) if c["timeframe"] == "1w"]
    assert (week["start"], week["end"], week["partial"]) == (
        "2024-08-05T00:00:00.000Z", "2024-08-12T00:00:00.000Z", True)


def test_the_empty_bar_cap_holds_for_the_whole_stream_not_per_symbol_and_timeframe(monkeypatch):
    import market_data_tick_handler.processor as processor

    monkeypatch.setattr(processor, "MAX_EMPTY_BARS", 5)
    p = proc(["15s", "1m"], live=True, close_grace_us=0)
    p.process([trade(T0 + 1 * S, 10.0), trade(T0 + 1 * S, 20.0, symbol="ETHUSDT")])
    events = p.on_clock(T0 + 3600 * S)  # one jump of an hour: 4 x hundreds of empty bars
    empty = [c for c in closed(events) if c["trades"] == 0]
    assert len(empty) == 5
    assert any(e["type"] == "log" and "at most 5 per jump" in e["message"] for e in events)
