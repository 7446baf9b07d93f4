"""The scenarios: what is measured, in which unit, with which counts; and the in-process bodies.

Each body runs in a fresh worker process, warms up (connections, lazy imports, caches), checks
the answer once, then measures one bounded section: the client process's CPU
(``time.process_time``, all threads), the wall time, and nginx's worker CPU over that section.
"""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import canned
from clients import Adapter, ClientSpec, Target
from procstat import process_cpu_seconds


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    unit: str  # of the value: "µs", "ms" or "MB"
    per: str  # what one value is per: "call", "chunk", "import", "process"
    full: dict[str, int]
    quick: dict[str, int]


def describe(counts: dict[str, int]) -> str:
    """``{"count": 500, "warmup": 20}`` as "500 calls (+20 warm-up)"."""
    parts = []
    if "count" in counts:
        parts.append(f"{counts['count']:,} calls")
    if "concurrency" in counts:
        parts.append(f"at concurrency {counts['concurrency']}")
    if "chunks" in counts:
        parts.append(f"{counts['chunks']:,} chunks")
    if "warmup" in counts:
        parts.append(f"(+{counts['warmup']} warm-up)")
    return " ".join(parts)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "invoke",
            "Sequential invoke: CPU per call",
            "µs",
            "call",
            {"count": 500, "warmup": 20},
            {"count": 100, "warmup": 5},
        ),
        Scenario(
            "fanout",
            "Async fan-out (ainvoke/achat, gather + Semaphore): CPU per call",
            "µs",
            "call",
            {"count": 2000, "concurrency": 64},
            {"count": 256, "concurrency": 64},
        ),
        Scenario("stream", "Streaming: CPU per chunk", "µs", "chunk", {"chunks": 20_000}, {"chunks": 2_000}),
        Scenario("import", "Import time (fresh process)", "ms", "import", {}, {}),
        Scenario("rss", "Peak RSS after one call (fresh process)", "MB", "process", {}, {}),
        Scenario(
            "abatch",
            "abatch(max_concurrency=64) (LlamaIndex and raw: gather at 64): CPU per call",
            "µs",
            "call",
            {"count": 10_000, "concurrency": 64},
            {"count": 1_000, "concurrency": 64},
        ),
        Scenario(
            "bigctx",
            "128k-token context (~500 KB RAG prompt): CPU per invoke",
            "ms",
            "call",
            {"count": 30, "warmup": 3},
            {"count": 5, "warmup": 1},
        ),
    )
}


@dataclass
class Job:
    """What one worker process measures (sent to it as JSON)."""

    scenario: str
    client: str
    model: str
    port: int
    nginx_pid: int
    counts: dict[str, int]


def _url(job: Job, kind: str) -> str:
    return f"http://127.0.0.1:{job.port}/{kind}/v1"


class _Meter:
    """Client CPU, wall time and nginx worker CPU over one section.

    With ``BENCH_PROFILE=<dir>`` in the environment (``peers.py --profile``), pyinstrument also
    profiles the section into ``<dir>/<scenario>-<client>.txt`` (and the numbers include its cost).
    """

    def __init__(self, job: Job) -> None:
        self.nginx_pid = job.nginx_pid
        self.tag = f"{job.scenario}-{job.client}"
        self.profiler: Any = None

    def __enter__(self) -> _Meter:
        gc.collect()
        gc.freeze()  # the imported modules' objects: full collections no longer scan them (same for every client)
        if os.environ.get("BENCH_PROFILE"):
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.0005, async_mode="enabled")
            self.profiler.start()
        self.nginx0 = process_cpu_seconds(self.nginx_pid)
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0
        self.nginx = process_cpu_seconds(self.nginx_pid) - self.nginx0
        if self.profiler is not None:
            self.profiler.stop()
            out = Path(os.environ["BENCH_PROFILE"]) / f"{self.tag}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(self.profiler.output_text(unicode=True, show_all=False))

    def result(self, units: int, scale: float, **extra: Any) -> dict[str, Any]:
        return {
            "value": self.cpu / units * scale,
            "wall": self.wall / units * scale,
            "nginx": self.nginx / units * scale,
            "units": units,
            **extra,
        }


