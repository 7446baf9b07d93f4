"""The one retry policy: which failures are retried, and how long to wait before the next try.

>>> policy = RetryPolicy(max_retries=2, jitter=0)
>>> policy.delay(attempt=1, retry_after=None), policy.delay(attempt=2, retry_after=3.0)
(0.5, 3.0)
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from hostedllm.errors import APIError, RateLimitError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After`` up to ``max_retry_after`` seconds.

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

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries} must be 0 or more.")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        backoff: float = min(self.max_backoff, self.initial_backoff * 2.0 ** (attempt - 1))
        return backoff * (1 - self.jitter * random.random())  # noqa: S311 - jitter, not cryptography

    def next_delay(self, error: APIError, attempt: int) -> float | None:
        """The wait before retrying after ``error`` on try ``attempt``, or ``None`` to give up."""
        if not error.retryable or attempt > self.max_retries:
            return None
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        return self.delay(attempt, retry_after)


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
