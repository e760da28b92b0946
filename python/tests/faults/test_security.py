"""Binding beyond loopback needs TICKBRIDGE_TOKEN, and a wrong or missing token is refused."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from helpers import EnginePeer, hello_frame
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

STRONG = "6f1c0e9a4b7d2358ac91e0f4d6b2c7a8"  # 128 bits as hex


async def start_processor(*args: str, token: str | None, writer_token: str | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in ("TICKBRIDGE_TOKEN", "TICKBRIDGE_WRITER_TOKEN")}
    if token is not None:
        env["TICKBRIDGE_TOKEN"] = token
    if writer_token is not None:
        env["TICKBRIDGE_WRITER_TOKEN"] = writer_token
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--port", "0", "--no-persist", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)


async def test_binding_all_interfaces_without_a_token_is_refused(tmp_path):
    proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token=None)
    async with asyncio.timeout(30):
        _, stderr = await proc.communicate()
    assert proc.returncode == 2
    assert "set TICKBRIDGE_TOKEN" in stderr.decode()


async def test_a_weak_token_is_refused_for_a_public_bind(tmp_path):
    for weak, why in (("a", "1 characters long, too short"), ("a" * 40, "too few distinct characters")):
        proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token=weak)
        async with asyncio.timeout(30):
            _, stderr = await proc.communicate()
        assert proc.returncode == 2 and why in stderr.decode(), stderr.decode()


async def test_with_a_token_only_clients_that_send_it_are_served(tmp_path):
    proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token=STRONG)
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
        engine, welcome = await EnginePeer.connect(url, token=STRONG)
        assert welcome["type"] == "welcome"
        await engine.close()
        log = (tmp_path / "python_server.log").read_text()
        assert STRONG not in log and "guess" not in log
    finally:
        proc.terminate()
        await proc.wait()


async def test_live_feature_stream_sends_the_token_from_the_environment(monkeypatch, tmp_path):
    """A processor that needs a token: LiveFeatureStream's token from TICKBRIDGE_TOKEN is accepted
    (the subscription is answered: no stream runs), a wrong one refused as unauthorized."""
    from tickbridge import LiveFeatureStream, LiveFeatureStreamError

    proc = await start_processor("--host", "0.0.0.0", "--log-dir", str(tmp_path), token=STRONG)
    try:
        url = await read_listening(proc)

        async def first_refusal() -> str:
            stream = LiveFeatureStream(symbol="BTC-USDT", url=url, open_timeout_s=5)
            try:
                async with asyncio.timeout(30):
                    async for _ in stream:
                        pass
            except LiveFeatureStreamError as error:
                return str(error)
            finally:
                await stream.aclose()
            raise AssertionError("the stream ended without an answer to its subscription")

        monkeypatch.setenv("TICKBRIDGE_TOKEN", STRONG)
        accepted = await first_refusal()
        assert accepted.startswith("no running stream matches binance BTC-USDT"), accepted
        monkeypatch.setenv("TICKBRIDGE_TOKEN", "guess")
        refused = await first_refusal()
        assert refused.startswith("unauthorized"), refused
        assert LiveFeatureStream(symbol="BTC-USDT", token="given").token == "given"  # an explicit token wins
    finally:
        proc.terminate()
        await proc.wait()


async def read_listening(proc: asyncio.subprocess.Process) -> str:
    async with asyncio.timeout(30):
        return f"ws://127.0.0.1:{json.loads(await proc.stdout.readline())['port']}"


async def test_writers_need_the_engine_secret_readers_stay_open_on_loopback(tmp_path):
    proc = await start_processor("--log-dir", str(tmp_path), token=None, writer_token=STRONG)
    try:
        url = await read_listening(proc)
        for wrong in (None, "a", STRONG[:-1]):
            engine, first = await EnginePeer.connect(url, token=wrong)
            assert first["code"] == "unauthorized"
            await engine.close()
        async with connect(url) as ws:  # a reader (LiveFeatureStream) needs no token on loopback
            await ws.send(json.dumps({"type": "subscribe", "v": 1, "exchange": "binance", "symbol": "BTCUSDT",
                                      "timeframes": [], "closed_only": True, "token": None}), text=True)
            await ws.send("{}")  # ignored by a subscribed consumer: the connection stays open
            await asyncio.sleep(0.2)
            assert ws.close_code is None
        engine, welcome = await EnginePeer.connect(url, token=STRONG)
        assert welcome["type"] == "welcome"
        await engine.close()
        assert STRONG not in (tmp_path / "python_server.log").read_text()
    finally:
        proc.terminate()
        await proc.wait()


async def test_one_writer_per_stream(tmp_path):
    proc = await start_processor("--log-dir", str(tmp_path), token=None, writer_token=STRONG)
    try:
        url = await read_listening(proc)
        first, welcome = await EnginePeer.connect(url, token=STRONG, stream_id="binance:BTCUSDT", run_id="run-a")
        assert welcome["type"] == "welcome"
        second, refused = await EnginePeer.connect(url, token=STRONG, stream_id="binance:BTCUSDT", run_id="run-b")
        assert refused["code"] == "stream_taken" and "already has a connected engine" in refused["message"]
        await second.close()
        # The same run reconnecting (its old connection half-open) replaces the old connection.
        again, welcome = await EnginePeer.connect(url, token=STRONG, stream_id="binance:BTCUSDT", run_id="run-a")
        assert welcome["type"] == "welcome"
        replaced = await first.until(lambda f: f["type"] == "error")
        assert replaced["code"] == "stream_taken"
        await again.close()
        await first.close()
    finally:
        proc.terminate()
        await proc.wait()
