"""Reconnects to Redis with redis-py's own ``Retry`` (exponential backoff, retrying for as
long as it takes), plus a hook told of every failed attempt: it counts and logs the outage,
and raises to stop retrying (when its owner is closing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

T = TypeVar("T")

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
"""Errors of an unreachable Redis (retried), as opposed to a command Redis rejected."""


class ReportingRetry(Retry):
    def __init__(self, *, initial_s: float, max_s: float, on_failure: Callable[[Exception], None]) -> None:
        # ExponentialBackoff waits base * 2**failures: ``initial_s`` after the first failure.
        super().__init__(ExponentialBackoff(cap=max_s, base=initial_s / 2), retries=-1,
                         supported_errors=OUTAGE_ERRORS)  # type: ignore[arg-type]
        self.failures = 0
        self._on_failure = on_failure

    def __deepcopy__(self, memo: dict[int, Any]) -> ReportingRetry:
        return self  # redis-py copies its retry per client: keep the one hook (the backoff is stateless)

    async def call_with_retry(self, do: Callable[[], Awaitable[T]], fail: Callable[..., Any],
                              is_retryable: Callable[[Exception], bool] | None = None,
                              with_failure_count: bool = False) -> T:
        def failed(error: Exception, *count: int) -> Any:
            self.failures += 1
            self._on_failure(error)
            return fail(error, *count)

        return await super().call_with_retry(do, failed, is_retryable, with_failure_count)
