"""Resource limits: a flood of idle sockets beyond the file-descriptor limit costs one log line
per burst (no traceback per socket) while /health and a real engine are still served; and the
log lines of one connection are never sent to another engine."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import sys

from helpers import T0, EnginePeer, S, trade, url

from market_data_tick_handler.logging_setup import PACKAGE_LOGGER, EngineLogForwarder

SECRET = "3b8e1f0a9c7d6e5f4a3b2c1d0e9f8a7b"


async def http_get(port: int, path: str) -> tuple[str, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body


async def test_idle_socket_flood_past_the_fd_limit(tmp_path):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--host", "127.0.0.1", "--port", "0",
        "--log-dir", str(tmp_path), "--store-dir", str(tmp_path), "--timeframes", "1s",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,  # the log file is read
        env={**os.environ, "TICKBRIDGE_WRITER_TOKEN": SECRET}, preexec_fn=limit)
    idle: list[asyncio.StreamWriter] = []
    try:
        async with asyncio.timeout(30):
            port = json.loads(await proc.stdout.readline())["port"]
        for _ in range(1100):
            try:
                idle.append((await asyncio.open_connection("127.0.0.1", port))[1])
            except OSError:
                pass
        await asyncio.sleep(1.0)  # let the processor accept (and drop) what it can
        async with asyncio.timeout(10):
            status, body = await http_get(port, "/health")
        assert status.endswith("200 OK") and json.loads(body)["status"] == "ok"
        engine, welcome = await EnginePeer.connect(f"ws://127.0.0.1:{port}", token=SECRET, timeframes=["1s"])
        assert welcome["type"] == "welcome"
        await engine.send_batch(1, [trade(T0 + k * S, 100.0) for k in range(10)])
        await engine.ack_for(10)
        await engine.close()
    finally:
        for writer in idle:
            writer.close()
        proc.terminate()
        await proc.wait()
    log = (tmp_path / "python_server.log").read_text()
    assert "Traceback" not in log, "no traceback per refused socket"
    cap_lines = [line for line in log.splitlines() if "connection cap" in line]
    assert 1 <= len(cap_lines) <= 4, cap_lines
    assert "unable to open database file" not in log


async def test_log_lines_of_one_connection_never_reach_another_engine(start_server, caplog):
    caplog.set_level(logging.INFO, logger=PACKAGE_LOGGER)
    forwarder = EngineLogForwarder()
    logging.getLogger(PACKAGE_LOGGER).addHandler(forwarder)
    try:
        server = await start_server(log_forwarder=forwarder)
        engine, _ = await EnginePeer.connect(url(server), stream_id="mine")
        hostile, refused = await EnginePeer.connect(url(server), stream_id="theirs", v=99)
        assert refused["code"] == "bad_hello"
        other, _ = await EnginePeer.connect(url(server), stream_id="theirs")
        await other.ws.send('{"type":"nonsense"}')
        await other.until(lambda f: f["type"] == "error")
        await engine.send_batch(1, [trade(T0, 100.0)])
        await engine.ack_for(1)
        leaked = [f["message"] for f in engine.of_type("log") if "theirs" in f["message"] or "refused" in f["message"]]
        assert leaked == []
        assert any("theirs" in f["message"] for f in other.of_type("log")), "its own lines still reach it"
        for peer in (engine, hostile, other):
            await peer.close()
    finally:
        logging.getLogger(PACKAGE_LOGGER).removeHandler(forwarder)
