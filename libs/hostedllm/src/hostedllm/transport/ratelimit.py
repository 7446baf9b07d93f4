"""One rate limit per provider account: requests and tokens per minute, paced before every send.

:class:`RateLimiter` decides with :meth:`~RateLimiter.reserve` (a pure reservation: how long this request
must wait, the slot taken), so the same decision can live in one place that many workers ask (a Ray
actor) or in this process. Slots are spaced evenly (``60 / requests_per_minute`` seconds apart) and
tokens are spent at ``tokens_per_minute / 60`` a second, so no window of slots holds more than its
share (plus the one that opens it); a request leaves at its slot or a little after, never before. A
``429`` with ``Retry-After`` pauses every client that shares the limiter, not only the one that got it.

>>> limiter = RateLimiter(RateLimit(requests_per_minute=120), clock=lambda: 0.0)
>>> [limiter.reserve(tokens=10) for _ in range(3)]
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RateLimit:
    """Requests and tokens per minute that one provider account may use (``None``: not limited).

    >>> RateLimit(requests_per_minute=60, tokens_per_minute=100_000)
    RateLimit(requests_per_minute=60, tokens_per_minute=100000)
    """

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name}={value!r} must be a positive number (or None for no limit).")


@runtime_checkable
class Limiter(Protocol):
    """What the transport asks of a rate limiter: :class:`RateLimiter` here, or one a cluster shares
    (:class:`~hostedllm.batch.ray_limiter.SharedRateLimiter`)."""

    def reserve(self, tokens: int = 0) -> float: ...
    def settle(self, estimated: int, actual: int) -> None: ...
    def pause(self, seconds: float) -> None: ...
    def acquire(self, tokens: int = 0) -> None: ...
    async def aacquire(self, tokens: int = 0) -> None: ...


class RateLimiter:
    """Paces the requests of every client that holds it (threads and event loops of one process).

    Parameters:
        limit: the :class:`RateLimit` to keep.
        clock: the monotonic clock, in seconds (a seam for tests).
    """

    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._next_request = 0.0  # the earliest time the next request may go
        self._next_tokens = 0.0  # the time by which the tokens already reserved are paid for

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit!r})"

    def __copy__(self) -> RateLimiter:
        return self  # copies of a model in one process keep sharing the account's limit

    def __deepcopy__(self, memo: dict[int, object]) -> RateLimiter:
        return self

    def __getstate__(self) -> dict[str, object]:
        # Another process cannot share this one's state: its copy paces on its own, from now. Across Ray
        # workers, use hostedllm.batch.ray_limiter.SharedRateLimiter.
        return {"limit": self.limit, "_clock": self._clock}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["limit"], clock=state["_clock"])  # type: ignore[misc]

    def reserve(self, tokens: int = 0) -> float:
        """Take the next slot for a request of about ``tokens`` tokens; the seconds to wait before sending it."""
        rpm, tpm = self.limit.requests_per_minute, self.limit.tokens_per_minute
        with self._lock:
            now = self._clock()
            start = max(now, self._next_request)
            if tpm is not None:
                start = max(start, self._next_tokens)
                self._next_tokens = start + max(tokens, 0) * 60.0 / tpm
            if rpm is not None:
                self._next_request = start + 60.0 / rpm
            return start - now

    def settle(self, estimated: int, actual: int) -> None:
        """Correct a reservation once the answer says how many tokens the request really used."""
        tpm = self.limit.tokens_per_minute
        if tpm is not None and actual != estimated:
            with self._lock:
                self._next_tokens += (actual - estimated) * 60.0 / tpm

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (a provider's ``Retry-After``)."""
        with self._lock:
            self._next_request = max(self._next_request, self._clock() + max(seconds, 0.0))

    def acquire(self, tokens: int = 0) -> None:
        """Wait (blocking) until a request of about ``tokens`` tokens may go."""
        delay = self.reserve(tokens)
        if delay > 0:
            time.sleep(delay)

    async def aacquire(self, tokens: int = 0) -> None:
        """:meth:`acquire` without blocking the event loop."""
        delay = self.reserve(tokens)
        if delay > 0:
            await asyncio.sleep(delay)


def estimated_tokens(body: bytes) -> int:
    """A request's input tokens, roughly (about four bytes a token), before the answer says."""
    return len(body) // 4
