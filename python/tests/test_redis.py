"""Redis delivery against a real redis-server started by the tests (skipped without one):
pub/sub, capped streams, the latest-candle hash, a Redis restart mid-run, and
LiveFeatureStream over Redis fed by a real processor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import redis.asyncio as aioredis
from helpers import T0, EnginePeer, S, trade, url

from market_data_tick_handler.engine_admission import SessionConfig
from market_data_tick_handler.protocol import encode
from market_data_tick_handler.server import ProcessorServer, ServerConfig
from market_data_tick_handler.stats import Stats
from market_data_tick_handler.streaming_service.modes.live_stream import LiveFeatureStream
from market_data_tick_handler.streaming_service.modes.serve_hub import ServeHub
from market_data_tick_handler.streaming_service.redis_publisher import RedisPublisher, channel_name

CHANNEL = "tickbridge:binance:BTCUSDT:15s"


def candle(k: int, *, closed: bool = True, timeframe: str = "15s", symbol: str = "BTCUSDT") -> dict[str, Any]:
    second = 15 * k
    return {"type": "candle", "exchange": "binance", "symbol": symbol, "timeframe": timeframe,
            "start": f"2024-08-08T23:{55 + second // 60:02d}:{second % 60:02d}.000Z",
            "end": f"2024-08-08T23:{55 + (second + 15) // 60:02d}:{(second + 15) % 60:02d}.000Z",
            "closed": closed, "final": False, "open": 100.0 + k, "high": 101.0 + k, "low": 99.0 + k,
            "close": 100.5 + k, "volume": 2.0, "buy_volume": 1.5, "sell_volume": 0.5, "trades": 2,
            "vwap": 100.2 + k, "gap": False, "features": {"obi_5": 0.25, "mid": 100.4 + k}}


async def wait_for(predicate, timeout: float = 10.0, interval: float = 0.02) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = await predicate()
            if value:
                return value
            await asyncio.sleep(interval)


async def _equals(value, expected) -> bool:
    return await value == expected


async def test_publish_stream_and_latest_hash(redis_server):
    client = aioredis.from_url(redis_server.url)
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    publisher = RedisPublisher(redis_server.url)
    try:
        events = [candle(0), candle(1, closed=False), candle(1), candle(2, closed=False)]
        for event in events:
            publisher.publish(event, encode(event))
        publisher.publish({"type": "tick", "exchange": "binance", "msg": None}, b"{}")  # not a candle
        received: list[Any] = []
        async with asyncio.timeout(10):
            while len(received) < len(events):
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message is not None:
                    received.append(msgspec.json.decode(message["data"]))
        assert received == events
        entries = await client.xrange(CHANNEL)
        assert [msgspec.json.decode(fields[b"candle"]) for _, fields in entries] == events
        latest = await client.hgetall(f"{CHANNEL}:latest")
        assert latest[b"start"] == b"2024-08-08T23:55:15.000Z" and latest[b"closed"] == b"true"
        assert float(latest[b"close"]) == 101.5
        assert msgspec.json.decode(latest[b"features"]) == {"obi_5": 0.25, "mid": 101.4}
        assert msgspec.json.decode(latest[b"json"]) == events[2]
        assert channel_name("binance", "BTCUSDT", "15s") == CHANNEL
    finally:
        await publisher.aclose()
        await pubsub.aclose()
        await client.aclose()


async def test_streams_are_capped(redis_server):
    client = aioredis.from_url(redis_server.url)
    publisher = RedisPublisher(redis_server.url, maxlen=50)
    try:
        for k in range(1000):
            event = candle(k % 200, timeframe="1s")
            publisher.publish(event, encode(event))
        await wait_for(lambda: asyncio.sleep(0, publisher.sent == 1000))
        # MAXLEN ~ trims whole stream nodes (100 entries each by default)
        assert 50 <= await client.xlen("tickbridge:binance:BTCUSDT:1s") <= 50 + 100
    finally:
        await publisher.aclose()
        await client.aclose()


async def test_redis_restart_mid_run(redis_server, caplog):
    caplog.set_level(logging.INFO, logger="market_data_tick_handler")
    client = aioredis.from_url(redis_server.url)
    publisher = RedisPublisher(redis_server.url, retry_initial_s=0.05, retry_max_s=0.2)
    try:
        first = candle(0)
        publisher.publish(first, encode(first))
        await wait_for(lambda: client.xlen(CHANNEL))
        await redis_server.stop()  # Redis goes away mid-run (with what it held: --save "")
        during = [candle(k) for k in range(1, 6)]
        for event in during:
            publisher.publish(event, encode(event))  # never blocks, never raises
            await asyncio.sleep(0.05)  # the publisher keeps retrying meanwhile
        await wait_for(lambda: asyncio.sleep(0, not publisher.connected))
        outage_logs = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(outage_logs) == 1  # logged once, however many retries
        await redis_server.start()  # same port
        await client.aclose()
        client = aioredis.from_url(redis_server.url)
        entries = await wait_for(lambda: client.xrange(CHANNEL), timeout=15)
        after = candle(6)
        publisher.publish(after, encode(after))
        await wait_for(lambda: asyncio.sleep(0, publisher.sent == 7), timeout=15)
        entries = await client.xrange(CHANNEL)
        starts = [msgspec.json.decode(fields[b"candle"])["start"] for _, fields in entries]
        assert starts == [e["start"] for e in [*during, after]]  # queued during the outage, then resumed
        latest = await client.hgetall(f"{CHANNEL}:latest")
        assert latest[b"start"] == after["start"].encode()
        assert any("reconnected" in r.getMessage() for r in caplog.records)
        assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    finally:
        await publisher.aclose()
        await client.aclose()


async def test_publisher_with_redis_down_from_the_start_does_not_hold_up_shutdown(tmp_path):
    from redis_server import free_port

    publisher = RedisPublisher(f"redis://127.0.0.1:{free_port()}/0", retry_initial_s=0.05)
    event = candle(0)
    publisher.publish(event, encode(event))
    await wait_for(lambda: asyncio.sleep(0, publisher._down))
    async with asyncio.timeout(5):
        await publisher.aclose(timeout_s=0.5)


async def test_live_feature_stream_over_redis_from_a_processor(redis_server):
    """Processor (engine session -> hub -> RedisPublisher) -> Redis -> LiveFeatureStream(redis_url)."""
    publisher = RedisPublisher(redis_server.url)
    hub = ServeHub(history=0, publishers=[publisher], serving=False)
    server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, session=SessionConfig(lateness_ms=0)),
                             stats=Stats(), hub=hub)
    await server.start()
    got: list[dict[str, Any]] = []
    try:
        engine, _ = await EnginePeer.connect(url(server), timeframes=["15s", "1m"],
                                             symbols=["BTCUSDT", "ETHUSDT"])
        bars = [trade(T0 + k * 15 * S + 1, 100.0 + k) for k in range(3)]  # closes 55:00 and 55:15
        bars.append(trade(T0 + 2 * S, 3000.0, symbol="ETHUSDT"))  # another symbol: not followed
        await engine.send_batch(1, bars)
        async with LiveFeatureStream(symbol="BTC-USDT", timeframes=["15s"], redis_url=redis_server.url,
                                     reconnect_initial_s=0.05) as stream:
            async with asyncio.timeout(10):
                async for event in stream:
                    got.append(event)
                    if len(got) == 2:
                        await engine.send_batch(5, [trade(T0 + 4 * 15 * S + 1, 110.0)])  # closes 55:30, 55:45
                    if len(got) == 4:
                        break
        await engine.close()
    finally:
        await server.stop()
    assert [(e["symbol"], e["timeframe"], e["start"][14:19], e["closed"]) for e in got] == [
        ("BTCUSDT", "15s", "55:00", True), ("BTCUSDT", "15s", "55:15", True),
        ("BTCUSDT", "15s", "55:30", True), ("BTCUSDT", "15s", "55:45", True)]
    assert got[0]["close"] == 100.0 and "obi_5" in got[0]["features"]


async def test_live_feature_stream_survives_a_redis_restart(redis_server):
    publisher = RedisPublisher(redis_server.url, retry_initial_s=0.05, retry_max_s=0.2)
    got: list[dict[str, Any]] = []
    try:
        async with LiveFeatureStream(symbol="btc_usdt", redis_url=redis_server.url,
                                     reconnect_initial_s=0.05, reconnect_max_s=0.2) as stream:
            first = candle(0)
            publisher.publish(first, encode(first))
            async with asyncio.timeout(15):
                async for event in stream:
                    got.append(event)
                    if len(got) == 1:
                        await redis_server.stop()
                        await redis_server.start()
                        for k in (0, 1, 2):  # 0 again (a resend): yielded once only
                            event = candle(k)
                            publisher.publish(event, encode(event))
                    if len(got) == 3:
                        break
    finally:
        await publisher.aclose()
    assert [e["start"][14:19] for e in got] == ["55:00", "55:15", "55:30"]


async def test_processor_keeps_serving_while_redis_restarts(redis_server, caplog):
    """Mid-run outage at the processor level: engine acks and WebSocket consumers are unaffected;
    the candles closed meanwhile reach Redis once it is back."""
    caplog.set_level(logging.INFO, logger="market_data_tick_handler")
    publisher = RedisPublisher(redis_server.url, retry_initial_s=0.05, retry_max_s=0.2)
    hub = ServeHub(history=100, publishers=[publisher])
    server = ProcessorServer(ServerConfig(host="127.0.0.1", port=0, session=SessionConfig(lateness_ms=0)),
                             stats=Stats(), hub=hub)
    await server.start()
    client = aioredis.from_url(redis_server.url)
    try:
        engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
        await engine.send_batch(1, [trade(T0 + 1, 100.0), trade(T0 + 15 * S + 1, 101.0)])  # closes 55:00
        await wait_for(lambda: client.exists(f"{CHANNEL}:latest"))
        await redis_server.stop()
        await engine.send_batch(3, [trade(T0 + 30 * S + 1, 102.0), trade(T0 + 45 * S + 1, 103.0)])
        await engine.ack_for(4)  # the processor goes on (closes 55:15 and 55:30)
        async with LiveFeatureStream(symbol="BTCUSDT", timeframes=["15s"], url=url(server)) as stream:
            got = []
            async with asyncio.timeout(5):
                async for event in stream:  # served from memory
                    got.append(event["start"][14:19])
                    if len(got) == 3:
                        break
        assert got == ["55:00", "55:15", "55:30"]
        await wait_for(lambda: asyncio.sleep(0, not publisher.connected))
        await redis_server.start()
        await client.aclose()
        client = aioredis.from_url(redis_server.url)
        async def latest_start() -> bytes | str | None:
            return (await client.hgetall(f"{CHANNEL}:latest")).get(b"start")

        # what closed during the outage reaches Redis once it is back
        assert await wait_for(lambda: _equals(latest_start(), b"2024-08-08T23:55:30.000Z"), timeout=15)
        assert await client.xlen(CHANNEL) >= 2
        await engine.close()
        assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    finally:
        await server.stop()
        await client.aclose()
