"""End-to-end processor capacity over loopback: a real server process on port 0, and this
process acting as an engine (pre-encoded batches of 100, an in-flight window of 20,000
messages like the engine's), until the ack of the last message.

    python/.venv/bin/python python/bench/bench_server.py [--messages 500000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import msgspec
from bench_processor import TIMEFRAMES, generate
from websockets.asyncio.client import connect

from market_data_tick_handler.protocol import encode

WINDOW = 20_000
SERVER = Path(__file__).parents[1] / "python_websocket_server.py"


async def drive(port: int, count: int) -> float:
    messages = generate(count)
    frames = [encode({"type": "batch", "seq": i + 1, "msgs": messages[i:i + 100]})
              for i in range(0, count, 100)]
    decoder = msgspec.json.Decoder()
    async with connect(f"ws://127.0.0.1:{port}", compression=None, max_size=None) as ws:
        await ws.send(encode({"type": "hello", "v": 1, "stream_id": "bench", "exchange": "binance",
                              "symbols": ["BTCUSDT"], "timeframes": TIMEFRAMES, "mode": "candles",
                              "live": False, "next_seq": 1, "state": None, "token": None}), text=True)
        await ws.recv()
        acked = 0
        window_open = asyncio.Event()
        window_open.set()

        async def read_acks() -> None:
            nonlocal acked
            async for raw in ws:
                frame = decoder.decode(raw)
                if frame["type"] == "ack":
                    acked = frame["seq"]
                    window_open.set()
                    if acked >= count:
                        return

        reader = asyncio.create_task(read_acks())
        started = time.perf_counter()
        for n, frame in enumerate(frames):
            while n * 100 - acked > WINDOW:
                window_open.clear()
                await window_open.wait()
            await ws.send(frame, text=True)
        await reader
        return count / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as logs:
        server = await asyncio.create_subprocess_exec(
            sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", "0", "--log-dir", logs,
            "--exit-on-stdin-eof", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        try:
            listening = json.loads(await server.stdout.readline())
            rate = await drive(listening["port"], args.messages)
            print(f"{args.messages} messages end to end: {rate:,.0f} msg/s")
        finally:
            server.stdin.close()
            await server.wait()


if __name__ == "__main__":
    asyncio.run(main())
