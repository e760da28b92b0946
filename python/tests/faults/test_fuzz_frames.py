"""10,000 malformed, truncated, wrong-typed and oversized frames at the processor (hypothesis):
each gets an error frame or a clean close, the server stays up, and a valid stream on another
connection is unaffected."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from helpers import EnginePeer, batch_frame, hello_frame, random_stream, url
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from market_data_tick_handler.engine_admission import SessionConfig
from market_data_tick_handler.server import ProcessorServer, ServerConfig
from market_data_tick_handler.stats import Stats
from market_data_tick_handler.streaming_service.modes.serve_hub import ServeHub

FRAME_CAP = 64 * 1024
FRAMES_PER_EXAMPLE = 100
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))  # 100 × 100 = 10,000 frames
CLEAN_CLOSES = {1002, 1008, 1009}

VALID_TRADE = {"type": "trade", "symbol": "BTCUSDT", "price": 1.5, "amount": 2.0, "side": "buy", "ts": 1_723_161_300_000_000}
WRONG_VALUES: st.SearchStrategy[object] = st.sampled_from(["x", None, [], {}, True, -1.5, "1e999", 10**30])


@st.composite
def wrong_typed_message(draw: st.DrawFn) -> dict[str, Any]:
    """A trade with one field missing, of the wrong type, or an unknown message type."""
    message: dict[str, Any] = dict(VALID_TRADE)
    field = draw(st.sampled_from(sorted(message)))
    how = draw(st.sampled_from(["drop", "replace"]))
    if how == "drop":
        del message[field]
    else:
        value = draw(WRONG_VALUES)
        if field == "type":
            value = draw(st.sampled_from(["quote", "", "TRADE", 3]))
        elif field in ("price", "amount") and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a number where a number belongs is not wrong: use its text
        elif field == "symbol" and isinstance(value, str):
            value = 42
        elif field == "side" and isinstance(value, str):
            value = "sideways"
        elif field == "ts" and value == -1.5:
            value = "later"
        message[field] = value
    return message


def not_json(text: str) -> bool:
    try:
        json.loads(text)
        return False
    except ValueError:
        return True


# (kind, payload): payloads that need the stream's next sequence number are built at send time.
BAD_FRAMES = st.one_of(
    st.tuples(st.just("garbage"), st.text(max_size=200).filter(not_json)),
    st.tuples(st.just("binary"), st.binary(min_size=1, max_size=200)),
    st.tuples(st.just("truncated"), st.integers(min_value=1, max_value=150)),
    st.tuples(st.just("wrong_shape"), st.sampled_from([
        '{"type":"batch","seq":"one","msgs":[]}', '{"type":"batch"}', '{"type":"nope"}', "[]", "42",
        '{"type":"batch","seq":1,"msgs":{}}', '{"seq":1,"msgs":[]}', '"batch"', "null"])),
    st.tuples(st.just("wrong_typed"), wrong_typed_message()),
    st.tuples(st.just("oversized"), st.integers(min_value=1, max_value=4096)),
)


class FuzzEngine:
    """An engine connection that sends bad frames and tracks the next sequence number."""

    def __init__(self, server_url: str) -> None:
        self.url = server_url
        self.peer: EnginePeer | None = None
        self.next_seq = 1
        self.streams = 0
        self.outcomes: dict[str, int] = {"error": 0, "close": 0}

    async def ensure_connected(self) -> EnginePeer:
        if self.peer is None:
            self.streams += 1
            self.peer, welcome = await EnginePeer.connect(self.url, stream_id=f"fuzz{self.streams}")
            assert welcome["type"] == "welcome"
            self.next_seq = 1
        return self.peer

    def payload(self, kind: str, value: Any) -> str | bytes:
        if kind == "truncated":
            whole = batch_frame(self.next_seq, []).decode()[:-1] + json.dumps([VALID_TRADE])[1:-1] + "]}"
            return whole[: min(value, len(whole) - 1)]
        if kind == "wrong_typed":
            return json.dumps({"type": "batch", "seq": self.next_seq, "msgs": [value]})
        if kind == "oversized":
            return "x" * (FRAME_CAP + value)
        return value

    async def send_bad(self, kind: str, value: Any) -> None:
        peer = await self.ensure_connected()
        payload = self.payload(kind, value)
        await peer.ws.send(payload, text=isinstance(payload, str))
        try:
            frame = await peer.until(lambda f: f["type"] == "error", timeout=5)
            self.outcomes["error"] += 1
            if kind == "wrong_typed":
                assert frame["seq"] == self.next_seq, frame
                self.next_seq += 1  # a rejected message still uses its number
            if kind == "oversized":  # the error comes first, then the 1009 close
                await self.expect_close(peer)
        except ConnectionClosed:
            assert peer.ws.close_code in CLEAN_CLOSES, (kind, peer.ws.close_code)
            self.outcomes["close"] += 1
            self.peer = None

    async def expect_close(self, peer: EnginePeer) -> None:
        try:
            await peer.until(lambda f: False, timeout=5)
        except ConnectionClosed:
            assert peer.ws.close_code == 1009
            self.peer = None


async def valid_stream(server_url: str, stop: asyncio.Event) -> int:
    """A well-behaved engine next to the fuzzer: every batch is acknowledged."""
    engine, _ = await EnginePeer.connect(server_url, stream_id="valid")
    messages = random_stream(4000, seed=11)
    seq = 1
    for start in range(0, len(messages), 50):
        chunk = messages[start:start + 50]
        await engine.send_batch(seq, chunk)
        seq += len(chunk)
        await engine.ack_for(seq - 1)
        if stop.is_set():
            break
        await asyncio.sleep(0)
    assert not list(engine.of_type("error")), engine.of_type("error")
    await engine.close()
    return seq - 1


async def run_example(frames: list[tuple[str, Any]]) -> None:
    server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, max_frame_bytes=FRAME_CAP, session=SessionConfig(lateness_ms=0)),
                             stats=Stats(), hub=ServeHub(history=10), log_forwarder=None)
    await server.start()
    try:
        stop = asyncio.Event()
        valid = asyncio.create_task(valid_stream(url(server), stop))
        fuzz = FuzzEngine(url(server))
        for kind, value in frames:
            await fuzz.send_bad(kind, value)
        stop.set()
        acked = await asyncio.wait_for(valid, 30)
        assert acked > 0
        assert sum(fuzz.outcomes.values()) == len(frames)
        async with connect(url(server)) as probe:  # still accepting connections
            await probe.send(hello_frame(stream_id="probe"), text=True)
            assert json.loads(await probe.recv())["type"] == "welcome"
    finally:
        await server.stop()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frames=st.lists(BAD_FRAMES, min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
def test_ten_thousand_bad_frames_get_an_error_or_a_clean_close(frames: list[tuple[str, Any]]) -> None:
    asyncio.run(run_example(frames))
