"""The real command line in a subprocess: listening line, SIGTERM, stdin EOF."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path

import pytest
from helpers import T0, EnginePeer, trade
from websockets.exceptions import ConnectionClosed

from market_data_tick_handler.__main__ import build_parser

PYTHON_DIR = Path(__file__).parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture
async def spawn(tmp_path: Path):
    """Starts the server command; kills what is still running when the test ends."""
    processes: list[asyncio.subprocess.Process] = []

    async def start(*extra: str) -> tuple[asyncio.subprocess.Process, dict]:
        process, listening = await _spawn(tmp_path, processes, *extra)
        return process, listening

    yield start
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _spawn(tmp_path: Path, processes: list, *extra: str) -> tuple[asyncio.subprocess.Process, dict]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PYTHON_DIR / "python_websocket_server.py"), "--host", "127.0.0.1",
        "--port", "0", "--log-dir", str(tmp_path / "logs"), *extra,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path)
    processes.append(process)
    async with asyncio.timeout(15):
        line = await process.stdout.readline()
    listening = json.loads(line)
    return process, listening


async def test_sigterm_flushes_a_final_ack_and_exits_0(tmp_path, spawn):
    process, listening = await spawn()
    assert set(listening) == {"event", "host", "port"} and listening["event"] == "listening"
    assert listening["host"] == "127.0.0.1" and listening["port"] > 0
    engine, welcome = await EnginePeer.connect(f"ws://127.0.0.1:{listening['port']}")
    assert welcome["type"] == "welcome"
    await engine.send_batch(1, [trade(T0, 1.0), trade(T0 + 1, 2.0)])
    await engine.ack_for(2)
    process.send_signal(signal.SIGTERM)
    final = await engine.until(lambda f: f["type"] == "ack")
    assert final["seq"] == 2 and final["state"]["next_seq"] == 3
    with pytest.raises(ConnectionClosed) as closed:
        await engine.next_frame()
    assert closed.value.rcvd.code == 1001
    async with asyncio.timeout(15):
        assert await process.wait() == 0
    assert await process.stdout.read() == b""  # exactly one line on stdout
    log_text = (tmp_path / "logs" / "python_server.log").read_text()
    assert "persist: closed candles go to the local store" in log_text and "stopped" in log_text


async def test_stdin_eof_shuts_down(spawn):
    process, _ = await spawn("--exit-on-stdin-eof")
    process.stdin.close()
    async with asyncio.timeout(15):
        assert await process.wait() == 0


async def test_bad_timeframe_is_a_usage_error(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "market_data_tick_handler", "--timeframes", "7x", "--log-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=PYTHON_DIR)
    _, err = await process.communicate()
    assert process.returncode == 2 and b"invalid timeframe '7x'" in err and b"<N>t (trades)" in err


def test_flags_are_camel_case_and_the_old_kebab_spellings_still_work_unlisted():
    parser = build_parser()
    camel = parser.parse_args(["--storeDir", "s", "--noPersist", "--logDir", "l", "--latenessMs", "5",
                               "--exitOnStdinEof", "--maxFrameBytes", "9"])
    kebab = parser.parse_args(["--store-dir", "s", "--no-persist", "--log-dir", "l", "--lateness-ms", "5",
                               "--exit-on-stdin-eof", "--max-frame-bytes", "9"])
    assert vars(camel) == vars(kebab) and camel.no_persist and camel.lateness_ms == 5
    help_text = parser.format_help()
    assert "--storeDir" in help_text and "--exitOnStdinEof" in help_text
    assert re.search(r"--[a-z]+-[a-z]", help_text) is None, "no kebab-case flag in --help"


@pytest.mark.parametrize("argv, message", [
    (["--maxFrameBytes", "0"], "argument --maxFrameBytes: must be >= 1, got 0"),
    (["--port", "-1"], "argument --port: must be >= 0, got -1"),
    (["--latenessMs", "soon"], "argument --latenessMs: expected a whole number, got 'soon'"),
    (["--lateness-ms", "-5"], "argument --lateness-ms: must be >= 0, got -5"),
])
def test_a_value_out_of_range_is_refused_as_the_flag_is_read(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
