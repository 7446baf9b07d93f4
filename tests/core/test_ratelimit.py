"""One rate limit per provider account: requests and tokens per minute, paced before every send and shared
by every client that holds the limiter; a 429's Retry-After pauses them all.

The pacing decisions are tested on a fake clock; the clients' sends are tested by when they reach the
transport (a lower bound on the spacing, so a slow machine cannot fail them).
"""

from __future__ import annotations

import asyncio
import pickle
import time
from typing import Any

import httpx
import pytest

from hostedllm import ChatClient
from hostedllm.errors import DeadlineExceededError
from hostedllm.testing.fake import completion
from hostedllm.transport import RetryPolicy, Timeouts
from hostedllm.transport.ratelimit import RateLimit, RateLimiter

HI = [{"role": "user", "content": "Hi"}]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestPacing:
    def test_requests_are_spaced_evenly(self) -> None:
        clock = Clock()
        limiter = RateLimiter(RateLimit(requests_per_minute=60), clock=clock)
        assert [limiter.reserve() for _ in range(3)] == [0.0, 1.0, 2.0]
        clock.now += 10  # idle time is not saved up into a burst
        assert limiter.reserve() == 0.0
        assert limiter.reserve() == 1.0

    def test_tokens_are_spent_at_the_per_second_rate(self) -> None:
        clock = Clock()
        limiter = RateLimiter(RateLimit(tokens_per_minute=6000), clock=clock)  # 100 tokens a second
        assert limiter.reserve(500) == 0.0
        assert limiter.reserve(100) == 5.0, "the first request's 500 tokens take 5 s to pay for"
        assert limiter.reserve(0) == 6.0

    def test_the_real_count_corrects_the_estimate(self) -> None:
        clock = Clock()
        limiter = RateLimiter(RateLimit(tokens_per_minute=6000), clock=clock)
        limiter.reserve(100)
        limiter.settle(estimated=100, actual=400)  # the answer was long
        assert limiter.reserve(0) == 4.0

    def test_both_limits_and_the_slower_wins(self) -> None:
        limiter = RateLimiter(RateLimit(requests_per_minute=600, tokens_per_minute=6000), clock=Clock())
        assert limiter.reserve(1000) == 0.0
        assert limiter.reserve(10) == 10.0, "1000 tokens at 100/s outweigh the 0.1 s request spacing"

    def test_a_pause_holds_everyone(self) -> None:
        clock = Clock()
        limiter = RateLimiter(RateLimit(requests_per_minute=6000), clock=clock)
        limiter.pause(3.0)
        assert limiter.reserve() == 3.0

    @pytest.mark.parametrize("bad", [0, -5.0])
    def test_a_limit_must_be_positive(self, bad: float) -> None:
        with pytest.raises(ValueError, match="must be a positive number"):
            RateLimit(requests_per_minute=bad)

    def test_a_copy_in_this_process_is_the_same_limiter(self) -> None:
        import copy

        limiter = RateLimiter(RateLimit(requests_per_minute=60))
        assert copy.copy(limiter) is limiter
        assert copy.deepcopy({"limit": limiter})["limit"] is limiter

    def test_a_pickled_copy_keeps_the_limit_and_paces_from_now(self) -> None:
        limiter = RateLimiter(RateLimit(requests_per_minute=60))
        limiter.reserve()
        copy = pickle.loads(pickle.dumps(limiter))  # noqa: S301 - our own bytes
        assert copy.limit == limiter.limit
        assert copy.reserve() == 0.0


