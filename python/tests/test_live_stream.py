"""LiveFeatureStream against a real processor (websockets on port 0): history marked and in
the order it closed, skippable; the synchronous iterator; ticks; a warning when the processor
cannot be reached; a clear error (or a wait) when no running stream matches."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC
from itertools import islice
from typing import Any

import pytest
from helpers import T0, EnginePeer, S, trade, url

from tickbridge import LiveFeatureStream, LiveFeatureStreamError


def bars(first: int, count: int) -> list[Any]:
    """One trade every 15 s from 15s-bar ``first`` on (four of them close a 1m bar)."""
    return [trade(T0 + (first + k) * 15 * S + 1, 100.0 + first + k) for k in range(count)]


async def first_items(stream: LiveFeatureStream, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        async for item in stream:
            got.append(item)
            if len(got) == count:
                break
    return got


async def test_history_is_marked_and_in_the_order_it_closed(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s", "1m"])
    await engine.send_batch(1, bars(0, 5))  # closes 15s 55:00..55:45 and 1m 55:00
    await engine.ack_for(5)
    stream = LiveFeatureStream(symbol="BTC-USDT", url=url(server))
    async with stream:
        iterator = stream.__aiter__()
        history = [await iterator.__anext__() for _ in range(5)]
        await engine.send_batch(6, bars(5, 1))  # closes 56:00 (15s)
        live = await iterator.__anext__()
    assert [(c["timeframe"], c["start"][14:19], c["history"]) for c in history] == [
        ("15s", "55:00", True), ("15s", "55:15", True), ("15s", "55:30", True),
        ("15s", "55:45", True), ("1m", "55:00", True)]  # the 1m bar closed with the 4th 15s bar
    assert (live["timeframe"], live["start"][14:19], live["history"]) == ("15s", "56:00", False)


async def test_history_false_skips_it(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
    await engine.send_batch(1, bars(0, 3))
    await engine.ack_for(3)
    async with LiveFeatureStream(symbol="BTCUSDT", url=url(server), history=False) as stream:
        iterator = stream.__aiter__()
        pending = asyncio.ensure_future(iterator.__anext__())
        async with asyncio.timeout(10):
            while server.hub.consumer_count == 0:
                await asyncio.sleep(0.01)
        await engine.send_batch(4, bars(3, 1))
        first = await asyncio.wait_for(pending, 10)
    assert (first["start"][14:19], first["history"]) == ("55:30", False)


async def test_ticks_mode_yields_ticks(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), mode="ticks")
    async with LiveFeatureStream(symbol="BTC-USDT", url=url(server), mode="ticks") as stream:
        iterator = stream.__aiter__()
        pending = asyncio.ensure_future(iterator.__anext__())
        async with asyncio.timeout(10):
            while server.hub.consumer_count == 0:
                await asyncio.sleep(0.01)
        await engine.send_batch(1, [trade(T0, 10.0), trade(T0 + 1, 11.0)])
        ticks = [await asyncio.wait_for(pending, 10), await asyncio.wait_for(iterator.__anext__(), 10)]
    assert [(t["type"], t["msg"]["price"], t["history"]) for t in ticks] == [
        ("tick", 10.0, False), ("tick", 11.0, False)]


async def test_no_matching_stream_is_a_clear_error(start_server):
    server = await start_server()
    await EnginePeer.connect(url(server), timeframes=["15s", "1m"])
    with pytest.raises(LiveFeatureStreamError) as error:
        await first_items(LiveFeatureStream(symbol="NOPE", url=url(server)), 1)
    assert "no running stream matches binance NOPE" in str(error.value)
    assert "the processor has: binance BTCUSDT (candles, 15s,1m)" in str(error.value)
    with pytest.raises(LiveFeatureStreamError, match=r"--mode ticks.*binance BTCUSDT \(candles"):
        await first_items(LiveFeatureStream(symbol="BTCUSDT", url=url(server), mode="ticks"), 1)


async def test_wait_for_a_stream_that_starts_later(start_server, caplog):
    server = await start_server()
    caplog.set_level(logging.WARNING)
    stream = LiveFeatureStream(symbol="ETH-USDT", url=url(server), wait=True)
    async with stream:
        pending = asyncio.ensure_future(first_items(stream, 1))
        async with asyncio.timeout(10):
            while "no running stream matches binance ETH-USDT" not in caplog.text:
                await asyncio.sleep(0.01)
        assert not pending.done()
        engine, _ = await EnginePeer.connect(url(server), symbols=["ETHUSDT"], timeframes=["15s"])
        await engine.send_batch(1, [trade(T0 + 1, 5.0, symbol="ETHUSDT"), trade(T0 + 16 * S, 6.0, symbol="ETHUSDT")])
        [candle] = await asyncio.wait_for(pending, 10)
    assert (candle["symbol"], candle["close"]) == ("ETHUSDT", 5.0)


async def test_warning_when_the_processor_cannot_be_reached(caplog):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    caplog.set_level(logging.INFO)
    stream = LiveFeatureStream(symbol="BTCUSDT", url=f"ws://127.0.0.1:{port}", reconnect_initial_s=0.01,
                               reconnect_max_s=0.02)
    async with stream:
        task = asyncio.ensure_future(first_items(stream, 1))
        async with asyncio.timeout(10):
            while len([r for r in caplog.records if "retrying" in r.getMessage()]) < 3:
                await asyncio.sleep(0.01)
        task.cancel()
    records = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert records[0].levelno == logging.WARNING and "cannot connect" in records[0].getMessage()
    assert "is the processor running?" in records[0].getMessage()
    assert all(r.levelno == logging.INFO for r in records[1:])  # one warning, not one per retry


class ThreadedServer:
    """A processor in a thread of its own, so synchronous code can block on its stream."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Any = None  # the processor the fixture starts on this loop

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def threaded() -> Iterator[ThreadedServer]:
    from market_data_tick_handler.engine_admission import SessionConfig
    from market_data_tick_handler.server import ProcessorServer, ServerConfig
    from market_data_tick_handler.stats import Stats
    from market_data_tick_handler.streaming_service.modes.serve_hub import ServeHub

    box = ThreadedServer()

    async def start() -> ProcessorServer:
        # lateness 0: a message at or after a bar's end closes it (as in conftest's servers)
        server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, session=SessionConfig(lateness_ms=0)),
                                 stats=Stats(), hub=ServeHub())
        await server.start()
        return server

    box.server = box.run(start())
    yield box
    box.run(box.server.stop())
    box.stop()


