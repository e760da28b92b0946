"""A cap on concurrent connections, so that a flood of idle sockets can neither exhaust file
descriptors (the store and the log need some) nor slow ``/health`` down.

Up to ``soft`` connections are served normally. Beyond it, a new connection has ``grace_s`` to
send its request (``/health`` and real clients do at once) and is dropped otherwise; beyond
``hard``, it is dropped at once. Refusals are logged once per burst: one line when a burst
starts, one with the count when it is over, never a traceback per socket.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

log = logging.getLogger(__name__)

FD_RESERVE = 64
"""File descriptors kept free for the store, the log files and Redis / BigQuery clients."""


def raise_fd_limit() -> int:
    """Raises the soft limit on open files to the hard limit; returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


class ConnectionGate:
    def __init__(self, max_connections: int, *, grace_s: float = 0.5, burst_quiet_s: float = 1.0) -> None:
        fd_limit = raise_fd_limit()
        self.hard = max(1, min(2 * max_connections, fd_limit - FD_RESERVE))
        self.soft = min(max_connections, self.hard)
        self.grace_s = grace_s
        self.burst_quiet_s = burst_quiet_s
        self.open = 0
        self.refused = 0
        self._burst_refused = 0
        self._burst_timer: asyncio.TimerHandle | None = None

    def admit(self, connection: Any) -> None:
        """Called when a connection is made (``connection.transport`` set)."""
        self.open += 1
        if self.open > self.hard:
            self._drop(connection)
        elif self.open > self.soft:
            connection.loop.call_later(self.grace_s, self._drop_if_silent, connection)

    def release(self) -> None:
        self.open -= 1

    def _drop_if_silent(self, connection: Any) -> None:
        if connection.request is None and not connection.transport.is_closing():
            self._drop(connection)

    def _drop(self, connection: Any) -> None:
        connection.transport.abort()
        self.refused += 1
        self._burst_refused += 1
        if self._burst_timer is None:
            log.warning("connection cap reached (%d open, cap %d): refusing new connections",
                        self.open, self.soft)
        else:
            self._burst_timer.cancel()
        self._burst_timer = connection.loop.call_later(self.burst_quiet_s, self._burst_over)

    def _burst_over(self) -> None:
        log.warning("connection cap: %d connections refused in that burst (%d refused in all)",
                    self._burst_refused, self.refused)
        self._burst_refused = 0
        self._burst_timer = None
