"""The single retry layer: wrap one attempt (a call or a stream) in the :class:`RetryPolicy`.

A stream is retried only until its first item reaches the caller; after that a broken
connection is a :class:`StreamInterruptedError`, never a silent restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

from hostedllm.errors import APIConnectionError, APIError, APITimeoutError, RateLimitError, StreamInterruptedError
from hostedllm.transport.retry import RetryPolicy

T = TypeVar("T")
logger = logging.getLogger("hostedllm")


def call_with_retries(attempt: Callable[[], T], policy: RetryPolicy, sleep: Callable[[float], None] | None = None) -> T:
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except APIError as error:
            delay = _give_up_or_wait(error, policy, tries)
        (sleep or time.sleep)(delay)


async def acall_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except APIError as error:
            delay = _give_up_or_wait(error, policy, tries)
        await (sleep or asyncio.sleep)(delay)


def stream_with_retries(
    open_stream: Callable[[], Iterator[T]], policy: RetryPolicy, sleep: Callable[[float], None] | None = None
) -> Iterator[T]:
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
            delay = _give_up_or_wait(error, policy, tries)
        (sleep or time.sleep)(delay)


async def astream_with_retries(
    open_stream: Callable[[], AsyncIterator[T]],
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> AsyncIterator[T]:
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
            delay = _give_up_or_wait(error, policy, tries)
        await (sleep or asyncio.sleep)(delay)


def _give_up_or_wait(error: APIError, policy: RetryPolicy, tries: int) -> float:
    """The delay before the next try; re-raise ``error`` (noting the tries) when it is the last."""
    delay = policy.next_delay(error, tries)
    if delay is None:
        error.attempts = tries
        wait = error.retry_after if isinstance(error, RateLimitError) else None
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
    if isinstance(error, (APIConnectionError, APITimeoutError)):
        interrupted = StreamInterruptedError(
            f"the stream broke off after it had started: {error.message}",
            provider=error.provider,
            hint="Part of the answer was already delivered, so it was not retried; retry the request.",
        )
        interrupted.attempts = tries
        raise interrupted from error
    raise error
