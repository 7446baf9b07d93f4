"""Load: 1,000 async calls at concurrency 100 with 10 % injected 429/500, over real loopback HTTP.

Every call ends in an answer or a typed error; the requests the server saw are exactly the calls
plus one retry per injected failure that was not a call's last try; and the client's TCP
connections stay within the pool limits and are all closed by ``aclose()``.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.errors import APIError, RateLimitError, ServerError
from hostedllm.transport import RetryPolicy
from langchain_hostedllm import ChatLocal

from .fault_server import TEXT, FaultServer, RecordedRequest

MODEL = "smollm2-135m-instruct"
FAULTS = {"429_retry_after_0": RateLimitError, "500": ServerError}
FAULT_RATE = 0.10
MAX_TRIES = 3  # max_retries=2
# The async pool (aiohttp's connector under httpx): at most 100 connections; idle ones are kept for 5 s.
POOL_MAX = 100

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts sockets through /proc (Linux)")


def random_faults(seed: int) -> Callable[[RecordedRequest], str]:
    """A chooser for the fault server: 5 % 429 (Retry-After: 0), 5 % 500, else an answer."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data; the server draws under its lock, so the draws are sequential

    def choose(request: RecordedRequest) -> str:
        draw = rng.random()
        if draw < FAULT_RATE / 2:
            return "429_retry_after_0"
        if draw < FAULT_RATE:
            return "500"
        return "ok"

    return choose


def client_sockets(port: int) -> int:
    """This process's open TCP sockets connected to ``port`` on loopback (the client side only)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[9] in inodes:
                count += 1
    return count


class SocketWatch:
    """Samples :func:`client_sockets` in the background and keeps the peak."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, client_sockets(self.port))
            await asyncio.sleep(0.005)

    async def __aenter__(self) -> SocketWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, client_sockets(self.port))


async def sockets_after_close(port: int) -> int:
    """The client sockets left once closing has settled (polled briefly)."""
    for _ in range(50):
        left = client_sockets(port)
        if left == 0:
            return 0
        await asyncio.sleep(0.02)
    return left


def check_accounting(server: FaultServer, results: Sequence[Any], answer_text: Callable[[Any], str]) -> dict[str, int]:
    """Each call's requests: k injected failures then an answer (k < 3), or 3 failures and a typed error."""
    by_call: dict[int, list[str]] = defaultdict(list)
    for request in server.requests:
        assert request.path == "/v1/chat/completions"
        by_call[int(request.prompt.removeprefix("call-"))].append(request.behaviour)
    assert sorted(by_call) == list(range(len(results))), "every call reached the server"
    failed = 0
    for index, result in enumerate(results):
        tries = by_call[index]
        assert 1 <= len(tries) <= MAX_TRIES, (index, tries)
        assert all(t in FAULTS for t in tries[:-1]), (index, tries)  # only failures are retried
        if isinstance(result, BaseException):
            failed += 1
            assert isinstance(result, APIError), f"call {index}: untyped {type(result).__name__}: {result}"
            assert len(tries) == MAX_TRIES, (index, tries)
            assert type(result) is FAULTS[tries[-1]], (index, tries, result)
            assert result.attempts == MAX_TRIES
            assert str(result).startswith("[local] HTTP ")
        else:
            assert tries[-1] == "ok", (index, tries)
            assert answer_text(result) == TEXT
    injected = sum(request.behaviour in FAULTS for request in server.requests)
    # Every injected failure is followed by a retry, except the last try of an exhausted call.
    assert server.count == len(results) + injected - failed
    assert 0.05 * server.count < injected < 0.15 * server.count
    return {"requests": server.count, "injected": injected, "failed": failed}


async def test_core_client_1000_calls_at_concurrency_100() -> None:
    calls, concurrency = 1000, 100
    with FaultServer(lifetime=60) as server:
        server.chooser = random_faults(seed=1234)
        client = ChatClient(
            "local",
            MODEL,
            base_url=server.base_url,
            max_retries=2,
            retry_policy=RetryPolicy(initial_backoff=0.01, max_backoff=0.05, jitter=0),
        )
        assert client_sockets(server.port) == 0
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int) -> Any:
            request = client.build_request([{"role": "user", "content": f"call-{index}"}], params={"max_tokens": 8})
            async with gate:
                return await client.acreate(request)

        async with SocketWatch(server.port) as watch:
            results = await asyncio.gather(*(one(i) for i in range(calls)), return_exceptions=True)
        idle = client_sockets(server.port)
        await client.aclose()
        left = await sockets_after_close(server.port)

        stats = check_accounting(server, results, lambda answer: answer["choices"][0]["message"]["content"])
    assert 0 < watch.peak <= POOL_MAX
    assert idle <= POOL_MAX
    assert left == 0, stats


async def test_langchain_abatch_300_calls_at_max_concurrency_100() -> None:
    calls = 300
    with FaultServer(lifetime=60) as server:
        server.chooser = random_faults(seed=4321)
        chat = ChatLocal(model=MODEL, base_url=server.base_url, max_retries=2, max_tokens=8)
        client = chat.client()
        assert client.retry_policy.max_retries == 2
        client.retry_policy = RetryPolicy(initial_backoff=0.01, max_backoff=0.05, jitter=0)
        async with SocketWatch(server.port) as watch:
            results = await chat.abatch(
                [f"call-{i}" for i in range(calls)], config={"max_concurrency": 100}, return_exceptions=True
            )
        idle = client_sockets(server.port)
        await client.aclose()
        left = await sockets_after_close(server.port)

        stats = check_accounting(server, results, lambda message: message.content)
    assert 0 < watch.peak <= POOL_MAX
    assert idle <= POOL_MAX
    assert left == 0, stats


def test_one_model_across_event_loops() -> None:
    """``asyncio.run`` twice (a script, a notebook cell): connections opened on a closed loop are not reused."""
    with FaultServer(lifetime=30) as server:
        server.chooser = lambda request: "ok"
        chat = ChatLocal(model=MODEL, base_url=server.base_url, max_retries=0)
        first = asyncio.run(chat.ainvoke("call-0"))
        second = asyncio.run(chat.ainvoke("call-1"))
        third = asyncio.run(collect(chat.astream("call-2")))
    assert first.content == second.content == third == TEXT
    assert server.count == 3


async def collect(chunks: Any) -> str:
    return "".join([chunk.content async for chunk in chunks])
