"""Every fenced code block of README.md and docs/*.md runs as written (docs/data.md).

Rules, by the block's language:
- ``python``: run as written with the processor's Python, in a folder where a demo stream runs
  (``npx tickbridge start --source demo``, its store in ``./data``; ``TICKBRIDGE_URL`` points at
  its processor). A block that ends must exit 0. A block that follows a live stream passes once
  it printed a line, or when it is still running after ``FOLLOW_S`` seconds with nothing on
  stderr (a subscription that matches no stream raises at once; an unreachable processor warns).
  ``redis://localhost:6379/0`` means the test's private redis-server (in bash lines too).
- ``bash``: each command line (``\\`` continuations joined) must match a rule of ``BASH_RULES``:
  run it (``npx tickbridge`` is this checkout's CLI, ``--duration`` is cut to 3 s,
  ``../shared/`` is the captures folder beside the checkout, ``redis-cli`` talks to the private
  redis-server), or not run it, for the reason given. A line no rule covers fails the test.
- ``json``: parses; a fragment ``"key": ...`` is parsed inside braces; a block containing
  ``...`` is an illustration and is not parsed. ``sql`` blocks are BigQuery queries (Google
  Cloud is unreachable here). A block without a language is a picture, not code.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "cli" / "main.js"
SHARED = ROOT.parent / "shared"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FOLLOW_S = 10.0
DURATION_S = "3s"


@dataclass(frozen=True)
class Snippet:
    file: Path
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.file.name}:{self.line}:{self.lang or 'text'}"


def snippets() -> list[Snippet]:
    found = []
    for path in DOCS:
        lines = path.read_text().splitlines()
        i = 0
        while i < len(lines):
            match = re.match(r"^```(\w*)\s*$", lines[i])
            if match:
                start = i
                i += 1
                body = []
                while not lines[i].startswith("```"):
                    body.append(lines[i])
                    i += 1
                found.append(Snippet(path, start + 1, match.group(1), "\n".join(body) + "\n"))
            i += 1
    return found


SNIPPETS = snippets()

# (pattern, None to run the line | the reason it is not run here)
BASH_RULES: list[tuple[str, str | None]] = [
    (r"^npm (start|test)\b", "the setup and test entry points themselves: this test runs inside `npm test`"),
    (r"^npm run package\b|^code --install-extension", "packages / installs the VS Code extension (the extension's tests cover it)"),
    (r"TARDIS_API_KEY=", "replays from Tardis.dev over the network"),
    (r"--source csv\b.*--file \./datasets", "needs a Tardis CSV dataset downloaded into ./datasets"),
    (r"^redis-cli SUBSCRIBE", "waits for messages forever (the Redis tests subscribe for real)"),
    (r"^redis-cli ", None),
    (r"^sqlite3 ", None),
    (r"^npx tickbridge (run|export)\b", None),
    (r"^python/\.venv/bin/python ", None),
]


def bash_lines(text: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DemoWorld:
    work: Path
    env: dict[str, str]
    redis_url: str | None
    redis_port: int | None


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    if shutil.which("node") is None or not CLI.exists():
        pytest.skip("the TypeScript build (dist/) or node is missing: run `npm run setup`")
    work = tmp_path_factory.mktemp("snippets")
    redis = None
    from redis_server import REDIS_SERVER, RedisServer

    if REDIS_SERVER is not None:
        redis = RedisServer(work)
        asyncio.run(redis.start())
    port = free_port()
    env = {**os.environ, "TICKBRIDGE_URL": f"ws://127.0.0.1:{port}",
           "TICKBRIDGE_STORE_DIR": str(work / "data"), "PYTHONUNBUFFERED": "1",
           "TICKBRIDGE_PYTHON": sys.executable}
    env.pop("REDIS_URL", None)
    args = ["node", str(CLI), "start", "--source", "demo", "--timeframes", "1s,1m",
            "--pythonWebSocketUrl", f"ws://127.0.0.1:{port}", "--logDir", str(work / "logs")]
    if redis is not None:
        args += ["--redisUrl", redis.url]
    log = (work / "start.log").open("w")
    start = subprocess.Popen(args, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    store = work / "data" / "candles.sqlite"
    deadline = time.monotonic() + 60
    while not _has_candles(store):
        assert start.poll() is None, f"the demo stream ended: {(work / 'start.log').read_text()[-2000:]}"
        assert time.monotonic() < deadline, "no candle stored within 60 s"
        time.sleep(0.2)
    try:
        yield DemoWorld(work, env, redis.url if redis else None, redis.port if redis else None)
    finally:
        start.send_signal(signal.SIGINT)
        try:
            start.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(start.pid, signal.SIGKILL)
            start.wait(5)
        log.close()
        if redis is not None:
            asyncio.run(redis.stop())


def _has_candles(store: Path) -> bool:
    if not store.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM candles").fetchone()[0] > 0
        finally:
            db.close()
    except sqlite3.Error:
        return False


def run_python(world: DemoWorld, code: str) -> None:
    if "redis://localhost:6379/0" in code:
        if world.redis_url is None:
            pytest.skip("redis-server is not installed")
        code = code.replace("redis://localhost:6379/0", world.redis_url)
    process = subprocess.Popen([sys.executable, "-c", code], cwd=world.work, env=world.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    printed: str | None = None
    try:
        printed = lines.get(timeout=FOLLOW_S)
    except queue.Empty:
        pass
    if process.poll() is None:  # still following a live stream
        process.terminate()
        _, err = process.communicate(timeout=10)
        assert printed is not None or err == "", f"no output in {FOLLOW_S} s and stderr:\n{err}"
        return
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, f"exit {process.returncode}:\n{err}"


def run_bash_line(world: DemoWorld, line: str) -> None:
    command = line
    command = re.sub(r"^npx tickbridge", f"node {CLI}", command)
    command = re.sub(r"--duration \S+", f"--duration {DURATION_S}", command)
    command = command.replace("python/.venv/bin/python", sys.executable)
    if "../shared/" in command:
        if not (SHARED / "data").is_dir():
            pytest.skip(f"{SHARED / 'data'} is absent (the recorded captures)")
        command = command.replace("../shared/", f"{SHARED}/")
    if "redis://localhost:6379/0" in command:
        if world.redis_url is None:
            pytest.skip("redis-server is not installed")
        command = command.replace("redis://localhost:6379/0", world.redis_url)
    if command.startswith("sqlite3") and shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 command line is not installed (apt-get install -y sqlite3)")
    if command.startswith("redis-cli"):
        if world.redis_port is None:
            pytest.skip("redis-server is not installed")
        command = command.replace("redis-cli", f"redis-cli -p {world.redis_port}", 1)
    result = subprocess.run(["bash", "-c", command], cwd=world.work, env=world.env,
                            capture_output=True, text=True, timeout=120)
    if " export" in line and result.returncode == 1 and "no candles match" in result.stderr:
        return  # valid flags on data the demo store does not have: it says so (docs/data.md)
    assert result.returncode == 0, f"{line}\nexit {result.returncode}\n{result.stderr[-2000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_snippet(snippet: Snippet, world: DemoWorld) -> None:
    if snippet.lang == "python":
        run_python(world, snippet.text)
    elif snippet.lang == "bash":
        for line in bash_lines(snippet.text):
            rule = next(((p, reason) for p, reason in BASH_RULES if re.search(p, line)), None)
            assert rule is not None, f"no rule for the command {line!r}: add one to BASH_RULES"
            if rule[1] is None:
                run_bash_line(world, line)
    elif snippet.lang == "json":
        if "..." not in snippet.text and "…" not in snippet.text:
            text = snippet.text.strip()
            json.loads("{" + text + "}" if text.startswith('"') else text)
    elif snippet.lang == "sql":
        assert "FROM `" in snippet.text, "a sql block that is not a BigQuery query needs a rule"
    else:
        assert snippet.lang == "", f"no rule for {snippet.lang} blocks"


def test_snippets_found() -> None:
    langs = {s.lang for s in SNIPPETS}
    assert {"python", "bash", "json"} <= langs and len(SNIPPETS) > 20


@pytest.mark.slow
def test_readme_two_commands_give_the_candles_just_watched(world: DemoWorld) -> None:
    """After `npm start -- --source demo`: a Parquet file and a DataFrame of those candles."""
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("npm start -- --source demo"):]
    commands = bash_lines(block[block.index("```bash") + 7:block.index("```", block.index("```bash") + 7)])
    assert len(commands) == 2 and "export" in commands[0] and "read_candles" in commands[1]
    db = sqlite3.connect(f"file:{world.work / 'data' / 'candles.sqlite'}?mode=ro", uri=True)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    if version < 2:
        pytest.skip("this store was written by the v1 writer (no source column): the demo "
                    "candles cannot be told apart until the v2 writer is in")
    (world.work / "candles.parquet").unlink(missing_ok=True)
    run_bash_line(world, commands[0])
    import pyarrow.parquet as pq

    table = pq.read_table(world.work / "candles.parquet")
    assert table.num_rows > 0 and set(table.column("source").to_pylist()) == {"demo"}
    shown = subprocess.run(["bash", "-c", commands[1].replace("python/.venv/bin/python", sys.executable)],
                           cwd=world.work, env=world.env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    rows = re.search(r"\[(\d+) rows x \d+ columns\]", shown.stdout)
    assert "BTCUSDT" in shown.stdout and rows and int(rows.group(1)) > 0, shown.stdout
