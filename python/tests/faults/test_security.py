"""Binding beyond loopback needs TICKBRIDGE_TOKEN, and a wrong or missing token is refused."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from helpers import EnginePeer, hello_frame
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def start_processor(*args: str, token: str | None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "TICKBRIDGE_TOKEN"}
    if token is not None:
        env["TICKBRIDGE_TOKEN"] = token
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--port", "0", "--no-persist", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)


async def test_binding_all_interfaces_without_a_token_is_refused(tmp_path):
    proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token=None)
    async with asyncio.timeout(30):
        _, stderr = await proc.communicate()
    assert proc.returncode == 2
    assert "set TICKBRIDGE_TOKEN" in stderr.decode()


async def test_with_a_token_only_clients_that_send_it_are_served(tmp_path):
    proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token="s3cret-token")
    try:
        async with asyncio.timeout(30):
            listening = json.loads(await proc.stdout.readline())
        url = f"ws://127.0.0.1:{listening['port']}"
        for wrong in (None, "guess"):
            async with connect(url) as ws:
                await ws.send(hello_frame(token=wrong), text=True)
                error = json.loads(await ws.recv())
                assert error["code"] == "unauthorized"
                try:
                    await ws.recv()
                except ConnectionClosed:
                    pass
                assert ws.close_code == 1008
            async with connect(url) as ws:
                await ws.send(json.dumps({"type": "subscribe", "v": 1, "exchange": "binance", "symbol": "BTCUSDT",
                                          "timeframes": [], "closed_only": True, "token": wrong}), text=True)
                assert json.loads(await ws.recv())["code"] == "unauthorized"
        engine, welcome = await EnginePeer.connect(url, token="s3cret-token")
        assert welcome["type"] == "welcome"
        await engine.close()
        log = (tmp_path / "python_server.log").read_text()
        assert "s3cret-token" not in log and "guess" not in log
    finally:
        proc.terminate()
        await proc.wait()


async def test_live_feature_stream_sends_the_token_from_the_environment(monkeypatch):
    from market_data_tick_handler.streaming_service.modes.serve_mode import LiveFeatureStream

    monkeypatch.setenv("TICKBRIDGE_TOKEN", "from-env")
    assert LiveFeatureStream(symbol="BTC-USDT").token == "from-env"
    assert LiveFeatureStream(symbol="BTC-USDT", token="given").token == "given"
