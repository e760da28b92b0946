"""Whether an engine's ``hello`` is accepted: protocol version, token, sequence number and
state; the stream's processor and run built from it (docs/protocol.md, Engine → processor)."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass

from .persist.local_store import Run
from .processor import DEFAULT_LATENESS_US, StreamProcessor
from .protocol import PROTOCOL_VERSION, Hello
from .timeframes import DEFAULT_TIMEFRAMES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionConfig:
    default_timeframes: tuple[str, ...] = DEFAULT_TIMEFRAMES
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
