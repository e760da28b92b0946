"""The processor against the contract's vocabulary (contract/vocabulary.json, also loaded by the
engine): a feature or message type added on one side only fails here."""

from __future__ import annotations

import typing

from helpers import T0, S, book, trade

from market_data_tick_handler import protocol
from market_data_tick_handler.contract import vocabulary
from market_data_tick_handler.processor import StreamProcessor


def test_the_features_a_candle_carries_are_the_vocabulary_s_feature_names():
    [candle] = StreamProcessor(exchange="binance", timeframes=["1m"]).process(
        [trade(T0 + 1 * S, 100.0), book(T0 + 2 * S, [(99.0, 1.0)], [(101.0, 1.0)]),
         trade(T0 + 60 * S, 100.0)])
    names = vocabulary()["feature_names"]
    assert list(candle["features"]) == names
    assert list(protocol.FEATURE_NAMES) == names


def test_each_data_type_arrives_as_a_market_message_the_processor_decodes():
    market_tags = {cls.__struct_config__.tag for cls in typing.get_args(protocol.MarketMessage)}
    wanted = {entry["message"] for entry in vocabulary()["data_types"]}
    assert wanted == market_tags - {"disconnect", "end"}


def test_the_vocabulary_ships_with_the_package():
    statuses = [entry["name"] for entry in vocabulary()["stream_statuses"]]
    assert statuses[0] == "starting" and {"running", "failed", "finished", "stopped"} <= set(statuses)
