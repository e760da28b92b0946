from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_bigquery import FakeBigQuery, serve

from market_data_tick_handler.engine_admission import SessionConfig
from market_data_tick_handler.logging_setup import EngineLogForwarder
from market_data_tick_handler.server import ProcessorServer, ServerConfig
from market_data_tick_handler.stats import Stats
from market_data_tick_handler.streaming_service.modes.serve_hub import ServeHub

StartServer = Callable[..., Awaitable[ProcessorServer]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Starts ProcessorServer instances on 127.0.0.1, port 0 unless given; stops them all."""
    servers: list[ProcessorServer] = []

    async def start(*, serve: bool = True, history: int = 100, queue_limit: int = 10_000,
                    port: int = 0, session: dict[str, Any] | None = None,
                    log_forwarder: EngineLogForwarder | None = None, **config: Any) -> ProcessorServer:
        # lateness 0: a message at or after a bar's end closes it (the lateness has its own tests)
        session_config = dataclasses.replace(SessionConfig(lateness_ms=0), **(session or {}))
        server = ProcessorServer(
            ServerConfig(host="127.0.0.1", port=port, session=session_config, **config),
            stats=Stats(), hub=ServeHub(history=history, queue_limit=queue_limit) if serve else None,
            log_forwarder=log_forwarder)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[Any]:
    """A private redis-server on a free port (skipped when redis-server is not installed)."""
    from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    server = RedisServer(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def fake() -> Iterator[tuple[FakeBigQuery, str]]:
    """The strict fake BigQuery (fake_bigquery.py) on a free port, and its endpoint URL."""
    bq = FakeBigQuery()
    server = serve(bq)
    try:
        yield bq, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
