"""One rate limit for every Ray worker (Ray's local mode on this machine, loopback only).

The same LangChain and core classes are pickled into two Ray workers with one ``SharedRateLimiter``; the
loopback provider measures when each request arrives: together they stay under the account's limit, and a
429's ``Retry-After`` that one worker gets holds the other too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.batch.ray_limiter import SharedRateLimiter
from hostedllm.errors import ConfigurationError
from hostedllm.testing.fake import completion
from hostedllm.transport.ratelimit import RateLimit
from langchain_hostedllm import ChatNovita

from ..loopback import Seen, loopback

ray = pytest.importorskip("ray")

INTERVAL = 0.1  # 600 requests per minute


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


class Provider:
    """A loopback provider noting when each request arrives; the first ``limited`` answers are 429s."""

    def __init__(self, limited: int = 0, retry_after: float = 1.0) -> None:
        self.times: list[float] = []
        self.limited, self.retry_after = limited, retry_after
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.times.append(time.monotonic())
            limited = len(self.times) <= self.limited
        if limited:
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
            return (
                429,
                {"Content-Type": "application/json", "Retry-After": str(self.retry_after)},
                json.dumps(error).encode(),
            )
        return 200, {"Content-Type": "application/json"}, json.dumps(completion("Hi.")).encode()

    def within_rate(self) -> bool:
        t = sorted(self.times)
        return all(t[j] - t[i] >= (j - i - 1) * INTERVAL for i in range(len(t)) for j in range(i + 1, len(t)))


@ray.remote
def ask_langchain(model: Any, times: int) -> list[str]:
    return [str(model.invoke("Hi").content) for _ in range(times)]


@ray.remote
def ask_core(base_url: str, limiter: Any, times: int) -> int:
    chat = ChatClient("novita", "deepseek/deepseek-v3.1", api_key="k", base_url=base_url, rate_limit=limiter)
    for _ in range(times):
        chat.create(chat.build_request([{"role": "user", "content": "Hi"}]))
    return times


def test_two_workers_share_one_limit(local_ray: None) -> None:
    provider = Provider()
    limiter = SharedRateLimiter(RateLimit(requests_per_minute=60 / INTERVAL))
    with loopback(provider) as server:
        model = ChatNovita(
            model="deepseek/deepseek-v3.1", api_key="k", base_url=server.url("/v3/openai"), rate_limit=limiter
        )
        answers = ray.get([ask_langchain.remote(model, 5), ask_core.remote(server.url("/v3/openai"), limiter, 5)])
    assert answers == [["Hi."] * 5, 5]
    assert len(provider.times) == 10
    assert provider.within_rate()
    assert max(provider.times) - min(provider.times) >= 8 * INTERVAL, "each worker alone would have sent at once"
    limiter.kill()


def test_a_retry_after_one_worker_gets_holds_the_other(local_ray: None) -> None:
    provider = Provider(limited=1, retry_after=1.0)
    limiter = SharedRateLimiter(RateLimit(requests_per_minute=6000))  # the limit itself hardly waits
    with loopback(provider) as server:
        url = server.url("/v3/openai")
        first = ask_core.remote(url, limiter, 1)  # gets the 429, retries after the pause
        deadline = time.monotonic() + 60
        while not provider.times and time.monotonic() < deadline:  # a worker process may take a while to start
            time.sleep(0.01)
        time.sleep(0.3)  # the 429 reaches the first worker, which pauses the shared limiter
        second = ask_core.remote(url, limiter, 3)
        assert ray.get([first, second]) == [1, 3]
    start = min(provider.times)
    later = sorted(provider.times)[1:]
    assert all(t - start >= 1.0 - 0.01 for t in later), "nobody sent during the pause"
    limiter.kill()


def test_a_named_limiter_is_one_actor_and_keeps_its_limit(local_ray: None) -> None:
    first = SharedRateLimiter(RateLimit(requests_per_minute=60), name="novita-account")
    second = SharedRateLimiter(RateLimit(requests_per_minute=60), name="novita-account")
    assert first.reserve() == 0.0
    assert second.reserve() > 0.5, "the second handle reaches the same actor"
    with pytest.raises(ConfigurationError, match="already keeps"):
        SharedRateLimiter(RateLimit(requests_per_minute=120), name="novita-account")
    first.kill()
