"""A total deadline for one call: connection, answer, every stream chunk and every retry wait.

Off by default (``Timeouts(total=None)``): ``timeout=`` bounds each wait, so a server trickling a
byte at a time could hold a call as long as it liked. With ``Timeouts(total=30)`` the call raises
:class:`~hostedllm.errors.DeadlineExceededError` (an ``APITimeoutError``, never retried) once 30 s
have passed since it began, however the time was spent.

>>> deadline = Deadline.start(30.0)
>>> 29.0 < deadline.remaining() <= 30.0
True
>>> Deadline.start(None) is None
True
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TypeVar

from hostedllm.errors import DeadlineExceededError

T = TypeVar("T")
#: aiohttp's and asyncio's timeouts: on Python 3.10 ``asyncio.TimeoutError`` is not yet the built-in.
TIMEOUT_ERRORS = (TimeoutError, asyncio.TimeoutError)


@dataclass(frozen=True)
class Deadline:
    """When a call must be over (``time.monotonic()`` seconds), and the total it was given."""

    total: float
    at: float

    @classmethod
    def start(cls, total: float | None) -> Deadline | None:
        """The deadline of a call starting now (``None`` when there is no total)."""
        return None if total is None else cls(total, time.monotonic() + total)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def error(self, provider: str) -> DeadlineExceededError:
        return DeadlineExceededError(
            f"the call did not finish within its total deadline of {self.total:g}s",
            provider=provider,
            hint="Raise Timeouts(total=...) for long answers, or leave it unset (the default). Not retried.",
        )


async def within_seconds(call: Awaitable[T], seconds: float) -> T:
    """``await call``, cancelled after ``seconds`` (``TimeoutError``); no extra task on Python 3.11+."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(max(seconds, 0.0)):
            return await call
    return await asyncio.wait_for(call, max(seconds, 0.0))


async def within(call: Awaitable[T], deadline: Deadline, provider: str) -> T:
    """``await call``, cancelled when ``deadline`` passes."""
    try:
        return await within_seconds(call, deadline.remaining())
    except TIMEOUT_ERRORS:
        raise deadline.error(provider) from None


async def iterate_within(items: AsyncIterator[T], deadline: Deadline, provider: str) -> AsyncIterator[T]:
    """The items of ``items``, each awaited only until ``deadline``."""
    try:
        while True:
            try:
                item = await within_seconds(anext(items), deadline.remaining())
            except StopAsyncIteration:
                return
            except TIMEOUT_ERRORS:
                raise deadline.error(provider) from None
            yield item
    finally:
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()
