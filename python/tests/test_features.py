"""Feature formulas (docs/features.md) on small hand-computed cases."""

from __future__ import annotations

from math import log, sqrt

import pytest
from helpers import T0, S, book, liquidation, ticker, trade

from market_data_tick_handler.processor import StreamProcessor


def minute_bars(msgs):
    p = StreamProcessor(exchange="binance", timeframes=["1m"])
    return p.process(msgs)


def f(candle):
    return candle["features"]


S0 = book(T0 - 5 * S, [(99.0, 2.0)], [(101.0, 1.0)])


def test_book_features_of_the_last_snapshot_in_the_bar():
    [c] = minute_bars([trade(T0 + 1 * S, 100.0),
                       book(T0 + 2 * S, [(99.0, 2.0), (98.0, 1.0)], [(101.0, 1.0), (102.0, 3.0)]),
                       trade(T0 + 60 * S, 100.0)])
    assert f(c)["mid"] == 100.0
    assert f(c)["spread_bps"] == pytest.approx(200.0)
    assert f(c)["weighted_mid"] == pytest.approx(301.0 / 3.0)   # (99*1 + 101*2) / (2+1)
    assert f(c)["obi_5"] == pytest.approx((3.0 - 4.0) / 7.0)


def test_obi_uses_five_levels():
    bids = [(99.0 - k, 1.0) for k in range(6)]            # 6 levels, the 6th ignored
    asks = [(101.0 + k, 2.0) for k in range(6)]
    [c] = minute_bars([trade(T0 + 1 * S, 100.0), book(T0 + 2 * S, bids, asks), trade(T0 + 60 * S, 1.0)])
    assert f(c)["obi_5"] == pytest.approx((5.0 - 10.0) / 15.0)


def test_ofi_and_realized_vol_over_consecutive_snapshots():
    first, second = minute_bars([
        S0,                                                   # last snapshot before the bar
        trade(T0 + 1 * S, 100.0),
        book(T0 + 10 * S, [(99.0, 3.0)], [(101.0, 1.0)]),     # e1 = (3 - 2) + (-1 + 1) = 1
        book(T0 + 20 * S, [(100.0, 1.0)], [(101.0, 2.0)]),    # e2 = 1 + (-2 + 1) = 0
        book(T0 + 30 * S, [(99.5, 4.0)], [(100.5, 1.0)]),     # e3 = -1 + (-1) = -2
        trade(T0 + 60 * S, 100.0),
        trade(T0 + 120 * S, 100.0),
    ])
    assert f(first)["ofi"] == pytest.approx(-1.0)
    assert f(first)["realized_vol"] == pytest.approx(sqrt(2) * log(100.5 / 100.0))
    assert f(first)["mid"] == 100.0 and f(first)["spread_bps"] == pytest.approx(100.0)
    assert f(first)["weighted_mid"] == pytest.approx(100.3)   # (99.5*1 + 100.5*4) / 5
    assert f(first)["obi_5"] == pytest.approx(0.6)
    # no snapshot in the next bar: book features carried, no pair -> null ofi / vol
    assert (f(second)["ofi"], f(second)["realized_vol"]) == (None, None)
    assert f(second)["mid"] == 100.0 and f(second)["obi_5"] == pytest.approx(0.6)


def test_a_single_snapshot_pairs_with_the_one_before_the_bar():
    [c] = minute_bars([S0, trade(T0 + 1 * S, 100.0), book(T0 + 10 * S, [(99.0, 3.0)], [(101.0, 1.0)]),
                       trade(T0 + 60 * S, 100.0)])
    assert f(c)["ofi"] == pytest.approx(1.0) and f(c)["realized_vol"] == 0.0


def test_no_pair_gives_null_ofi_and_vol():
    [c] = minute_bars([trade(T0 + 1 * S, 100.0), book(T0 + 10 * S, [(99.0, 3.0)], [(101.0, 1.0)]),
                       trade(T0 + 60 * S, 100.0)])
    assert f(c)["ofi"] is None and f(c)["realized_vol"] is None and f(c)["mid"] == 100.0


