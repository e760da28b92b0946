"""Processor throughput, no I/O: a generated trade / book-snapshot mix (about 1 trade to 3
five-level snapshots, a derivative ticker now and then), 4 timeframes, all features.

    python/.venv/bin/python python/bench/bench_processor.py [--messages 300000] [--repeat 3] [--json]

Prints messages/s for ``process`` alone (pre-decoded Structs) and for decode + process
(JSON batches of 100 messages through the typed msgspec decoder, as the server does); with
``--json``, one JSON object instead (what ``npm run bench`` reads).
"""

from __future__ import annotations

import argparse
import json
import random
import time

from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.protocol import Batch, encode, inbound_decoder

TIMEFRAMES = ["15s", "1m", "5m", "15m"]
START_US = 1_723_161_240_000_000  # 2024-08-08T23:54:00Z


def generate(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    mid = 61_234.5
    ts = START_US
    out: list[dict] = []
    for n in range(count):
        ts += rng.randint(200, 3_800)  # ~500 messages per second of exchange time
        mid = max(1.0, mid + rng.gauss(0.0, 0.8))
        roll = rng.random()
        if roll < 0.25:
            out.append({"type": "trade", "symbol": "BTCUSDT", "price": round(mid + rng.choice((-0.05, 0.05)), 2),
                        "amount": round(rng.expovariate(20.0), 4) + 0.0001,
                        "side": rng.choice(("buy", "sell", "buy", "sell", "unknown")), "ts": ts})
        elif roll < 0.995:
            bid = round(mid - 0.05, 2)
            out.append({"type": "book_snapshot", "symbol": "BTCUSDT", "name": "book_snapshot_5_0ms", "depth": 5,
                        "bids": [[round(bid - 0.1 * k, 2), round(rng.uniform(0.01, 5.0), 3)] for k in range(5)],
                        "asks": [[round(bid + 0.1 + 0.1 * k, 2), round(rng.uniform(0.01, 5.0), 3)] for k in range(5)],
                        "ts": ts})
        else:
            out.append({"type": "derivative_ticker", "symbol": "BTCUSDT", "last_price": mid,
                        "open_interest": 80_000.0 + n / 100.0, "funding_rate": 0.0001,
                        "index_price": mid - 3.0, "mark_price": mid + 1.0, "ts": ts})
    return out


def batches(messages: list[dict], size: int = 100) -> list[bytes]:
    return [encode({"type": "batch", "seq": i + 1, "msgs": messages[i:i + size]})
            for i in range(0, len(messages), size)]


def run(count: int, repeat: int, as_json: bool = False) -> None:
    messages = generate(count)
    frames = batches(messages)
    structs = [m for frame in frames for m in inbound_decoder.decode(frame).msgs]
    best_process = best_total = 0.0
    candles = 0
    for _ in range(repeat):
        processor = StreamProcessor(exchange="binance", timeframes=TIMEFRAMES)
        t0 = time.perf_counter()
        candles = len(processor.process(structs))
        best_process = max(best_process, count / (time.perf_counter() - t0))

        processor = StreamProcessor(exchange="binance", timeframes=TIMEFRAMES)
        t0 = time.perf_counter()
        for frame in frames:
            batch = inbound_decoder.decode(frame)
            assert isinstance(batch, Batch)
            processor.process_batch(batch.seq, batch.msgs)
        best_total = max(best_total, count / (time.perf_counter() - t0))
    if as_json:
        print(json.dumps({"messages": count, "batches": len(frames), "closed_candles": candles,
                          "process_per_s": best_process, "decode_process_per_s": best_total}))
        return
    print(f"{count} messages, {len(frames)} batches, {candles} closed candles, timeframes {' '.join(TIMEFRAMES)}")
    print(f"process only:     {best_process:,.0f} msg/s ({1e6 / best_process:.2f} us/msg)")
    print(f"decode + process: {best_total:,.0f} msg/s ({1e6 / best_total:.2f} us/msg)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    run(args.messages, args.repeat, args.json)


if __name__ == "__main__":
    main()
