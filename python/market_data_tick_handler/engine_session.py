"""One engine connection: hello, batches in, candles / acks out (docs/protocol.md, Delivery).

Every outgoing frame goes through one ordered ``Outbox`` and is queued at the moment the
state it reflects is produced (processing is synchronous), so an ``ack`` always follows the
events of the messages it covers, whichever task produced them.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from . import SERVER_NAME
from .persist.local_store import LocalStore, Run, StoreFailed
from .processor import DEFAULT_LATENESS_US, SeqGap, StreamProcessor
from .protocol import (
    PROTOCOL_VERSION,
    Batch,
    End,
    Hello,
    InvalidMessage,
    decode_batch_leniently,
    encode,
    inbound_decoder,
)
from .stats import Stats
from .streaming_service.modes.serve_mode import ServeHub

log = logging.getLogger(__name__)

ACK_EVERY = 2000
"""Acks are sent at the latest when this many messages are unacknowledged."""
OUTBOX_HIGH_WATER = 2000
"""The reader waits for the writer when this many frames are queued (backpressure)."""


@dataclass(frozen=True)
class SessionConfig:
    default_timeframes: tuple[str, ...] = ("15s", "1m", "5m", "15m")
    partial_interval_ms: int = 250
    close_grace_ms: int = 2000
    lateness_ms: int = DEFAULT_LATENESS_US // 1000
    token: str | None = None
    """Readers' token (``subscribe``); also the writers' when ``writer_token`` is unset."""
    writer_token: str | None = None
    """Engines' token (``hello``): the fresh secret of the engine that started this processor."""
    drain_timeout_s: float = 5.0

    @property
    def hello_token(self) -> str | None:
        return self.writer_token or self.token