class Arrivals:
    """A provider that answers at once and notes when each request arrived (and can answer 429 first)."""

    def __init__(self, *, rate_limited_first: float | None = None) -> None:
        self.times: list[float] = []
        self.rate_limited_first = rate_limited_first

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.times.append(time.monotonic())
        if self.rate_limited_first is not None and len(self.times) == 1:
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
            return httpx.Response(429, json=error, headers={"retry-after": str(self.rate_limited_first)})
        return httpx.Response(200, json=completion("Hi."))

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.times, self.times[1:], strict=False)]

    def within_rate(self, interval: float) -> bool:
        """No window holds more than its share of requests plus one: for every pair, the time between them
        covers all but one of the intervals between (what the server measures; one request of slack for the
        time between a slot and its send)."""
        times = self.times
        return all(
            times[j] - times[i] >= (j - i - 1) * interval for i in range(len(times)) for j in range(i + 1, len(times))
        )


def client(arrivals: Arrivals, limiter: Any, **kwargs: Any) -> ChatClient:
    return ChatClient(
        "novita",
        "deepseek/deepseek-v3.1",
        api_key="k",
        transport=httpx.MockTransport(arrivals.handle),
        async_transport=httpx.MockTransport(arrivals.ahandle),
        rate_limit=limiter,
        **kwargs,
    )


class TestClients:
    def test_two_clients_sharing_a_limiter_stay_under_it_together(self) -> None:
        arrivals, limiter = Arrivals(), RateLimiter(RateLimit(requests_per_minute=600))  # one per 100 ms
        first, second = client(arrivals, limiter), client(arrivals, limiter)
        for chat in (first, second) * 4:
            chat.create(chat.build_request(HI))
        assert len(arrivals.times) == 8
        assert arrivals.within_rate(0.1)
        assert arrivals.times[-1] - arrivals.times[0] >= 6 * 0.1, "alone, each client would have sent at once"

    def test_async_requests_in_parallel_are_paced(self) -> None:
        arrivals = Arrivals()
        chat = client(arrivals, RateLimit(requests_per_minute=600))

        async def many() -> None:
            await asyncio.gather(*(chat.acreate(chat.build_request(HI)) for _ in range(8)))

        asyncio.run(many())
        assert len(arrivals.times) == 8
        assert arrivals.within_rate(0.1)
        assert arrivals.times[-1] - arrivals.times[0] >= 6 * 0.1

    def test_a_429_with_retry_after_pauses_every_client_of_the_limiter(self) -> None:
        arrivals = Arrivals(rate_limited_first=0.3)
        limiter = RateLimiter(RateLimit(requests_per_minute=6000))
        waits: list[float] = []
        policy = RetryPolicy(max_retries=1, sleep=waits.append)  # the retry layer's own wait is not slept
        first, second = client(arrivals, limiter, retry_policy=policy), client(arrivals, limiter)
        first.create(first.build_request(HI))  # 429, then retried once the limiter lets it
        second.create(second.build_request(HI))
        assert waits == [0.3]
        assert arrivals.gaps()[0] >= 0.3 - 0.002, "the retry waited for the pause"
        assert arrivals.times[2] - arrivals.times[0] >= 0.3 - 0.002, "so did the other client"

    def test_a_slot_past_the_total_deadline_fails_at_once_without_sending(self) -> None:
        arrivals = Arrivals()
        limiter = RateLimiter(RateLimit(requests_per_minute=6))  # one per 10 s
        chat = client(arrivals, limiter, timeout=Timeouts(total=1.0))
        chat.create(chat.build_request(HI))
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            chat.create(chat.build_request(HI))
        assert time.monotonic() - started < 1.0, "no wait for a slot that cannot come in time"
        assert len(arrivals.times) == 1

    def test_the_answers_token_count_settles_the_reservation(self) -> None:
        arrivals = Arrivals()
        limiter = RateLimiter(RateLimit(tokens_per_minute=60_000_000))
        chat = client(arrivals, limiter)
        request = chat.build_request(HI)
        chat.create(request)
        # the estimate (body bytes / 4) was replaced by the usage's total_tokens (15): nothing outstanding
        # beyond those 15 tokens, i.e. at most 15 * 60 / 60,000,000 s from now
        assert limiter.reserve(0) <= 15 * 60 / 60_000_000 + 1e-3