def _check(answer: str) -> None:
    if answer != canned.ANSWER_TEXT:
        raise RuntimeError(f"unexpected answer {answer[:200]!r}")


def run_invoke(spec: ClientSpec, job: Job, big: bool = False) -> dict[str, Any]:
    adapter = spec.build(Target(_url(job, "json"), job.model))
    messages = adapter.prepare(canned.rag_messages() if big else canned.MESSAGES)
    _check(adapter.call(messages))
    for _ in range(job.counts["warmup"]):
        adapter.call(messages)
    count = job.counts["count"]
    with _Meter(job) as meter:
        for _ in range(count):
            adapter.call(messages)
    asyncio.run(adapter.aclose())
    return meter.result(count, 1e3 if big else 1e6)


def run_bigctx(spec: ClientSpec, job: Job) -> dict[str, Any]:
    return run_invoke(spec, job, big=True)


def _run_async(
    spec: ClientSpec, job: Job, batch: Callable[[Adapter, Any, int, int], Awaitable[list[str]]]
) -> dict[str, Any]:
    count, concurrency = job.counts["count"], job.counts["concurrency"]

    async def main() -> dict[str, Any]:
        adapter = spec.build(Target(_url(job, "json"), job.model))
        messages = adapter.prepare(canned.MESSAGES)
        try:
            _check(await adapter.acall(messages))
            await batch(adapter, messages, concurrency, concurrency)  # opens the pool's connections
            with _Meter(job) as meter:
                answers = await batch(adapter, messages, count, concurrency)
            if len(answers) != count or answers[-1] != canned.ANSWER_TEXT:
                raise RuntimeError(f"{len(answers)} answers for {count} calls")
            return meter.result(count, 1e6)
        finally:
            await adapter.aclose()

    return asyncio.run(main())


def run_fanout(spec: ClientSpec, job: Job) -> dict[str, Any]:
    return _run_async(spec, job, Adapter.abatch)  # a gather under a semaphore, whatever the client


def run_abatch(spec: ClientSpec, job: Job) -> dict[str, Any]:
    return _run_async(spec, job, lambda adapter, m, n, c: adapter.abatch(m, n, c))  # LangChain: its own abatch


def run_stream(spec: ClientSpec, job: Job) -> dict[str, Any]:
    chunks = job.counts["chunks"]
    adapter = spec.build(Target(_url(job, "sse"), job.model, chunks))
    messages = adapter.prepare(canned.MESSAGES)
    adapter.stream(messages)  # warm-up on the same instance: its lazily made HTTP client, connection, caches
    with _Meter(job) as meter:
        items, chars = adapter.stream(messages)
    if chars != chunks * len(canned.CHUNK_TEXT):
        raise RuntimeError(f"streamed {chars} characters in {items} items; expected {chunks} chunks")
    asyncio.run(adapter.aclose())
    return meter.result(chunks, 1e6, items=items)


def run_rss(spec: ClientSpec, job: Job) -> dict[str, Any]:
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    adapter = spec.build(Target(_url(job, "json"), job.model))
    messages = adapter.prepare(canned.MESSAGES)
    if adapter.supports_sync:
        _check(adapter.call(messages))
    else:

        async def once() -> str:
            try:
                return await adapter.acall(messages)
            finally:
                await adapter.aclose()

        _check(asyncio.run(once()))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"value": peak_kb / 1024, "wall": None, "nginx": None, "units": 1, "before": before_kb / 1024}


RUNNERS: dict[str, Callable[[ClientSpec, Job], dict[str, Any]]] = {
    "invoke": run_invoke,
    "fanout": run_fanout,
    "stream": run_stream,
    "rss": run_rss,
    "abatch": run_abatch,
    "bigctx": run_bigctx,
}
