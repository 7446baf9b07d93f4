"""The one retry layer: the policy (which failures are retried, how long to wait) and the loops
that wrap one attempt (a call or a stream) in it.

A stream is retried only until its first item reaches the caller; after that a broken
connection is a :class:`StreamInterruptedError`, never a silent restart. The policy's ``sleep``
and ``asleep`` are the seams for waiting (tests record the waits instead of sleeping).

>>> policy = RetryPolicy(max_retries=2, jitter=0)
>>> policy.delay(attempt=1, retry_after=None), policy.delay(attempt=2, retry_after=3.0)
(0.5, 3.0)
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from hostedllm.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    DeadlineExceededError,
    StreamInterruptedError,
)
from hostedllm.transport.deadline import Deadline

T = TypeVar("T")
logger = logging.getLogger("hostedllm")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After`` (on any retried status) up to
    ``max_retry_after`` seconds.

    Retried: 408, 409, 429 rate limits, 5xx and connection failures. Never retried: other 4xx,
    an exhausted quota, a read timeout (the provider may be generating, and billing), or a stream
    that has already handed a chunk to the caller.
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.25
    #: A server asking for a longer wait than this is not retried: the error is raised at once.
    max_retry_after: float = 60.0
    #: How the sync and async loops wait (``time.sleep``, ``asyncio.sleep``); ``draw`` is the jitter's
    #: random number in [0, 1). Seams for tests and custom schedulers; not compared, not shown.
    sleep: Callable[[float], object] = field(default=time.sleep, repr=False, compare=False)
    asleep: Callable[[float], Awaitable[object]] = field(default=asyncio.sleep, repr=False, compare=False)
    draw: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries} must be 0 or more.")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        backoff: float = min(self.max_backoff, self.initial_backoff * 2.0 ** (attempt - 1))
        return backoff * (1 - self.jitter * self.draw())

    def next_delay(self, error: APIError, attempt: int) -> float | None:
        """The wait before retrying after ``error`` on try ``attempt``, or ``None`` to give up."""
        if not error.retryable or attempt > self.max_retries:
            return None
        retry_after = error.retry_after
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        return self.delay(attempt, retry_after)


def call_with_retries(attempt: Callable[[], T], policy: RetryPolicy, deadline: Deadline | None = None) -> T:
    """``attempt()``, tried again as ``policy`` says (and ``deadline`` allows)."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except APIError as error:
            delay = _give_up_or_wait(error, policy, tries, deadline)
        policy.sleep(delay)


async def acall_with_retries(
    attempt: Callable[[], Awaitable[T]], policy: RetryPolicy, deadline: Deadline | None = None
) -> T:
    """:func:`call_with_retries` on the async path."""
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except APIError as error:
            delay = _give_up_or_wait(error, policy, tries, deadline)
        await policy.asleep(delay)


def stream_with_retries(
    open_stream: Callable[[], Iterator[T]], policy: RetryPolicy, deadline: Deadline | None = None
) -> Iterator[T]:
    """The items of ``open_stream()``, opened again as ``policy`` says until the first one is handed on."""
    tries = 0
    while True:
        tries += 1
        started = False
        try:
            for item in open_stream():
                started = True
                yield item
            return
        except APIError as error:
            if started:
                _raise_interrupted(error, tries)
            delay = _give_up_or_wait(error, policy, tries, deadline)
        policy.sleep(delay)


async def astream_with_retries(
    open_stream: Callable[[], AsyncIterator[T]], policy: RetryPolicy, deadline: Deadline | None = None
) -> AsyncIterator[T]:
    """:func:`stream_with_retries` on the async path."""
    tries = 0
    while True:
        tries += 1
        started = False
        try:
            async for item in open_stream():
                started = True
                yield item
            return
        except APIError as error:
            if started:
                _raise_interrupted(error, tries)
            delay = _give_up_or_wait(error, policy, tries, deadline)
        await policy.asleep(delay)


def _give_up_or_wait(error: APIError, policy: RetryPolicy, tries: int, deadline: Deadline | None = None) -> float:
    """The delay before the next try; re-raise ``error`` (noting the tries) when it is the last."""
    delay = policy.next_delay(error, tries)
    if delay is not None and deadline is not None and delay >= deadline.remaining():
        raise deadline.error(error.provider) from error  # the next try could not finish in time
    if delay is None:
        error.attempts = tries
        wait = error.retry_after
        if wait is not None and wait > policy.max_retry_after:
            error.hint = (
                f"The provider asks to wait {wait:.0f} s, longer than the {policy.max_retry_after:.0f} s hostedllm "
                "waits for: retry after that, or lower the request rate."
            )
        raise error
    logger.debug(
        "retrying after %s (try %d of %d) in %.2fs", type(error).__name__, tries, policy.max_retries + 1, delay
    )
    return delay


def _raise_interrupted(error: APIError, tries: int) -> None:
    """A connection failure once the stream has started is an interruption; others stay as they are."""
    error.attempts = tries
    if isinstance(error, (APIConnectionError, APITimeoutError)) and not isinstance(error, DeadlineExceededError):
        interrupted = StreamInterruptedError(
            f"the stream broke off after it had started: {error.message}",
            provider=error.provider,
            hint="Part of the answer was already delivered, so it was not retried; retry the request.",
        )
        interrupted.attempts = tries
        raise interrupted from error
    raise error


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds from ``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
