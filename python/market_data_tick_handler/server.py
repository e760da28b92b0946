"""The WebSocket server: engines and consumers on one port, plus ``GET /health``.

Thin: it parses the first frame, hands the connection to an ``EngineSession`` (``hello``) or
to the serve hub (``subscribe``), and owns the lifecycle (listening, periodic stats, clean
shutdown). Candle logic lives in ``processor``; delivery in ``engine_session``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import http
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from .connection_gate import ConnectionGate
from .contract import limits
from .engine_admission import SessionConfig, SessionRejected, processor_for, token_matches
from .engine_frames import error_frame
from .engine_session import EngineSession, store_failed_stop
from .logging_setup import LOG_ROUTE, NOT_A_SESSION, EngineLogForwarder
from .persist.local_store import LocalStore
from .protocol import PROTOCOL_VERSION, Hello, Subscribe, encode, inbound_decoder
from .stats import Stats
from .streaming_service.modes.serve_hub import Consumer, ServeHub

log = logging.getLogger(__name__)

DEFAULT_MAX_FRAME_BYTES: int = limits()["frame_max_bytes"]
EXAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
WRITER_HANDOVER_S = 1.0
"""How long a hello for a stream with a connected engine waits for that engine to go."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "localhost"
    port: int = 8765
    exchange: str = "binance"
    symbol: str = "BTC-USDT"
    session: SessionConfig = field(default_factory=SessionConfig)
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    first_frame_timeout_s: float = 30.0
    stats_interval_s: float = limits()["rate"]["sample_interval_ms"] / 1000
    max_connections: int = 512


def _wall_clock_us() -> int:
    return time.time_ns() // 1000


def sec_websocket_key_problem(key: str) -> str | None:
    """Why a Sec-WebSocket-Key is invalid (RFC 6455, section 4.1), or ``None`` if it is valid."""
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return "it is not valid base64"
    if len(raw) != 16:
        return f"it decodes to {len(raw)} bytes"
    return None


class _CappedProtocol(ServerProtocol):
    """Sends an ``error`` frame (``too_big``) just before the 1009 close that websockets sends
    when a frame exceeds ``max_size`` (checked on the frame header: nothing is buffered)."""

    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        if code == CloseCode.MESSAGE_TOO_BIG and self.state is State.OPEN:
            self.send_text(encode(error_frame(
                "too_big", f"{reason}: closing (send smaller batches or raise --maxFrameBytes)")))
        super().fail(code, reason)


