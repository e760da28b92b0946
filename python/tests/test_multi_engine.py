"""Several engines, one Redis (docs/data.md, "Several engines, one Redis"): two real
`tickbridge run` processes, each with its own processor and symbol group, publish into one real
redis-server; LiveFeatureStream(redis_url=...) follows either symbol and `tickbridge export
--redisUrl` reads both."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tickbridge import LiveFeatureStream, read_candles

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"


def engine(redis_url: str, exchange: str, symbol: str, work: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["node", str(CLI), "run", "--source", "demo", "--exchange", exchange, "--symbol", symbol,
         "--timeframes", "1s", "--duration", "4s", "--json", "--closedOnly", "--redisUrl", redis_url,
         "--storeDir", str(work / symbol / "data"), "--logDir", str(work / symbol / "logs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "TICKBRIDGE_PYTHON": sys.executable})


@pytest.mark.slow
async def test_two_engines_one_redis(redis_server, tmp_path: Path) -> None:
    if shutil.which("node") is None or not CLI.exists():
        pytest.skip("the TypeScript build (dist/) or node is missing: run `npm run setup`")
    engines = [engine(redis_server.url, "binance", "BTCUSDT", tmp_path),
               engine(redis_server.url, "binance-futures", "ETHUSDT", tmp_path)]
    followed: dict[str, list[dict]] = {}

    async def follow(symbol: str, exchange: str) -> None:
        async with LiveFeatureStream(symbol=symbol, exchange=exchange, redis_url=redis_server.url,
                                     reconnect_initial_s=0.05) as stream:
            async for candle in stream:
                followed.setdefault(symbol, []).append(candle)
                if len(followed[symbol]) == 2:
                    return

    try:
        async with asyncio.timeout(60):
            await asyncio.gather(follow("BTC-USDT", "binance"), follow("ETH-USDT", "binance-futures"))
    finally:
        results = [await asyncio.to_thread(p.communicate, timeout=60) for p in engines]
    assert [p.returncode for p in engines] == [0, 0], [err for _, err in results]
    assert {c["symbol"] for c in followed["BTC-USDT"]} == {"BTCUSDT"}
    assert {(c["exchange"], c["symbol"]) for c in followed["ETH-USDT"]} == {("binance-futures", "ETHUSDT")}

    out = tmp_path / "all.parquet"
    export = await asyncio.to_thread(subprocess.run, [
        "node", str(CLI), "export", "--redisUrl", redis_server.url, "--timeframes", "1s", "--out", str(out)],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "TICKBRIDGE_PYTHON": sys.executable})
    assert export.returncode == 0, export.stderr
    table = pq.read_table(out)
    pairs = set(zip(table.column("exchange").to_pylist(), table.column("symbol").to_pylist(), strict=True))
    assert pairs == {("binance", "BTCUSDT"), ("binance-futures", "ETHUSDT")}
    assert str(table.schema.field("start").type) == "timestamp[ms, tz=UTC]"
    frame = read_candles(redis_url=redis_server.url, symbol="ETH-USDT")
    assert set(frame["symbol"]) == {"ETHUSDT"} and frame["start"].is_monotonic_increasing
    refused = await asyncio.to_thread(subprocess.run, [
        "node", str(CLI), "export", "--redisUrl", redis_server.url, "--source", "live"],
        capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "TICKBRIDGE_PYTHON": sys.executable})
    assert refused.returncode == 2 and "carry no source" in refused.stderr