def test_snapshot_with_an_empty_side_is_null_and_skipped_for_ofi():
    first, second = minute_bars([
        S0, trade(T0 + 1 * S, 100.0),
        book(T0 + 5 * S, [], [(101.0, 1.0)]),                  # skipped
        book(T0 + 10 * S, [(99.0, 3.0)], [(101.0, 1.0)]),      # compared with S0: e = 1
        trade(T0 + 60 * S, 100.0),
        book(T0 + 70 * S, [(99.0, 3.0)], []),                  # last of the bar: null book features
        trade(T0 + 120 * S, 100.0),
    ])
    assert f(first)["ofi"] == pytest.approx(1.0) and f(first)["mid"] == 100.0
    assert all(f(second)[k] is None for k in ("spread_bps", "mid", "weighted_mid", "obi_5", "ofi", "realized_vol"))


def test_disconnect_breaks_the_snapshot_chain():
    from helpers import disconnect

    [c, _gap] = minute_bars([S0, trade(T0 + 1 * S, 100.0), disconnect(T0 + 2 * S),
                             book(T0 + 10 * S, [(99.0, 3.0)], [(101.0, 1.0)]),
                             trade(T0 + 60 * S, 100.0), trade(T0 + 120 * S, 100.0)])
    assert f(c)["ofi"] is None and c["gap"] is True


def test_trade_features():
    [c] = minute_bars([trade(T0 + 1 * S, 100.0, 1.0, "buy"), trade(T0 + 2 * S, 100.0, 2.0, "sell"),
                       trade(T0 + 3 * S, 100.0, 0.5, "unknown"), trade(T0 + 4 * S, 100.0, 0.5, "buy"),
                       trade(T0 + 60 * S, 100.0)])
    assert f(c)["signed_volume"] == -0.5
    assert f(c)["trade_imbalance"] == pytest.approx(-0.5 / 4.0)
    assert f(c)["trade_intensity"] == pytest.approx(4 / 60)


def test_derivative_values_are_carried_and_basis_and_oi_change():
    first, second = minute_bars([
        ticker(T0 - 10 * S, funding=0.0001, mark=101.0, index=100.0, oi=1000.0),
        trade(T0 + 1 * S, 100.0),
        ticker(T0 + 30 * S, oi=1010.0),
        ticker(T0 + 40 * S, oi=1005.0, mark=None, funding=None),
        trade(T0 + 60 * S, 100.0),
        trade(T0 + 120 * S, 100.0),
    ])
    assert (f(first)["funding_rate"], f(first)["mark_price"], f(first)["index_price"]) == (0.0001, 101.0, 100.0)
    assert f(first)["basis_bps"] == pytest.approx(100.0)     # 1e4 * (101 - 100) / 100
    assert f(first)["open_interest"] == 1005.0
    assert f(first)["open_interest_change"] == pytest.approx(5.0)  # last in bar - last before
    assert f(second)["open_interest"] == 1005.0 and f(second)["open_interest_change"] is None
    assert f(second)["basis_bps"] == pytest.approx(100.0)


def test_oi_change_is_null_without_a_value_before_the_bar():
    [c] = minute_bars([trade(T0 + 1 * S, 100.0), ticker(T0 + 2 * S, oi=10.0), trade(T0 + 60 * S, 1.0)])
    assert f(c)["open_interest"] == 10.0 and f(c)["open_interest_change"] is None
    assert f(c)["basis_bps"] is None and f(c)["funding_rate"] is None


def test_liquidations():
    first, second = minute_bars([
        trade(T0 + 1 * S, 100.0), liquidation(T0 + 2 * S, 100.0, 2.0, "buy"),
        liquidation(T0 + 3 * S, 50.0, 1.0, "sell"), trade(T0 + 60 * S, 100.0), trade(T0 + 120 * S, 1.0)])
    assert (f(first)["liq_buy_notional"], f(first)["liq_sell_notional"]) == (200.0, 50.0)
    assert f(first)["liq_imbalance"] == pytest.approx(0.6)
    assert (f(second)["liq_buy_notional"], f(second)["liq_sell_notional"], f(second)["liq_imbalance"]) == (0.0, 0.0, 0.0)


def test_empty_bar_features_match_the_golden_empty_candle():
    import json
    from pathlib import Path

    golden = json.loads((Path(__file__).parents[2] / "docs" / "protocol-fixtures" / "candle_empty_gap.json").read_text())
    bars = minute_bars([trade(T0 + 1 * S, 61250.0), trade(T0 + 150 * S, 61250.0)])
    assert f(bars[1]) == golden["features"]
