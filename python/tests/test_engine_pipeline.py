"""The real engine drives the processor: a LiveFeatureStream consumer receives candles with
every feature, from a replay of a real capture and from the demo futures exchange."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import url

from market_data_tick_handler.streaming_service.modes.serve_mode import LiveFeatureStream

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"
FUTURES = ROOT.parent / "shared" / "data" / "binance-futures_btcusdt_20240808.raw.gz"
FEATURES = {
    "spread_bps", "mid", "weighted_mid", "obi_5", "ofi", "realized_vol", "signed_volume",
    "trade_imbalance", "trade_intensity", "funding_rate", "mark_price", "index_price",
    "open_interest", "basis_bps", "open_interest_change", "liq_buy_notional",
    "liq_sell_notional", "liq_imbalance",
}
BOOK_AND_TRADE = ["spread_bps", "mid", "weighted_mid", "obi_5", "ofi", "realized_vol",
                  "signed_volume", "trade_imbalance", "trade_intensity"]
DERIVATIVE = ["funding_rate", "mark_price", "index_price", "open_interest", "basis_bps"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CLI.exists(), reason=f"engine not built ({CLI}): run `npm run setup`"),
    pytest.mark.skipif(shutil.which("node") is None, reason="node not on PATH"),
]


async def engine(*args: str, log_dir: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        "node", str(CLI), "stream", *args, "--logDir", str(log_dir),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=os.environ.copy())


async def wait_for_consumer(server: Any) -> None:
    async with asyncio.timeout(10):
        while server.stats.consumers < 1:
            await asyncio.sleep(0.02)


@pytest.mark.skipif(not FUTURES.exists(), reason=f"real captures not found in {FUTURES.parent}")
async def test_live_feature_stream_receives_every_feature_from_a_replay(start_server, tmp_path):
    server = await start_server()
    candles: list[dict[str, Any]] = []

    async def consume() -> None:
        async with LiveFeatureStream(symbol="BTC-USDT", exchange="binance-futures", wait=True,
                                     timeframes=["15s", "1m"], url=url(server)) as stream:
            async for candle in stream:
                candles.append(candle)

    consumer = asyncio.create_task(consume())
    await wait_for_consumer(server)
    proc = await engine("--source", "file", "--file", str(FUTURES), "--exchange", "binance-futures",
                        "--symbol", "BTCUSDT", "--dataTypes", "trades,book_snapshot_5",
                        "--timeframes", "15s,1m", "--pythonWebSocketUrl", url(server), log_dir=tmp_path)
    async with asyncio.timeout(120):
        _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    async with asyncio.timeout(10):
        while not any(c["final"] and c["timeframe"] == "1m" for c in candles):
            await asyncio.sleep(0.02)
    consumer.cancel()

    closed = [c for c in candles if c["closed"]]
    keys = [(c["timeframe"], c["start"]) for c in candles]
    assert len(keys) == len(set(keys)), "no candle twice"
    assert {c["timeframe"] for c in closed} == {"15s", "1m"}
    assert len([c for c in closed if c["timeframe"] == "1m"]) >= 5  # six minutes of data
    for candle in closed:
        assert set(candle["features"]) == FEATURES
        assert candle["symbol"] == "BTCUSDT" and candle["exchange"] == "binance-futures"
        for name in BOOK_AND_TRADE:
            assert candle["features"][name] is not None, (name, candle["start"])


async def test_live_feature_stream_receives_derivative_and_liquidation_features_from_demo(start_server, tmp_path):
    server = await start_server()
    seen: dict[str, bool] = {}

    async def consume() -> None:
        async with LiveFeatureStream(symbol="BTC-USDT", exchange="binance-futures", wait=True,
                                     timeframes=["1s"], url=url(server)) as stream:
            async for candle in stream:
                f = candle["features"]
                if all(f[name] is not None for name in DERIVATIVE + BOOK_AND_TRADE):
                    seen["derivative"] = True
                if f["liq_buy_notional"] + f["liq_sell_notional"] > 0:
                    assert f["liq_imbalance"] != 0
                    seen["liquidation"] = True
                if len(seen) == 2:
                    return

    consumer = asyncio.create_task(consume())
    await wait_for_consumer(server)
    proc = await engine("--source", "demo", "--exchange", "binance-futures", "--symbol", "BTCUSDT",
                        "--timeframes", "1s", "--demoRate", "2000",
                        "--pythonWebSocketUrl", url(server), log_dir=tmp_path)
    try:
        async with asyncio.timeout(90):
            await consumer
    finally:
        proc.terminate()
        await proc.wait()
    assert seen == {"derivative": True, "liquidation": True}
