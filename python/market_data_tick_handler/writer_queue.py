"""``WriterQueue``: items queued by synchronous code, written in order by one asyncio task.

The one queue-plus-writer of the processor: an engine connection's outbox, a consumer's
outgoing events and the Redis publisher's backlog are each a ``WriterQueue`` with their own
``write`` coroutine and limit. ``put`` never blocks; what a full queue does is the owner's
policy (``when_full``):

- ``"refuse"``: the item is not queued, ``put`` returns False and ``dropped`` counts it;
- ``"drop_oldest"``: the oldest item makes room (counted in ``dropped``).

``write`` receives the oldest items (at most ``batch``) and the queue removes them once it
returns, so a ``write`` that raises leaves them queued. The writer task ends when ``write``
raises (the exception is the task's) or when the queue is closed and empty.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Generic, Literal, TypeVar

T = TypeVar("T")


class WriterQueue(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]], *, limit: int | None = None,
                 when_full: Literal["refuse", "drop_oldest"] = "refuse", batch: int = 1) -> None:
        if (limit is not None and limit < 1) or batch < 1:
            raise ValueError("limit and batch must be >= 1")
        self.limit = limit
        self.when_full = when_full
        self.batch = batch
        self.written = 0  # items written
        self.dropped = 0  # items lost to a full queue
        self._write = write
        self._items: deque[T] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._clears = 0
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closing(self) -> bool:
        """True once ``close`` was called or the writer ended: ``put`` takes nothing more."""
        return self._closing

    def put(self, item: T) -> bool:
        """Queues ``item``; False when it was not queued (closing, or full with ``"refuse"``)."""
        if self._closing:
            return False
        items = self._items
        if self.limit is not None and len(items) >= self.limit:
            self.dropped += 1
            if self.when_full == "refuse":
                return False
            items.popleft()
        items.append(item)
        self._idle.clear()
        self._wake.set()
        return True

    def clear(self) -> None:
        """Forgets what is queued (not counted as dropped: the owner says why)."""
        self._items.clear()
        self._clears += 1
        self._idle.set()

    def start(self) -> asyncio.Task[None]:
        """Starts the writer task (once); returns it."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self._task

    async def drained(self) -> None:
        """Returns once everything queued so far is written (or the writer ended)."""
        await self._idle.wait()

    async def close(self, timeout_s: float | None = None) -> None:
        """Takes no more items, lets the writer write what is queued (for at most
        ``timeout_s``), then stops it."""
        self._closing = True
        self._wake.set()
        task = self._task
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        except (TimeoutError, asyncio.CancelledError):
            pass
        except Exception:
            pass
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        items = self._items
        try:
            while True:
                if not items:
                    self._idle.set()
                    if self._closing:
                        return
                    await self._wake.wait()
                    self._wake.clear()
                    continue
                count = min(self.batch, len(items))
                clears = self._clears
                await self._write([items[0]] if count == 1 else list(islice(items, count)))
                if clears == self._clears:  # else ``clear`` dropped them meanwhile
                    for _ in range(count):
                        items.popleft()
                self.written += count
        finally:
            self._closing = True
            self._idle.set()
