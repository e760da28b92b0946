"""Golden frames of docs/protocol-fixtures: decode -> encode gives the same JSON."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from helpers import T0, trade

from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.protocol import (
    Batch,
    Candle,
    End,
    Hello,
    InvalidMessage,
    Trade,
    any_frame_decoder,
    decode_batch_leniently,
    encode,
    inbound_decoder,
)

FIXTURES = Path(__file__).parents[2] / "docs" / "protocol-fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*.json"))


def test_fixture_folder_is_found():
    assert len(FIXTURE_FILES) >= 10, f"no fixtures in {FIXTURES}"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_round_trip(path: Path):
    text = path.read_text()
    frame = any_frame_decoder.decode(text)
    assert json.loads(encode(frame)) == json.loads(text)


def test_inbound_frames_decode_to_typed_structs():
    batch = inbound_decoder.decode((FIXTURES / "batch.json").read_text())
    assert isinstance(batch, Batch) and batch.seq == 41
    assert [type(m).__name__ for m in batch.msgs] == [
        "Trade", "BookSnapshot", "DerivativeTicker", "DerivativeTicker", "Liquidation", "Trade",
        "Disconnect", "End"]
    assert isinstance(batch.msgs[-1], End)
    hello = inbound_decoder.decode((FIXTURES / "hello_resume.json").read_text())
    assert isinstance(hello, Hello) and hello.state == {"opaque": True, "next_seq": 2001}


def test_unknown_fields_are_ignored():
    msg = b'{"type":"batch","seq":1,"extra":1,"msgs":[{"type":"trade","symbol":"X","price":1,"amount":2,"side":"buy","ts":5,"id":"t1"}]}'
    batch = inbound_decoder.decode(msg)
    assert batch.msgs == [Trade(symbol="X", price=1.0, amount=2.0, side="buy", ts=5)]


def test_lenient_batch_decode_names_each_bad_message():
    data = encode({"type": "batch", "seq": 41, "msgs": [
        trade(T0, 1.0), {"type": "trade", "symbol": "X", "price": "x", "amount": 1, "side": "buy", "ts": 1},
        trade(T0, 2.0), {"type": "quote", "symbol": "X"}, {"symbol": "X"}, 7]})
    with pytest.raises(msgspec.ValidationError):
        inbound_decoder.decode(data)
    seq, msgs = decode_batch_leniently(data)
    assert seq == 41
    assert isinstance(msgs[0], Trade) and isinstance(msgs[2], Trade)
    assert isinstance(msgs[1], InvalidMessage) and msgs[1].reason.startswith("batch.msgs[1] (trade): ")
    assert "batch.msgs[1].price" in msgs[1].reason
    assert msgs[3] == InvalidMessage(3, 'batch.msgs[3]: unknown message type "quote"')
    assert msgs[4].reason == 'batch.msgs[4]: missing "type"'
    assert msgs[5].reason == "batch.msgs[5]: expected an object, got int"


def test_processor_candles_match_the_candle_frame():
    p = StreamProcessor(exchange="binance", timeframes=["15s"])
    events = p.process([trade(T0, 10.0), trade(T0 + 20_000_000, 11.0)]) + p.finish()
    assert len(events) == 2
    for event in events:
        candle = msgspec.convert(event, Candle, strict=True)
        assert json.loads(encode(candle)) == json.loads(encode(event))