def test_synchronous_iterator(threaded: ThreadedServer) -> None:
    server = threaded.server
    engine, _ = threaded.run(EnginePeer.connect(url(server), timeframes=["15s"]))
    threaded.run(engine.send_batch(1, bars(0, 3)))
    threaded.run(engine.ack_for(3))
    with LiveFeatureStream(symbol="BTC-USDT", url=url(server)) as stream:
        got = list(islice(stream, 2))
    assert [(c["start"][14:19], c["history"]) for c in got] == [("55:00", True), ("55:15", True)]
    for _ in range(500):  # leaving the loop closed the connection
        if server.hub.consumer_count == 0:
            break
        threading.Event().wait(0.01)
    assert server.hub.consumer_count == 0
    names = [t.name for t in threading.enumerate()]
    assert "LiveFeatureStream" not in names


def test_synchronous_iterator_raises_the_stream_error(threaded: ThreadedServer) -> None:
    with pytest.raises(LiveFeatureStreamError, match="no stream running"):
        for _ in LiveFeatureStream(symbol="BTC-USDT", url=url(threaded.server)):
            pass


async def test_warm_start_from_the_store(start_server, tmp_path):
    """History from the store, then the processor's, each bar once; the first bar after the
    pause says so."""
    from datetime import datetime

    from store_v2 import Run, make_store

    before = datetime(2024, 8, 8, 23, 50, tzinfo=UTC)
    make_store(tmp_path, [
        Run("old", source="file", timeframes=("15s",), bars=4, first=before),  # 23:50:00 .. 23:50:45
        Run("dup", source="file", timeframes=("15s",), bars=1, first=datetime(2024, 8, 8, 23, 55, tzinfo=UTC)),
        Run("demo", source="demo", timeframes=("15s",), bars=2, first=datetime(2024, 8, 8, 23, 52, tzinfo=UTC)),
        Run("far", source="file", timeframes=("15s",), bars=1, first=datetime(2024, 8, 8, 20, 0, tzinfo=UTC)),
    ])
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
    await engine.send_batch(1, bars(0, 3))  # the processor's history: 55:00, 55:15
    await engine.ack_for(3)
    stream = LiveFeatureStream(symbol="BTCUSDT", timeframes=["15s"], url=url(server), warmup="2h",
                               store=tmp_path)
    got = await first_items(stream, 6)
    assert [(c["start"][11:19], c["history"], c["after_gap"]) for c in got] == [
        ("23:50:00", True, False), ("23:50:15", True, False), ("23:50:30", True, False),
        ("23:50:45", True, False),
        ("23:55:00", True, True),   # stored once, sent again by the processor: yielded once
        ("23:55:15", True, False)]  # the demo run and the bar older than 2h are left out
    assert got[0]["features"]["obi_5"] == 0.5 and got[0]["trades"] == 3


async def test_warm_start_without_a_store_is_the_processors_history(start_server, tmp_path):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
    await engine.send_batch(1, bars(0, 2))
    await engine.ack_for(2)
    [first] = await first_items(LiveFeatureStream(symbol="BTCUSDT", url=url(server), warmup="1h",
                                                  store=tmp_path / "none"), 1)
    assert (first["start"][11:19], first["history"], first["after_gap"]) == ("23:55:00", True, False)


async def test_ticks_from_the_real_engine(start_server, tmp_path):
    """`tickbridge stream --mode ticks` (the real engine on the demo source) into a processor;
    LiveFeatureStream(mode="ticks") yields its market messages."""
    import shutil
    import signal
    import sys
    from pathlib import Path

    cli = Path(__file__).resolve().parents[2] / "dist" / "cli" / "main.js"
    if shutil.which("node") is None or not cli.exists():
        pytest.skip("the TypeScript build (dist/) or node is missing: run `npm run setup`")
    server = await start_server()
    engine = await asyncio.create_subprocess_exec(
        "node", str(cli), "stream", "--source", "demo", "--mode", "ticks", "--dataTypes", "trades",
        "--pythonWebSocketUrl", url(server), "--logDir", str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "TICKBRIDGE_PYTHON": sys.executable})
    try:
        ticks = await first_items(LiveFeatureStream(symbol="BTC-USDT", url=url(server), mode="ticks",
                                                    wait=True), 3, timeout=60)
    finally:
        engine.send_signal(signal.SIGINT)
        await asyncio.wait_for(engine.wait(), 30)
    assert [(t["type"], t["exchange"], t["msg"]["type"], t["msg"]["symbol"]) for t in ticks] == [
        ("tick", "binance", "trade", "BTCUSDT")] * 3
    assert all(t["msg"]["price"] > 0 for t in ticks)
