"""The processor against the contract (contract/*.json, also loaded by the engine): a feature,
message type, source, default or limit changed on one side only fails here
(core/test/contract.test.ts is the engine's half)."""

from __future__ import annotations

import logging
import typing
from logging.handlers import RotatingFileHandler

import msgspec
import pytest
from helpers import T0, S, book, trade

from market_data_tick_handler import protocol
from market_data_tick_handler.__main__ import build_parser
from market_data_tick_handler.contract import bar_specs, limits, vocabulary
from market_data_tick_handler.engine_admission import SessionConfig
from market_data_tick_handler.logging_setup import setup_logging
from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.server import ServerConfig
from market_data_tick_handler.stats import RateMeter
from market_data_tick_handler.timeframes import parse_timeframes


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


# ---- sources, default timeframes and limits (contract/vocabulary.json, bar_specs.json, limits.json)


def test_the_hello_accepts_exactly_the_vocabulary_s_sources():
    source = typing.get_type_hints(protocol.Hello)["source"]
    accepted = {arg for part in typing.get_args(source) for arg in typing.get_args(part)}
    assert accepted == {entry["name"] for entry in vocabulary()["sources"]}


def test_the_default_timeframes_are_the_contract_s_for_sessions_and_the_command_line():
    default = bar_specs()["default"]
    assert list(SessionConfig().default_timeframes) == default
    assert build_parser().parse_args([]).timeframes == default
    assert [label for label, _ in parse_timeframes(default)] == default


def test_market_messages_out_of_the_plausibility_bounds_are_refused_as_the_engine_refuses_them():
    bounds = limits()["plausibility"]
    assert (bounds["max_price"], bounds["max_amount"]) == (protocol.MAX_PRICE, protocol.MAX_AMOUNT)
    for message in bounds["invalid_examples"]:
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(message, protocol.MarketMessage)
    for message in bounds["valid_examples"]:
        msgspec.convert(message, protocol.MarketMessage)


def test_the_frame_cap_is_the_contract_s():
    assert ServerConfig().max_frame_bytes == limits()["frame_max_bytes"]
    assert build_parser().parse_args([]).max_frame_bytes == limits()["frame_max_bytes"]


def test_messages_per_second_follow_the_contract_s_definition_and_worked_examples():
    rate = limits()["rate"]
    meter = RateMeter(now=0.0)
    for example in rate["examples"]:
        assert meter.sample(example["count"], example["at_ms"] / 1000) == example["rate"], example
    assert ServerConfig().stats_interval_s * 1000 == rate["sample_interval_ms"]


def test_the_processor_log_is_named_and_rotated_as_the_contract_says(tmp_path):
    policy = limits()["log_files"]
    root = logging.getLogger()
    before = list(root.handlers)
    path = setup_logging(tmp_path)
    try:
        assert path.name == policy["processor"]
        [handler] = [h for h in root.handlers if h not in before and isinstance(h, RotatingFileHandler)]
        line = "x" * 64 * 1024
        for _ in range(policy["max_bytes"] // len(line) + 2):  # straight to the file (not the test report)
            handler.handle(logging.LogRecord("market_data_tick_handler", logging.INFO, __file__, 1, line, None, None))
        rotated = tmp_path / f"{policy['processor']}.1"
        assert abs(rotated.stat().st_size - policy["max_bytes"]) < len(line) + 200
        assert handler.backupCount == policy["backups"]
    finally:
        for added in [h for h in root.handlers if h not in before]:
            root.removeHandler(added)
            added.close()
