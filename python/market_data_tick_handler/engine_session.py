"""One engine connection: batches in, candles / acks out (docs/protocol.md, Delivery).

The hello was accepted before (``engine_admission``). Every outgoing frame goes through one
ordered outbox (a ``WriterQueue``) and is queued at the moment the state it reflects is
produced (processing is synchronous), so an ``ack`` always follows the events of the
messages it covers, whichever task produced them. When to ack is ``ack_policy``'s; decoding
is ``engine_frames``'; the wall-clock work is ``engine_clock``'s.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from . import SERVER_NAME
from .ack_policy import AckWindow, HeldAcks
from .engine_admission import SessionConfig, run_of
from .engine_clock import run_clock
from .engine_frames import error_frame, read_engine_frame
from .persist.local_store import LocalStore, StoreFailed
from .processor import SeqGap, StreamProcessor
from .protocol import PROTOCOL_VERSION, End, Hello, encode
from .stats import Stats
from .streaming_service.modes.serve_hub import ServeHub
from .writer_queue import WriterQueue

log = logging.getLogger(__name__)

OUTBOX_HIGH_WATER = 2000
"""The reader waits for the writer when this many frames are queued (backpressure)."""


class _Close(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


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
        self.outbox: WriterQueue[bytes] = WriterQueue(self._send)
        self.window = AckWindow()
        self.acks = HeldAcks(store, self.outbox.put)
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
        writer = self.outbox.start()
        ticker = asyncio.create_task(run_clock(self.processor, interval_ms=self.config.partial_interval_ms,
                                               wall_clock_us=self.wall_clock_us, emit=self._emit))
        reader = asyncio.create_task(self._read())
        committer = asyncio.create_task(self.acks.run())
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
                    await self.acks.release()
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
            if close is not None and not self.outbox.closing:
                try:
                    await asyncio.wait_for(self.outbox.drained(), self.config.drain_timeout_s)
                except TimeoutError:
                    log.warning("stream %s: engine not reading; closing", self.stream_id)
                await self.ws.close(close.code, close.reason)
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _send(self, frames: list[bytes]) -> None:
        for frame in frames:
            await self.ws.send(frame, text=True)

    # ---- input ---------------------------------------------------------------------------

    async def _read(self) -> None:
        ws = self.ws
        try:
            while True:
                data = await _recv_if_queued(ws)
                if data is None:  # input idle: acknowledge what was processed
                    if self.window.due_when_idle:
                        self._ack()
                    data = await ws.recv(decode=False)
                frame = read_engine_frame(data, self.processor.next_seq)
                for rejection in frame.rejections:
                    self._reject(rejection.code, rejection.message, rejection.seq)
                if frame.batch is not None:
                    self._on_batch(*frame.batch)
                if len(self.outbox) > OUTBOX_HIGH_WATER:
                    await self.outbox.drained()
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == 1009:
                self.stats.errors += 1
                log.warning("stream %s: frame over the size cap (%s); connection closed",
                            self.stream_id, exc.sent.reason)

    def _on_batch(self, seq: int, msgs: list[Any]) -> None:
        processor = self.processor
        window = self.window
        expected = processor.next_seq
        if seq > expected:
            gap = SeqGap(expected, seq)
            self._reject("seq_gap", str(gap), seq)
            raise _Close(1002, "seq_gap")
        trades_before = processor.trades_seen
        count = len(msgs)
        pos = expected - seq  # messages before it were processed already (a resend)
        if pos >= count:
            window.resent_only()
        while pos < count:
            take = min(count - pos, window.room)
            part = msgs if (pos == 0 and take == count) else msgs[pos:pos + take]
            self._emit(processor.process_batch(seq + pos, part))
            ack_due = window.processed(take)
            self.stats.messages += take
            pos += take
            if processor.ended or ack_due:
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
        self.window.acked()
        self.acks.ack(encode({"type": "ack", "seq": processor.next_seq - 1, "state": processor.snapshot()}))


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
