"""WriterQueue, the one queue-plus-writer of the processor (engine outbox, consumers, Redis):
order, limits and what they count, a failed write kept, close within its timeout."""

from __future__ import annotations

import asyncio

from market_data_tick_handler.writer_queue import WriterQueue


async def test_items_are_written_in_order_in_batches():
    written: list[list[int]] = []

    async def write(items: list[int]) -> None:
        written.append(items)

    queue: WriterQueue[int] = WriterQueue(write, batch=3)
    for n in range(7):
        queue.put(n)
    queue.start()
    await queue.drained()
    assert written == [[0, 1, 2], [3, 4, 5], [6]] and queue.written == 7
    await queue.close()


async def test_a_full_queue_refuses_or_drops_the_oldest_and_counts_it():
    written: list[int] = []

    async def write(items: list[int]) -> None:
        written.extend(items)

    refusing: WriterQueue[int] = WriterQueue(write, limit=2)
    assert [refusing.put(n) for n in range(4)] == [True, True, False, False]
    keeping_newest: WriterQueue[int] = WriterQueue(write, limit=2, when_full="drop_oldest")
    assert all(keeping_newest.put(n) for n in range(10, 15))
    for queue in (refusing, keeping_newest):
        queue.start()
        await queue.close()
    assert written == [0, 1, 13, 14]
    assert (refusing.dropped, keeping_newest.dropped) == (2, 3)


async def test_a_failed_write_keeps_its_items_and_ends_the_writer():
    async def write(items: list[str]) -> None:
        raise ConnectionError("peer gone")

    queue: WriterQueue[str] = WriterQueue(write)
    queue.put("a")
    task = queue.start()
    await asyncio.gather(task, return_exceptions=True)
    assert isinstance(task.exception(), ConnectionError)
    assert len(queue) == 1 and queue.written == 0 and queue.closing and not queue.put("b")


async def test_close_gives_up_after_its_timeout_when_the_writer_is_stuck():
    async def write(items: list[int]) -> None:
        await asyncio.Event().wait()  # never returns

    queue: WriterQueue[int] = WriterQueue(write)
    queue.put(1)
    task = queue.start()
    await queue.close(timeout_s=0.1)
    assert task.cancelled() and queue.written == 0
