"""Serve mode: history then live, slow consumers, ticks, and LiveFeatureStream."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import msgspec
import pytest
from helpers import T0, EnginePeer, S, trade, url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from market_data_tick_handler.protocol import encode
from market_data_tick_handler.streaming_service.modes.serve_mode import LiveFeatureStream, normalize_symbol


def subscribe(**overrides: Any) -> bytes:
    frame = {"type": "subscribe", "v": 1, "exchange": "binance", "symbol": "BTC-USDT",
             "timeframes": ["15s"], "closed_only": True, "token": None}
    frame.update(overrides)
    return encode(frame)


async def recv_json(ws, timeout: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        return msgspec.json.decode(await ws.recv())


def bar_trades(first_bar: int, bars: int, step_s: int = 15) -> list:
    return [trade(T0 + (first_bar + k) * step_s * S + 1, 100.0 + first_bar + k) for k in range(bars)]


def test_symbols_match_ignoring_case_and_separators():
    assert normalize_symbol("BTC-USDT") == normalize_symbol("btc_usdt") == normalize_symbol("BTC/USDT") == "btcusdt"


async def test_consumer_gets_history_then_live(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, bar_trades(0, 4))  # closes the 15s bars 55:00, 55:15, 55:30
    await engine.ack_for(4)
    async with connect(url(server)) as ws:
        await ws.send(subscribe(), text=True)
        announced = await recv_json(ws)
        assert (announced["type"], announced["history"], announced["matched"]) == ("subscribed", 3, True)
        assert announced["streams"] == [{"stream_id": "s1", "exchange": "binance", "symbols": ["BTCUSDT"],
                                         "timeframes": ["15s", "1m"], "mode": "candles"}]
        history = [await recv_json(ws) for _ in range(3)]
        assert [c["start"][14:19] for c in history] == ["55:00", "55:15", "55:30"]
        assert all(c["closed"] and c["timeframe"] == "15s" for c in history)
        await engine.send_batch(5, bar_trades(4, 1))  # closes 55:45 (and the 1m bar: filtered)
        live = await recv_json(ws)
        assert (live["start"][14:19], live["timeframe"], live["closed"]) == ("55:45", "15s", True)


async def test_consumer_of_all_updates_gets_partials(start_server):
    server = await start_server(session={"partial_interval_ms": 1})
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, bar_trades(0, 2))
    await engine.ack_for(2)
    async with connect(url(server)) as ws:
        await ws.send(subscribe(timeframes=[], closed_only=False, symbol="btcusdt"), text=True)
        assert (await recv_json(ws))["history"] == 1
        history = await recv_json(ws)  # the consumer is registered once history arrives
        assert (history["start"][14:19], history["closed"]) == ("55:00", True)
        await engine.send_batch(3, [trade(T0 + 20 * S, 10.0)])
        seen = {(c["timeframe"], c["closed"], c["close"]) for c in [await recv_json(ws), await recv_json(ws)]}
        assert seen == {("15s", False, 10.0), ("1m", False, 10.0)}


async def consumers_seen(engine: EnginePeer, count: int) -> None:
    """Waits for a stats frame counting ``count`` consumers (the server registered them)."""
    await engine.until(lambda f: f["type"] == "stats" and f["consumers"] == count)


async def test_ticks_mode_serves_ticks(start_server):
    server = await start_server(stats_interval_s=0.02)
    engine, _ = await EnginePeer.connect(url(server), mode="ticks")
    async with connect(url(server)) as ws:
        await ws.send(subscribe(mode="ticks"), text=True)
        assert (await recv_json(ws))["matched"] is True
        await consumers_seen(engine, 1)
        await engine.send_batch(1, [trade(T0, 10.0)])
        tick = await recv_json(ws)
        assert tick["type"] == "tick" and tick["exchange"] == "binance"
        assert tick["msg"] == {"type": "trade", "symbol": "BTCUSDT", "price": 10.0, "amount": 1.0,
                               "side": "buy", "ts": T0, "lts": None}
        assert (await engine.ack_for(1))["seq"] == 1
        assert engine.of_type("candle") == []


async def test_no_serve_refuses_consumers(start_server):
    server = await start_server(serve=False)
    async with connect(url(server)) as ws:
        await ws.send(subscribe(), text=True)
        error = await recv_json(ws)
        assert error["type"] == "error" and "--noServe" in error["message"]
        with pytest.raises(ConnectionClosed) as closed:
            await recv_json(ws)
        assert closed.value.rcvd.code == 1008


async def test_slow_consumer_is_closed_while_others_keep_receiving(start_server):
    server = await start_server(history=0, queue_limit=300, stats_interval_s=0.02)
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    tiny.connect(("127.0.0.1", server.port))
    slow = await connect(url(server), sock=tiny, max_queue=1)
    fast = await connect(url(server))
    await slow.send(subscribe(), text=True)
    await fast.send(subscribe(), text=True)
    await consumers_seen(engine, 2)

    received = 0
    progress = asyncio.Event()

    async def read_fast() -> None:
        nonlocal received
        async for _ in fast:
            received += 1
            progress.set()

    reader = asyncio.create_task(read_fast())
    seq, bars = 1, 0
    while server.hub.consumer_count == 2:  # until the slow one is dropped
        assert bars < 200_000, "the slow consumer was never dropped"
        await engine.send_batch(seq, bar_trades(bars, 100))
        await engine.ack_for(seq + 99)
        seq, bars = seq + 100, bars + 100
    await engine.send_batch(seq, bar_trades(bars, 100))
    await engine.ack_for(seq + 99)
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            async for _ in slow:
                pass
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "consumer too slow")
    async with asyncio.timeout(10):
        while received < 1 + bars + 99:
            progress.clear()
            await progress.wait()
    assert received == 1 + bars + 99  # `subscribed`, then every closed bar so far (the last is open)
    reader.cancel()
    await fast.close()


async def test_live_feature_stream_yields_candles(start_server):
    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server))
    await engine.send_batch(1, bar_trades(0, 3))
    await engine.ack_for(3)
    got = []
    async with LiveFeatureStream(symbol="BTC-USDT", timeframes=["15s"], url=url(server)) as stream:
        async with asyncio.timeout(5):
            async for candle in stream:
                got.append(candle)
                if len(got) == 2:
                    await engine.send_batch(4, bar_trades(3, 1))
                if len(got) == 3:
                    break
    assert [c["start"][14:19] for c in got] == ["55:00", "55:15", "55:30"]
    assert set(got[0]) == {"type", "exchange", "symbol", "timeframe", "start", "end", "closed", "final",
                           "open", "high", "low", "close", "volume", "buy_volume", "sell_volume", "trades",
                           "vwap", "gap", "partial", "features", "history", "after_gap"}


async def test_live_feature_stream_reconnects_without_duplicates(start_server):
    first = await start_server()
    port = first.port
    engine, _ = await EnginePeer.connect(url(first), timeframes=["15s"])
    await engine.send_batch(1, bar_trades(0, 2))     # closes 55:00
    early = await engine.ack_for(2)                   # state after 2 messages
    await engine.send_batch(3, bar_trades(2, 2))     # closes 55:15, 55:30
    await engine.ack_for(4)

    stream = LiveFeatureStream(symbol="BTC-USDT", timeframes=["15s"], url=url(first),
                               reconnect_initial_s=0.02, reconnect_max_s=0.2)
    got: list[dict] = []
    async with stream:
        iterator = stream.__aiter__()
        async with asyncio.timeout(10):
            while len(got) < 3:
                got.append(await iterator.__anext__())
            await first.stop()
            second = await start_server(port=port)
            # the engine resumes from an older ack: 55:15 and 55:30 are closed (sent) again
            engine, _ = await EnginePeer.connect(url(second), timeframes=["15s"], next_seq=3, state=early["state"])
            await engine.send_batch(3, bar_trades(2, 4))
            await engine.ack_for(6)
            while len(got) < 5:
                got.append(await iterator.__anext__())
    assert [c["start"][14:19] for c in got] == ["55:00", "55:15", "55:30", "55:45", "56:00"]
    assert stream.connections == 2


async def test_live_feature_stream_yields_final_candles_once(start_server):
    from helpers import end

    server = await start_server()
    engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])
    stream = LiveFeatureStream(symbol="BTCUSDT", timeframes=["15s"], url=url(server))
    got: list[dict] = []
    async with stream:
        iterator = stream.__aiter__()
        async with asyncio.timeout(10):
            await engine.send_batch(1, bar_trades(0, 2))
            await engine.ack_for(2)
            got.append(await iterator.__anext__())  # history or live: the consumer is registered
            await engine.send_batch(3, [*bar_trades(2, 1), end()])
            await engine.ack_for(4)
            await engine.close()
            engine, _ = await EnginePeer.connect(url(server), timeframes=["15s"])  # a new run resends all
            await engine.send_batch(1, [*bar_trades(0, 3), end(), *bar_trades(10, 2)])
            while len(got) < 4:
                got.append(await iterator.__anext__())
    assert [(c["start"][14:19], c["closed"], c["final"]) for c in got] == [
        ("55:00", True, False), ("55:15", True, False), ("55:30", False, True), ("57:30", True, False)]
