"""A disconnect that cuts the order book (issue 17, case 4): book features are null, not the
stale values from before it, and every bar is flagged ``gap`` until a book snapshot comes, also
across a restart of the processor from its acknowledged state."""

from __future__ import annotations

from helpers import T0, S, book, disconnect, trade

from market_data_tick_handler.processor import StreamProcessor

BOOK_FEATURES = ("spread_bps", "mid", "weighted_mid", "obi_5")


def proc() -> StreamProcessor:
    return StreamProcessor(exchange="binance", timeframes=["15s"])


def test_lost_book_is_null_and_flagged_until_the_next_snapshot_also_after_a_restart():
    p = proc()
    events = p.process([
        trade(T0 + 1 * S, 10.0), book(T0 + 2 * S, [(9.9, 1.0)], [(10.1, 1.0)]),
        trade(T0 + 16 * S, 11.0), disconnect(T0 + 20 * S),  # bar 15..30: the book is lost in it
        trade(T0 + 31 * S, 11.5),                             # bar 30..45: trades, no book
    ])
    # the processor restarts from its acked state in the middle of the outage
    restarted = proc()
    restarted.restore(p.snapshot())
    events += restarted.process([
        trade(T0 + 46 * S, 12.0),                             # bar 45..60: still no book
        trade(T0 + 61 * S, 12.5), book(T0 + 62 * S, [(12.4, 1.0)], [(12.6, 1.0)]),  # bar 60..75: the book resumes
        trade(T0 + 76 * S, 13.0), trade(T0 + 91 * S, 13.0),   # bar 75..90: whole again
    ])
    bars = [(c["start"][14:19], c["gap"], c["features"]["mid"], c["trades"]) for c in events]
    assert bars == [
        ("55:00", False, 10.0, 1),
        ("55:15", True, None, 1),
        ("55:30", True, None, 1),
        ("55:45", True, None, 1),
        ("56:00", True, 12.5, 1),
        ("56:15", False, 12.5, 1),
    ]
    for c in events[1:4]:
        assert all(c["features"][name] is None for name in BOOK_FEATURES)


def test_a_disconnect_in_a_trades_only_stream_flags_only_the_outage():
    p = proc()
    events = p.process([trade(T0 + 1 * S, 10.0), disconnect(T0 + 2 * S), trade(T0 + 3 * S, 11.0),
                        trade(T0 + 16 * S, 12.0), trade(T0 + 31 * S, 12.0)])
    assert [c["gap"] for c in events] == [True, False]
