"""The server with a real websockets client acting as the engine (port 0)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from helpers import T0, EnginePeer, S, batch_frame, book, end, hello_frame, trade, url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from market_data_tick_handler.logging_setup import EngineLogForwarder
from market_data_tick_handler.processor import StreamProcessor


async def test_hello_welcome_batch_ack_with_state(start_server):
    server = await start_server()
    engine, welcome = await EnginePeer.connect(url(server))
    assert welcome == {"type": "welcome", "v": 1, "stream_id": "s1", "server": "market_data_tick_handler/0.1.0"}
    await engine.send_batch(1, [trade(T0 + 1 * S, 10.0), trade(T0 + 16 * S, 11.0), book(T0 + 17 * S, [(1, 1)], [(2, 1)])])
    ack = await engine.ack_for(3)
    assert ack["seq"] == 3 and ack["state"]["next_seq"] == 4
    [candle] = [f for f in engine.of_type("candle") if f["closed"]]
    assert candle["timeframe"] == "15s" and candle["close"] == 10.0
    # the state is the processor's: restoring it continues the stream
    StreamProcessor(exchange="binance", timeframes=["15s", "1m"]).restore(ack["state"])
    await engine.close()


async def test_acks_at_the_latest_every_2000_messages(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    msgs = [trade(T0 + i * 1000, 10.0) for i in range(2500)]
    await engine.send_batch(1, msgs)  # one frame: the ack at 2000 cannot come from idleness
    await engine.ack_for(2500)
    assert [a["seq"] for a in engine.of_type("ack")] == [2000, 2500]
    assert server.stats.messages == 2500 and server.stats.trades == 2500


async def test_end_is_acked_and_final_candles_sent(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0 + 1 * S, 10.0), end()])
    ack = await engine.ack_for(2)
    finals = [f for f in engine.of_type("candle") if f["final"]]
    assert {f["timeframe"] for f in finals} == {"15s", "1m"} and ack["seq"] == 2
    assert engine.frames.index(ack) > max(engine.frames.index(f) for f in finals)


async def test_resend_after_reconnect_is_skipped(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0 + 1 * S, 10.0), trade(T0 + 2 * S, 11.0)])
    ack = await engine.ack_for(2)
    await engine.close()
    engine, _ = await EnginePeer.connect(url(server), next_seq=3, state=ack["state"])
    # the engine resends 2 (lost ack, say) and sends 3, 4
    await engine.send_batch(2, [trade(T0 + 2 * S, 999.0), trade(T0 + 3 * S, 12.0), trade(T0 + 20 * S, 1.0)])
    await engine.ack_for(4)
    [candle] = [f for f in engine.of_type("candle") if f["closed"]]
    assert (candle["trades"], candle["high"], candle["close"]) == (3, 12.0, 12.0)


async def test_seq_gap_is_an_error_and_a_1002_close(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0, 1.0)])
    await engine.send_batch(5, [trade(T0, 1.0)])
    error = await engine.until(lambda f: f["type"] == "error")
    assert error["code"] == "seq_gap" and error["seq"] == 5 and "expected seq 2" in error["message"]
    with pytest.raises(ConnectionClosed) as closed:
        await engine.next_frame()
    assert closed.value.rcvd.code == 1002


async def test_bad_frames_are_reported_and_the_connection_lives_on(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.ws.send("{not json", text=True)
    assert (await engine.until(lambda f: f["type"] == "error"))["code"] == "bad_json"
    await engine.ws.send('{"type":"foo"}', text=True)
    error = await engine.until(lambda f: f["type"] == "error")
    assert (error["code"], error["message"]) == ("bad_frame", 'unknown frame type "foo"')
    msgs = [trade(T0 + 1 * S, 10.0), trade(T0 + 2 * S, 11.0), trade(T0 + 3 * S, 12.0),
            {"type": "quote", "symbol": "BTCUSDT"}, trade(T0 + 20 * S, 13.0)]
    await engine.ws.send(batch_frame(1, msgs), text=True)
    error = await engine.until(lambda f: f["type"] == "error")
    assert error == {"type": "error", "code": "bad_frame", "seq": 4,
                     "message": 'batch.msgs[3]: unknown message type "quote"'}
    ack = await engine.ack_for(5)
    assert ack["seq"] == 5
    [candle] = [f for f in engine.of_type("candle") if f["closed"]]
    assert candle["trades"] == 3 and candle["close"] == 12.0  # messages before the bad one kept
    await engine.send_batch(6, [trade(T0 + 21 * S, 14.0)])
    assert (await engine.ack_for(6))["seq"] == 6
    assert server.stats.errors == 3


async def test_frame_over_the_cap_is_too_big_and_1009(start_server):
    server = await start_server(max_frame_bytes=64 * 1024)
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0 + i, 1.0) for i in range(300)])  # ~30 kB: fine
    await engine.ack_for(300)
    try:
        await engine.send_batch(301, [trade(T0 + i, 1.0) for i in range(1000)])  # ~100 kB
    except ConnectionClosed:
        pass
    error = await engine.until(lambda f: f["type"] == "error")
    assert error["code"] == "too_big" and "65536" in error["message"]
    with pytest.raises(ConnectionClosed) as closed:
        await engine.next_frame()
    assert closed.value.rcvd.code == 1009


async def test_bad_hellos_are_refused(start_server):
    server = await start_server(session={"token": "secret"})
    for hello, code, close_code in [({"v": 2, "token": "secret"}, "bad_hello", 1002),
                                    ({"token": "nope"}, "unauthorized", 1008),
                                    ({"timeframes": ["7x"], "token": "secret"}, "bad_hello", 1002),
                                    ({"state": {"opaque": True}, "token": "secret"}, "bad_hello", 1002)]:
        async with connect(url(server)) as ws:
            await ws.send(hello_frame(**hello), text=True)
            engine = EnginePeer(ws)
            error = await engine.next_frame()
            assert error["code"] == code, error
            with pytest.raises(ConnectionClosed) as closed:
                await engine.next_frame()
            assert closed.value.rcvd.code == close_code
    engine, welcome = await EnginePeer.connect(url(server), token="secret")
    assert welcome["type"] == "welcome"


async def test_first_frame_must_be_hello_or_subscribe(start_server):
    server = await start_server()
    async with connect(url(server)) as ws:
        await ws.send(batch_frame(1, []), text=True)
        engine = EnginePeer(ws)
        assert (await engine.next_frame())["code"] == "bad_hello"


async def test_stats_frames_are_sent_periodically(start_server):
    server = await start_server(stats_interval_s=0.05)
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0, 1.0)])
    stats = await engine.until(lambda f: f["type"] == "stats" and f["messages"] == 1)
    assert stats["engines"] == 1 and set(stats) == {"type", "messages", "messages_per_s", "trades", "candles",
                                                    "uptime_s", "engines", "consumers", "errors",
                                                    "streams"}
    assert stats["streams"] == {"s1": {"late": 0, "old": 0, "rejected": 0}}


async def test_log_lines_are_forwarded_to_engines(start_server):
    forwarder = EngineLogForwarder(rate_per_s=0.001, burst=2)
    logger = logging.getLogger("market_data_tick_handler.test")
    logger.addHandler(forwarder)
    level = logger.level
    logger.setLevel(logging.INFO)  # the forwarder's rule, not whatever an earlier test configured
    try:
        server = await start_server(log_forwarder=forwarder)
        engine, _ = await EnginePeer.connect(url(server))
        logger.info("line 0")
        logger.debug("not forwarded")
        logger.error("line 1")
        first = await engine.until(lambda f: f["type"] == "log")
        second = await engine.until(lambda f: f["type"] == "log")
        assert (first, second) == ({"type": "log", "level": "info", "message": "line 0"},
                                   {"type": "log", "level": "error", "message": "line 1"})
    finally:
        logger.removeHandler(forwarder)
        logger.setLevel(level)


async def test_resent_batch_is_acked_when_idle(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0, 1.0), trade(T0 + 1, 2.0)])
    await engine.ack_for(2)
    await engine.send_batch(1, [trade(T0, 1.0)])  # already processed
    await engine.send_batch(2, [trade(T0 + 1, 2.0)])
    ack = await engine.until(lambda f: f["type"] == "ack")
    assert ack["seq"] == 2


async def test_shutdown_sends_a_final_ack_and_closes_1001(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, [trade(T0, 1.0)])
    await engine.ack_for(1)
    stop = asyncio.create_task(server.stop())
    ack = await engine.until(lambda f: f["type"] == "ack")
    assert ack["seq"] == 1
    with pytest.raises(ConnectionClosed) as closed:
        await engine.next_frame()
    assert closed.value.rcvd.code == 1001
    await stop
