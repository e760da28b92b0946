"""A private redis-server for tests: a free port on 127.0.0.1, no persistence, stopped by PID."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import redis.asyncio as aioredis

REDIS_SERVER = shutil.which("redis-server")
SKIP_REASON = ("redis-server is not installed: the Redis tests need a real server "
               "(apt-get install -y redis-server)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    async def start(self, timeout: float = 10.0) -> None:
        """Starts redis-server as a child process (not daemonized, so that stop() reaps it)."""
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / f"redis-{self.port}.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await self.wait_up(timeout)
        except BaseException:
            await self.stop()
            raise

    async def wait_up(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}")
                client = aioredis.from_url(self.url, socket_connect_timeout=0.5)
                try:
                    if await client.ping():
                        return
                except (OSError, aioredis.ConnectionError):
                    pass
                finally:
                    await client.aclose()
                await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 10.0) -> None:
        """Kills the server (as a crash would) and waits for it to exit."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        await asyncio.wait_for(asyncio.to_thread(process.wait), timeout)
