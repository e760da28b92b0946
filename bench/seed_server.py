"""3. Seed-style baseline, processor side: the design of the original README. Every market
message arrives as its own WebSocket frame holding tardis-dev's normalized object as
``JSON.stringify`` writes it (ISO-8601 dates, levels as ``{price, amount}`` objects); it is
decoded with the standard ``json`` module, converted and processed one at a time by the same
``StreamProcessor`` (candles on four timeframes + all features), and every candle it causes is
sent back as its own frame. No batches, no acknowledgements.

    python/.venv/bin/python bench/seed_server.py   (prints {"port": N}, exits on stdin EOF)

Frames in: ``{"type":"hello","exchange":...,"timeframes":[...]}`` first, then market messages,
then ``{"type":"end"}``, answered with the final candles and ``{"type":"done"}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from websockets.asyncio.server import ServerConnection, serve

from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.protocol import BookSnapshot, Disconnect, Trade

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICRO = timedelta(microseconds=1)


def epoch_us(iso: str) -> int:
    return (datetime.fromisoformat(iso) - EPOCH) // MICRO


def convert(msg: dict) -> object | None:
    kind = msg["type"]
    if kind == "trade":
        return Trade(symbol=msg["symbol"], price=msg["price"], amount=msg["amount"], side=msg["side"],
                     ts=epoch_us(msg["timestamp"]))
    if kind == "book_snapshot":
        return BookSnapshot(symbol=msg["symbol"], name=msg["name"], depth=msg["depth"],
                            bids=[(level["price"], level["amount"]) for level in msg["bids"]],
                            asks=[(level["price"], level["amount"]) for level in msg["asks"]],
                            ts=epoch_us(msg["timestamp"]))
    if kind == "disconnect":
        return Disconnect(ts=epoch_us(msg["localTimestamp"]))
    return None


async def session(ws: ServerConnection) -> None:
    hello = json.loads(await ws.recv())
    processor = StreamProcessor(exchange=hello["exchange"], timeframes=hello["timeframes"])
    async for frame in ws:
        msg = json.loads(frame)
        if msg["type"] == "end":
            for event in processor.finish():
                await ws.send(json.dumps(event))
            await ws.send(json.dumps({"type": "done"}))
            continue
        converted = convert(msg)
        if converted is None:
            continue
        events = processor.process([converted])
        events += processor.partials(time.time_ns() // 1000)
        for event in events:
            if event["type"] == "candle":
                await ws.send(json.dumps(event))


async def main() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(65536) else None)
    async with serve(session, "127.0.0.1", 0, compression=None, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(json.dumps({"port": port}), flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