class SessionRejected(Exception):
    """A hello that cannot be accepted: ``code`` / ``message`` for the error frame,
    ``close_code`` for the close."""

    def __init__(self, code: str, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.close_code = close_code


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def error_frame(code: str, message: str, seq: int | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "seq": seq}


def token_matches(expected: str | None, given: str | None) -> bool:
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def processor_for(hello: Hello, config: SessionConfig) -> StreamProcessor:
    """Validates a hello and builds (and restores) its processor, or raises SessionRejected."""
    if hello.v != PROTOCOL_VERSION:
        raise SessionRejected("bad_hello", f"unsupported protocol version {hello.v}; "
                              f"this processor speaks v{PROTOCOL_VERSION}", 1002)
    if not token_matches(config.hello_token, hello.token):
        raise SessionRejected("unauthorized", "missing or wrong token", 1008)
    if hello.next_seq < 1:
        raise SessionRejected("bad_hello", f"next_seq must be >= 1, got {hello.next_seq}", 1002)
    try:
        processor = StreamProcessor(
            exchange=hello.exchange, timeframes=hello.timeframes or list(config.default_timeframes),
            mode=hello.mode, live=hello.live, next_seq=hello.next_seq,
            close_grace_us=config.close_grace_ms * 1000,
            partial_interval_us=config.partial_interval_ms * 1000,
            lateness_us=config.lateness_ms * 1000)
        if hello.state is not None:
            processor.restore(hello.state)
            if processor.next_seq != hello.next_seq:  # the state is the processor's own truth
                log.warning("stream %s: hello next_seq %d differs from its state's %d; using the "
                            "state's", hello.stream_id, hello.next_seq, processor.next_seq)
    except ValueError as exc:
        raise SessionRejected("bad_hello", str(exc), 1002) from None
    return processor


def run_of(hello: Hello, now_us: int) -> Run:
    """The run a hello belongs to (generated for clients that name none)."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now_us // 1_000_000))
    started += f".{now_us // 1000 % 1000:03d}Z"
    run_id = hello.run_id or f"{started[:19].replace('-', '').replace(':', '')}Z-{secrets.token_hex(4)}"
    return Run(run_id=run_id, source=hello.source or "unknown", exchange=hello.exchange,
               symbols=tuple(hello.symbols), dataset=hello.dataset, started_at=started)


class Outbox:
    """Ordered outgoing frames of one connection, sent by one writer task."""

    def __init__(self, ws: ServerConnection) -> None:
        self._ws = ws
        self._queue: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.closed = False

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, payload: bytes) -> None:
        if self.closed:
            return
        self._queue.append(payload)
        self._idle.clear()
        self._wake.set()

    async def drained(self) -> None:
        await self._idle.wait()

    async def run(self) -> None:
        queue = self._queue
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while queue:
                    await self._ws.send(queue[0], text=True)
                    queue.popleft()
                self._idle.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            queue.clear()
            self._idle.set()


class EngineSession:
    def __init__(self, ws: ServerConnection, hello: Hello, processor: StreamProcessor, *,
                 config: SessionConfig, stats: Stats, hub: ServeHub | None,
                 wall_clock_us: Callable[[], int], store: LocalStore | None = None) -> None:
        self.ws = ws
        self.stream_id = hello.stream_id
        self.run_info = run_of(hello, wall_clock_us())
        self.store = store
        self.processor = processor
        self.config = config
        self.stats = stats
        self.hub = hub
        self.wall_clock_us = wall_clock_us
        self.outbox = Outbox(ws)
        self.unacked = 0
        self._ack_due = False  # a batch of resent messages only: ack it anyway when idle
        self._held_ack: bytes | None = None  # sent once the store holds what it covers
        self._commit_wake = asyncio.Event()
        self.done = asyncio.Event()  # set when the connection is over
        self._stop = asyncio.Event()
        self._stop_frame: tuple[str, str, int, str] | None = None  # error code, message, close
        self.post({"type": "welcome", "v": PROTOCOL_VERSION, "stream_id": self.stream_id,
                   "server": SERVER_NAME})  # first, before any log or stats frame

    def post(self, frame: dict[str, Any]) -> None:
        """Queues a frame that is not part of the stream (stats, log lines)."""
        self.outbox.put(encode(frame))

    def request_stop(self, error: tuple[str, str, int, str] | None = None) -> None:
        """Ends the session: with a final ack, or with ``error`` = (code, message, close code,
        close reason) and no ack."""
        if error is not None and self._stop_frame is None:
            self._stop_frame = error
        self._stop.set()

    async def run(self) -> None:
        writer = asyncio.create_task(self.outbox.run())
        ticker = asyncio.create_task(self._tick())
        reader = asyncio.create_task(self._read())
        committer = asyncio.create_task(self._commit_loop())
        stop = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({reader, stop, committer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, ticker, stop, committer):
                task.cancel()
            await asyncio.gather(reader, ticker, stop, committer, return_exceptions=True)
        if not committer.cancelled() and isinstance(committer.exception(), StoreFailed):
            self.request_stop(store_failed_stop(str(committer.exception())))
        try:
            close: _Close | None = None
            if self._stop_frame is not None:
                code, message, close_code, close_reason = self._stop_frame
                self.post(error_frame(code, message))
                close = _Close(close_code, close_reason)
            elif self._stop.is_set():
                self._ack()  # final ack: the engine resumes exactly here
                try:
                    await self._release_acks()
                except StoreFailed as exc:
                    self.post(error_frame("store_failed", str(exc)))
                close = _Close(1001, "server shutting down")
            elif not reader.cancelled() and isinstance(reader.exception(), _Close):
                close = reader.exception()  # type: ignore[assignment]
            elif not reader.cancelled() and reader.exception() is not None:
                failure = reader.exception()
                log.error("stream %s: processing failed", self.stream_id, exc_info=failure)
                self.post(error_frame("internal", f"processing failed: {failure}"))
                close = _Close(1011, "internal error")
            if close is not None and not self.outbox.closed:
                try:
                    await asyncio.wait_for(self.outbox.drained(), self.config.drain_timeout_s)
                except TimeoutError:
                    log.warning("stream %s: engine not reading; closing", self.stream_id)
                await self.ws.close(close.code, close.reason)
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    # ---- input ---------------------------------------------------------------------------

    async def _read(self) -> None:
        ws = self.ws
        try:
            while True:
                data = await _recv_if_queued(ws)
                if data is None:  # input idle: acknowledge what was processed
                    if self.unacked or self._ack_due:
                        self._ack()
                    data = await ws.recv(decode=False)
                self._on_frame(data)
                if len(self.outbox) > OUTBOX_HIGH_WATER:
                    await self.outbox.drained()
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == 1009:
                self.stats.errors += 1
                log.warning("stream %s: frame over the size cap (%s); connection closed",
                            self.stream_id, exc.sent.reason)

    def _on_frame(self, data: bytes) -> None:
        try:
            frame = inbound_decoder.decode(data)
        except msgspec.ValidationError as exc:
            self._on_invalid_frame(data, exc)
            return
        except msgspec.DecodeError as exc:
            self._reject("bad_json", f"invalid JSON: {exc}")
            return
        if type(frame) is Batch:
            self._on_batch(frame.seq, frame.msgs)
        else:
            self._reject("bad_frame", f'unexpected "{_frame_type(frame)}" frame: the stream is open')

    def _on_invalid_frame(self, data: bytes, exc: msgspec.ValidationError) -> None:
        try:
            raw_type = msgspec.json.decode(data).get("type")
        except (AttributeError, msgspec.DecodeError):
            raw_type = None
        if raw_type != "batch":
            if raw_type is None:
                problem = 'the frame is not an object with a "type"'
            elif raw_type in ("hello", "subscribe"):
                problem = f"{raw_type}: {exc}"
            else:
                problem = f"unknown frame type {msgspec.json.encode(raw_type).decode()}"
            self._reject("bad_frame", problem)
            return
        try:
            seq, msgs = decode_batch_leniently(data)
        except ValueError as problem:
            self._reject("bad_frame", str(problem))
            return
        expected = self.processor.next_seq
        if seq <= expected:  # a gap is reported by _on_batch instead
            for msg in msgs:
                if type(msg) is InvalidMessage and seq + msg.index >= expected:
                    self._reject("bad_frame", msg.reason, seq + msg.index)
        self._on_batch(seq, msgs)

    def _on_batch(self, seq: int, msgs: list[Any]) -> None:
        processor = self.processor
        expected = processor.next_seq
        if seq > expected:
            gap = SeqGap(expected, seq)
            self._reject("seq_gap", str(gap), seq)
            raise _Close(1002, "seq_gap")
        trades_before = processor.trades_seen
        count = len(msgs)
        pos = expected - seq  # messages before it were processed already (a resend)
        if pos >= count:
            self._ack_due = True
        while pos < count:
            take = min(count - pos, ACK_EVERY - self.unacked)
            part = msgs if (pos == 0 and take == count) else msgs[pos:pos + take]
            self._emit(processor.process_batch(seq + pos, part))
            self.unacked += take
            self.stats.messages += take
            pos += take
            if processor.ended or self.unacked >= ACK_EVERY:
                if processor.ended:  # the counts of a finished source, before its last ack
                    self.stats.streams[self.stream_id] = processor.counters()
                    self.post(self.stats.frame())
                processor.ended = False
                self._ack()
        self.stats.trades += processor.trades_seen - trades_before
        self.stats.streams[self.stream_id] = processor.counters()
        self._emit(processor.partials(self.wall_clock_us()))

    def _reject(self, code: str, message: str, seq: int | None = None) -> None:
        self.stats.errors += 1
        log.info("stream %s: %s: %s", self.stream_id, code, message)
        self.post(error_frame(code, message, seq))

    # ---- output --------------------------------------------------------------------------

    def _emit(self, events: list[dict[str, Any]]) -> None:
        hub = self.hub
        for event in events:
            kind = event["type"]
            if kind == "candle":
                payload = encode(event)
                self.outbox.put(payload)
                if event["closed"]:
                    self.stats.candles += 1
                    if self.store is not None:
                        self.store.write(self.run_info, event)
                if hub is not None:
                    hub.publish(event, payload)
            elif kind == "tick":
                if type(event["msg"]) is not End:
                    self.outbox.put(encode(event))  # back to the engine (`run --json --mode ticks`)
                if hub is not None and hub.wants_ticks:
                    hub.publish(event)
            elif kind == "log":
                log.warning("stream %s: %s", self.stream_id, event["message"])

    def _ack(self) -> None:
        """Acknowledges what was processed; with a store, once the store holds its candles."""
        processor = self.processor
        frame = encode({"type": "ack", "seq": processor.next_seq - 1, "state": processor.snapshot()})
        self.unacked = 0
        self._ack_due = False
        if self.store is None:
            self.outbox.put(frame)
        else:
            self._held_ack = frame  # acks are cumulative: the newest replaces a held one
            self._commit_wake.set()

    async def _commit_loop(self) -> None:
        """One commit per held ack (so per ack window, not per candle), then the ack."""
        while True:
            await self._commit_wake.wait()
            self._commit_wake.clear()
            await self._release_acks()

    async def _release_acks(self) -> None:
        while self._held_ack is not None:
            frame = self._held_ack
            assert self.store is not None
            await self.store.commit()
            if self._held_ack is frame:
                self._held_ack = None
            self.outbox.put(frame)

    async def _tick(self) -> None:
        """Wall-clock work: live bar closes and throttled partials while input is quiet.
        It runs once per partial interval, so an update held back by the throttle goes out
        at most one interval after the throttle allows it, also with intervals of a few ms."""
        interval = max(self.config.partial_interval_ms, 1) / 1000
        processor = self.processor
        while True:
            await asyncio.sleep(interval)
            now = self.wall_clock_us()
            self._emit(processor.on_clock(now))
            self._emit(processor.partials(now))


def store_failed_stop(reason: str) -> tuple[str, str, int, str]:
    return ("store_failed", f"the local store cannot be written, so candles are no longer "
                            f"acknowledged: {reason}", 1011, "store failed")


async def _recv_if_queued(ws: ServerConnection) -> bytes | None:
    """The next frame if one is already received, else ``None`` (without waiting)."""
    try:
        async with asyncio.timeout(0):
            return await ws.recv(decode=False)
    except TimeoutError:
        return None


def _frame_type(frame: Any) -> str:
    return type(frame).__struct_config__.tag  # type: ignore[no-any-return]
