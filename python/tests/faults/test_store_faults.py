"""A store that cannot be written: candles are not acknowledged beyond what the store holds, the
engine is told (a warning, then an ``error`` frame ``store_failed``), the processor exits with
code 3, and every row not stored is counted. Drives the real processor process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import shutil
import sqlite3
import sys
from pathlib import Path

from helpers import T0, EnginePeer, S, trade

from market_data_tick_handler.timeframes import iso_utc

SECRET = "0c5e7d9a1f3b2468ace0bd13579f2e4c"


async def start(store: Path, log_dir: Path, *, file_size_limit: int | None = None, retry_s: str = "1") -> tuple[asyncio.subprocess.Process, str]:
    def limit() -> None:  # a full disk: writes past this size fail (EFBIG), as on a full tmpfs
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, "TICKBRIDGE_WRITER_TOKEN": SECRET}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--host", "127.0.0.1", "--port", "0",
        "--store-dir", str(store), "--log-dir", str(log_dir), "--store-retry-s", retry_s,
        "--timeframes", "1s", "--lateness-ms", "0", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env, preexec_fn=limit)
    async with asyncio.timeout(30):
        line = await proc.stdout.readline()
    assert line, (await proc.stderr.read()).decode()
    return proc, f"ws://127.0.0.1:{json.loads(line)['port']}"


def stored_starts(store: Path) -> set[str]:
    db = sqlite3.connect(store / "candles.sqlite")
    try:
        return {row[0] for row in db.execute("SELECT start FROM candles")}
    finally:
        db.close()


def one_trade_per_second(first: int, count: int) -> list:
    return [trade(T0 + (first + k) * S, 100.0 + k % 7) for k in range(count)]


async def stream_until_refused(engine: EnginePeer, batches: int, size: int) -> dict:
    """Sends batches (one 1 s bar per message) until the processor sends an error; returns it.
    The first batch is acknowledged (and stored) before the others follow."""
    await engine.send_batch(1, one_trade_per_second(0, size))
    await engine.ack_for(size)
    for b in range(1, batches):
        await engine.send_batch(1 + b * size, one_trade_per_second(b * size, size))
        await asyncio.sleep(0.01)
    return await engine.until(lambda f: f["type"] == "error", timeout=30)


def acked_candles(engine: EnginePeer) -> list[str]:
    """Starts of the closed candles the last ack covers. Trade k (seq k + 1) is alone in its 1 s
    bar, which the next trade (seq k + 2) closes: an ack of seq n covers bars 0 … n - 2. (Candles
    received before an ack are not all covered by it: the processor goes on with later batches
    while a commit runs, so their candles can reach the engine before the earlier ack.)"""
    last_ack = max(f["seq"] for f in engine.frames if f["type"] == "ack")
    covered = {iso_utc(T0 + k * S) for k in range(last_ack - 1)}
    return [f["start"] for f in engine.frames if f["type"] == "candle" and f["closed"] and f["start"] in covered]


async def test_a_full_disk_stops_acks_then_fails_the_stream_and_counts_every_row(tmp_path):
    store = tmp_path / "store"
    proc, url = await start(store, tmp_path, file_size_limit=256 * 1024, retry_s="3")
    try:
        engine, _ = await EnginePeer.connect(url, token=SECRET, timeframes=["1s"], run_id="r", source="file")
        error = await stream_until_refused(engine, batches=40, size=250)
        assert error["code"] == "store_failed" and "full" in error["message"], error
        assert re.search(r"\(\d+ closed candles not stored\)", error["message"]), error
        warning = next(f for f in engine.frames if f["type"] == "log" and "local store degraded" in f["message"])
        assert "not acknowledged" in warning["message"]
        degraded = [f["store"] for f in engine.frames if f["type"] == "stats" and f["store"]["status"] == "degraded"]
        assert degraded and "full" in degraded[0]["reason"], "the stats frames show the store degraded"
        async with asyncio.timeout(30):
            code = await proc.wait()
        assert code == 3, "the processor exits non-zero when its store cannot recover"
    finally:
        if proc.returncode is None:
            proc.kill()
    acked = acked_candles(engine)
    assert acked, "some candles were acknowledged before the disk filled"
    assert set(acked) <= stored_starts(store), "an ack ran ahead of the store"
    sent = [f["start"] for f in engine.frames if f["type"] == "candle" and f["closed"]]
    log = (tmp_path / "python_server.log").read_text()
    lost = int(re.search(r"(\d+) closed candles were not stored", log).group(1))
    assert lost == len(set(sent) - stored_starts(store)) > 0, "every row not stored is counted"


async def test_a_deleted_store_folder_fails_the_stream_at_once(tmp_path):
    store = tmp_path / "store"
    proc, url = await start(store, tmp_path)
    try:
        engine, _ = await EnginePeer.connect(url, token=SECRET, timeframes=["1s"], run_id="r", source="file")
        await engine.send_batch(1, one_trade_per_second(0, 100))
        await engine.ack_for(100)
        assert len(stored_starts(store)) == 99
        shutil.rmtree(store)
        await engine.send_batch(101, one_trade_per_second(100, 100))
        error = await engine.until(lambda f: f["type"] == "error", timeout=10)
        assert error["code"] == "store_failed" and "deleted" in error["message"], error
        assert max(f["seq"] for f in engine.of_type("ack")) == 100, "nothing acknowledged after the deletion"
        async with asyncio.timeout(30):
            assert await proc.wait() == 3
    finally:
        if proc.returncode is None:
            proc.kill()


async def test_a_store_folder_that_cannot_be_created_stops_the_start(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--port", "0", "--store-dir", str(blocker / "store"),
        "--log-dir", str(tmp_path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
    assert proc.returncode == 2 and out == b"", "refused before listening"
    assert "cannot open the local store" in err.decode()
