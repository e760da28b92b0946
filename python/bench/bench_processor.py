"""Processor throughput, no I/O: a generated trade / book-snapshot mix (about 1 trade to 3
five-level snapshots, a derivative ticker now and then), 4 timeframes, all features.

    python/.venv/bin/python python/bench/bench_processor.py [--messages 300000] [--repeat 3] [--json]

Prints messages/s for ``process`` alone (pre-decoded Structs) and for decode + process
(JSON batches of 100 messages through the typed msgspec decoder, as the server does); with
``--json``, one JSON object instead (what ``npm run bench`` reads).

``--baseline REF`` (default: the last commit with one stream clock) also runs that commit's
processor (read with ``git show``) on the same messages, interleaved with this one, and prints
what the per-symbol time model (docs/features.md) costs in throughput. Rates are measured on
CPU time (``time.process_time``), so other processes on the machine disturb them less.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from market_data_tick_handler.processor import StreamProcessor
from market_data_tick_handler.protocol import encode, inbound_decoder

TIMEFRAMES = ["15s", "1m", "5m", "15m"]
BASELINE = "c45fb33"  # one stream clock: a bar closed when any message reached its end
MODULES = ("__init__", "candles", "features", "processor", "protocol", "timeframes")
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
                        "side": rng.choice(("buy", "sell", "buy", "sell", "unknown")), "ts": ts,
                        "lts": ts + 1_200})
        elif roll < 0.995:
            bid = round(mid - 0.05, 2)
            out.append({"type": "book_snapshot", "symbol": "BTCUSDT", "name": "book_snapshot_5_0ms", "depth": 5,
                        "bids": [[round(bid - 0.1 * k, 2), round(rng.uniform(0.01, 5.0), 3)] for k in range(5)],
                        "asks": [[round(bid + 0.1 + 0.1 * k, 2), round(rng.uniform(0.01, 5.0), 3)] for k in range(5)],
                        "ts": ts, "lts": ts + 1_200})
        else:
            out.append({"type": "derivative_ticker", "symbol": "BTCUSDT", "last_price": mid,
                        "open_interest": 80_000.0 + n / 100.0, "funding_rate": 0.0001,
                        "index_price": mid - 3.0, "mark_price": mid + 1.0, "ts": ts, "lts": ts + 1_200})
    return out


def batches(messages: list[dict], size: int = 100) -> list[bytes]:
    return [encode({"type": "batch", "seq": i + 1, "msgs": messages[i:i + size]})
            for i in range(0, len(messages), size)]


def load_baseline(ref: str):
    """The processor module and batch decoder of commit ``ref`` (``None`` without git)."""
    root = Path(__file__).resolve().parents[1]
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-")) / "baseline_handler"
    folder.mkdir()
    try:
        for name in MODULES:
            text = subprocess.run(["git", "show", f"{ref}:python/market_data_tick_handler/{name}.py"],
                                  cwd=root, capture_output=True, text=True, check=True).stdout
            (folder / f"{name}.py").write_text(text)
    except (OSError, subprocess.CalledProcessError):
        return None
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module("baseline_handler.processor"), importlib.import_module("baseline_handler.protocol")


def measure(processor_cls, decoder, frames: list[bytes], count: int) -> tuple[float, float, int]:
    """(process-only msg/s, decode + process msg/s, closed candles) of one pass each."""
    structs = [m for frame in frames for m in decoder.decode(frame).msgs]
    processor = processor_cls(exchange="binance", timeframes=TIMEFRAMES)
    t0 = time.process_time()
    candles = len(processor.process(structs))
    process = count / (time.process_time() - t0)
    processor = processor_cls(exchange="binance", timeframes=TIMEFRAMES)
    t0 = time.process_time()
    for frame in frames:
        batch = decoder.decode(frame)
        processor.process_batch(batch.seq, batch.msgs)
    return process, count / (time.process_time() - t0), candles


def run(count: int, repeat: int, as_json: bool = False, baseline: str | None = BASELINE) -> None:
    messages = generate(count)
    frames = batches(messages)
    old = load_baseline(baseline) if baseline else None
    best = [0.0, 0.0]
    best_old = [0.0, 0.0]
    candles = 0
    for _ in range(repeat):  # interleaved: both see the same machine load
        process, total, candles = measure(StreamProcessor, inbound_decoder, frames, count)
        best = [max(best[0], process), max(best[1], total)]
        if old is not None:
            process, total, _ = measure(old[0].StreamProcessor, old[1].inbound_decoder, frames, count)
            best_old = [max(best_old[0], process), max(best_old[1], total)]
    best_process, best_total = best
    cost = {"process": 1 - best[0] / best_old[0], "decode_process": 1 - best[1] / best_old[1]} if old else None
    if as_json:
        print(json.dumps({"messages": count, "batches": len(frames), "closed_candles": candles,
                          "process_per_s": best_process, "decode_process_per_s": best_total,
                          "per_symbol_model_cost": cost}))
        return
    print(f"{count} messages, {len(frames)} batches, {candles} closed candles, timeframes {' '.join(TIMEFRAMES)}")
    print(f"process only:     {best_process:,.0f} msg/s ({1e6 / best_process:.2f} us/msg)")
    print(f"decode + process: {best_total:,.0f} msg/s ({1e6 / best_total:.2f} us/msg)")
    if cost is None:
        print(f"per-symbol time model: no baseline ({baseline or 'none'} not readable with git)")
        return
    print(f"stream-clock model ({baseline}): {best_old[0]:,.0f} msg/s process only, "
          f"{best_old[1]:,.0f} msg/s decode + process")
    print(f"per-symbol time model costs {cost['process']:.1%} of process-only throughput, "
          f"{cost['decode_process']:.1%} of decode + process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"git commit to compare with (default {BASELINE}; '' for none)")
    args = parser.parse_args()
    run(args.messages, args.repeat, args.json, args.baseline or None)


if __name__ == "__main__":
    main()
