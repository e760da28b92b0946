"""Logging: a size-capped rotating file, warnings on stderr, and info-and-above lines
forwarded (rate-limited) to connected engines as ``log`` frames."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from .contract import limits
from .redact import RedactingFilter

# Name and rotation of the log, the same policy as the engine's (contract/limits.json, log_files).
LOG_FILE_NAME: str = limits()["log_files"]["processor"]
LOG_FILE_BYTES: int = limits()["log_files"]["max_bytes"]
LOG_FILE_BACKUPS: int = limits()["log_files"]["backups"]
PACKAGE_LOGGER = "market_data_tick_handler"

NOT_A_SESSION = object()
LOG_ROUTE: ContextVar[object | None] = ContextVar("log_route", default=None)
"""Whose log lines these are: ``None`` for the server itself (sent to every engine), an engine
session (sent to that one only), or ``NOT_A_SESSION`` (another connection: sent to none)."""

_LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning",
           logging.ERROR: "error", logging.CRITICAL: "error"}


def setup_logging(log_dir: Path, forwarder: logging.Handler | None = None) -> Path:
    """Configures the root logger; returns the log file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    file_handler = RotatingFileHandler(path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS,
                                       encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr_handler = logging.StreamHandler()
    stderr_handler.setLevel(logging.WARNING)
    stderr_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    redacting = RedactingFilter()
    for handler in (file_handler, stderr_handler, forwarder):
        if handler is not None:
            handler.addFilter(redacting)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(file_handler)
    root.addHandler(stderr_handler)
    if forwarder is not None:
        logging.getLogger(PACKAGE_LOGGER).addHandler(forwarder)
    return path


class EngineLogForwarder(logging.Handler):
    """Turns this package's log records into ``log`` frames for ``sink`` (set by the server).

    A token bucket limits the rate (``rate_per_s``, bursts of ``burst``); lines over the limit
    are counted and reported in one line once the bucket refills. Only records logged on the
    thread that created the forwarder (the event loop's) are forwarded, each to the session it
    belongs to (``LOG_ROUTE``): the lines of one connection never reach another."""

    def __init__(self, rate_per_s: float = 20.0, burst: int = 50,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(logging.INFO)
        self.sink: Callable[[dict[str, Any], object | None], None] | None = None
        self._rate = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._at = clock()
        self._dropped = 0
        self._thread = threading.get_ident()
        self._busy = False

    def emit(self, record: logging.LogRecord) -> None:
        sink = self.sink
        if sink is None or self._busy or threading.get_ident() != self._thread \
                or getattr(record, "local", False):
            return
        route = LOG_ROUTE.get()
        if route is NOT_A_SESSION:
            return
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1.0:
            self._dropped += 1
            return
        self._busy = True
        try:
            if self._dropped and self._tokens >= 2.0:
                self._tokens -= 1.0
                sink({"type": "log", "level": "warning",
                      "message": f"{self._dropped} log lines were not forwarded (rate limit)"}, route)
                self._dropped = 0
            self._tokens -= 1.0
            sink({"type": "log", "level": _LEVELS.get(record.levelno, "info"),
                  "message": record.getMessage()}, route)
        except Exception:  # a broken sink must not break logging
            self.handleError(record)
        finally:
            self._busy = False