class _Connection(ServerConnection):
    gate: ConnectionGate | None = None  # set on a subclass per server (see _connection_class)

    def __init__(self, protocol: ServerProtocol, *args: Any, **kwargs: Any) -> None:
        protocol.__class__ = _CappedProtocol  # same object, one overridden method
        super().__init__(protocol, *args, **kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.gate is not None:
            self.gate.admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.gate is not None:
            self.gate.release()
        super().connection_lost(exc)


def _connection_class(gate: ConnectionGate) -> type[_Connection]:
    return type("_GatedConnection", (_Connection,), {"gate": gate})


class ProcessorServer:
    def __init__(self, config: ServerConfig, *, stats: Stats, hub: ServeHub | None,
                 log_forwarder: EngineLogForwarder | None = None,
                 wall_clock_us: Callable[[], int] = _wall_clock_us,
                 store: LocalStore | None = None) -> None:
        self.config = config
        self.stats = stats
        self.hub = hub
        self.store = store
        self.failure: str | None = None
        """Why the processor cannot go on (the store failed); ``main`` exits non-zero."""
        self.on_failure: Callable[[], None] = lambda: None
        if store is not None:
            store.listeners.append(self._on_store_status)
        self.log_forwarder = log_forwarder
        self.wall_clock_us = wall_clock_us
        self.host = config.host
        self.port = config.port
        self.sessions: set[EngineSession] = set()
        self._writers: dict[str, EngineSession] = {}  # one connected engine per stream id
        self.gate = ConnectionGate(config.max_connections)
        self._server: Server | None = None
        self._stats_task: asyncio.Task[None] | None = None
        self._stopping = False

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(self) -> tuple[str, int]:
        """Listens; returns ``(host, port)`` to connect to (the real port when 0 was asked)."""
        options: dict[str, Any] = dict(
            compression=None, max_size=self.config.max_frame_bytes,
            process_request=self._process_request,
            create_connection=_connection_class(self.gate),
            close_timeout=2)
        if self.config.port == 0:
            # One socket, so that the port is the same whatever address the host resolves to.
            family, kind, proto, _, address = socket.getaddrinfo(
                self.config.host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
            sock = socket.socket(family, kind, proto)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            self._server = await serve(self._handler, sock=sock, **options)
            self.host, self.port = sock.getsockname()[:2]
        else:
            self._server = await serve(self._handler, self.config.host, self.config.port, **options)
        if self.log_forwarder is not None:
            self.log_forwarder.sink = self._forward_log
        self._stats_task = asyncio.create_task(self._stats_loop())
        log.info("listening on %s:%s", self.host, self.port)
        return self.host, self.port

    async def stop(self) -> None:
        """Stops accepting, sends pending events and a final ack to every engine, closes."""
        if self._server is None or self._stopping:
            return
        self._stopping = True
        log.info("shutting down")
        if self.log_forwarder is not None:
            self.log_forwarder.sink = None
        if self._stats_task is not None:
            self._stats_task.cancel()
        self._server.close(close_connections=False)
        for session in list(self.sessions):
            session.request_stop()
        engines = {session.ws for session in self.sessions}
        await asyncio.gather(*(connection.close(1001, "server shutting down")
                               for connection in self._server.connections
                               if connection not in engines), return_exceptions=True)
        await self._server.wait_closed()
        if self.hub is not None:
            await self.hub.aclose()
        if self.store is not None:
            await self.store.aclose()

    def _store_status(self) -> dict[str, Any]:
        store = self.store
        assert store is not None
        return {"status": store.status, "reason": store.reason, "rows_written": store.rows_written,
                "rows_pending": store.pending, "rows_not_stored": store.rows_not_stored}

    def _on_store_status(self, status: str, reason: str) -> None:
        if status == "failed":
            assert self.store is not None
            reason = f"{reason} ({self.store.rows_not_stored} closed candles not stored)"
            self.failure = f"local store failed: {reason}"
            for session in list(self.sessions):
                session.request_stop(store_failed_stop(reason))
            self.on_failure()
        elif status == "degraded":
            self._broadcast({"type": "log", "level": "warning", "message":
                             f"local store degraded: {reason}; candles are not acknowledged (the "
                             f"engine pauses its source) until it can write again, for at most "
                             f"{self.store.retry_budget_s:g} s" if self.store else reason})
        else:
            self._broadcast({"type": "log", "level": "info", "message": f"local store ok: {reason}"})

    async def _stats_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.stats_interval_s)
            self.stats.update_rate()
            self._refresh_counts()
            frame = self.stats.frame()
            if self.store is not None:
                frame["store"] = self._store_status()
            self._broadcast(frame)

    def _refresh_counts(self) -> None:
        self.stats.engines = len(self.sessions)
        self.stats.consumers = self.hub.consumer_count if self.hub is not None else 0

    def _forward_log(self, frame: dict[str, Any], route: object | None) -> None:
        if route is None:
            self._broadcast(frame)
        elif route in self.sessions:
            route.post(frame)

    def _broadcast(self, frame: dict[str, Any]) -> None:
        for session in self.sessions:
            session.post(frame)

    # ---- HTTP ----------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] == "/health":
            self._refresh_counts()
            body = self.stats.health()
            if self.store is not None:
                body["store"] = self._store_status()
            response = connection.respond(http.HTTPStatus.OK, json.dumps(body) + "\n")
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json"
            return response
        keys = request.headers.get_all("Sec-WebSocket-Key")
        if len(keys) == 1:
            problem = sec_websocket_key_problem(keys[0])
            if problem is not None:
                return connection.respond(
                    http.HTTPStatus.BAD_REQUEST,
                    f"Invalid Sec-WebSocket-Key header {keys[0]!r}: {problem}. RFC 6455 (section "
                    f"4.1) requires the base64 encoding of a random 16-byte value, 24 characters "
                    f"such as {EXAMPLE_KEY!r}.\n")
        return None  # websockets performs (and validates) the handshake

    # ---- connections ---------------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        LOG_ROUTE.set(NOT_A_SESSION)  # until it is an engine session, its lines stay here
        try:
            data = await asyncio.wait_for(ws.recv(decode=False), self.config.first_frame_timeout_s)
        except (TimeoutError, ConnectionClosed):
            return
        try:
            frame = inbound_decoder.decode(data)
        except msgspec.ValidationError as exc:
            await self._refuse(ws, "bad_hello", f"the first frame must be hello or subscribe: {exc}", 1002)
            return
        except msgspec.DecodeError as exc:
            await self._refuse(ws, "bad_json", f"invalid JSON: {exc}", 1002)
            return
        if type(frame) is Hello:
            await self._engine(ws, frame)
        elif type(frame) is Subscribe:
            await self._consumer(ws, frame)
        else:
            await self._refuse(ws, "bad_hello", "the first frame must be hello or subscribe, got batch", 1002)

    async def _refuse(self, ws: ServerConnection, code: str, message: str, close_code: int) -> None:
        self.stats.errors += 1
        log.info("refused %s: %s: %s", ws.remote_address, code, message)
        try:
            await ws.send(encode(error_frame(code, message)), text=True)
            await ws.close(close_code, code)
        except ConnectionClosed:
            pass

    async def _engine(self, ws: ServerConnection, hello: Hello) -> None:
        if self._stopping:
            await ws.close(1001, "server shutting down")
            return
        try:
            processor = processor_for(hello, self.config.session)
        except SessionRejected as exc:
            await self._refuse(ws, exc.code, str(exc), exc.close_code)
            return
        if self.failure is not None:
            code, message, close_code, _ = store_failed_stop(self.failure)
            await self._refuse(ws, code, message, close_code)
            return
        holder = self._writers.get(hello.stream_id)
        if holder is not None and (hello.run_id is None or hello.run_id != holder.run_info.run_id):
            # A stream restarted by its engine: its old connection may still be closing.
            try:
                await asyncio.wait_for(holder.done.wait(), WRITER_HANDOVER_S)
            except TimeoutError:
                pass
            holder = self._writers.get(hello.stream_id)
        if holder is not None:
            if hello.run_id is None or hello.run_id != holder.run_info.run_id:
                await self._refuse(ws, "stream_taken", f"stream {hello.stream_id} already has a connected "
                                   f"engine (run {holder.run_info.run_id}); one writer per stream: stop that "
                                   "engine or use another stream", 1008)
                return
            # The same run reconnecting (its old connection is half-open): the new one wins.
            holder.request_stop(("stream_taken", "replaced by a new connection of the same run",
                                 1008, "replaced"))
        session = EngineSession(ws, hello, processor, config=self.config.session, stats=self.stats,
                                hub=self.hub, wall_clock_us=self.wall_clock_us, store=self.store)
        self.sessions.add(session)
        self._writers[hello.stream_id] = session
        LOG_ROUTE.set(session)
        if self.hub is not None:
            self.hub.stream_started(hello)
        log.info("engine stream %s connected (%s %s, %s, next_seq %d%s)", hello.stream_id,
                 hello.exchange, ",".join(hello.symbols), hello.mode, processor.next_seq,
                 ", resumed" if hello.state is not None else "")
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if self._writers.get(hello.stream_id) is session:
                del self._writers[hello.stream_id]
            session.done.set()
            if self.hub is not None:
                self.hub.stream_ended(hello)
            if not any(other.stream_id == hello.stream_id for other in self.sessions):
                self.stats.streams.pop(hello.stream_id, None)
            log.info("engine stream %s disconnected", hello.stream_id)

    async def _consumer(self, ws: ServerConnection, sub: Subscribe) -> None:
        if self.hub is None or not self.hub.serving:
            await self._refuse(ws, "bad_frame", "serve mode is disabled (--noServe): no consumers", 1008)
            return
        if sub.v != PROTOCOL_VERSION:
            await self._refuse(ws, "bad_frame", f"unsupported protocol version {sub.v}", 1002)
            return
        if not token_matches(self.config.session.token, sub.token):
            await self._refuse(ws, "unauthorized", "missing or wrong token", 1008)
            return
        consumer = Consumer(ws, exchange=sub.exchange or self.config.exchange,
                            symbol=sub.symbol or self.config.symbol, timeframes=sub.timeframes,
                            closed_only=sub.closed_only, limit=self.hub.queue_limit,
                            mode=sub.mode, history=sub.history)
        history = self.hub.add(consumer)
        log.info("consumer %s subscribed to %s %s %s (%d history candles)", ws.remote_address,
                 consumer.exchange, sub.symbol, ",".join(sub.timeframes) or "all timeframes", history)
        try:
            await consumer.run()
        finally:
            self.hub.remove(consumer)
