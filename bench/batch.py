"""Batch jobs: rows per second and client CPU per row, one process against Ray's local mode (2 workers),
at the same rate limit, against nginx serving a canned chat answer on loopback.

    .venv/bin/python bench/batch.py            # 3 rounds of 4,000 rows each way; writes bench/results-batch.md
    .venv/bin/python bench/batch.py --quick    # 1 round of 1,000 rows; writes results-batch-partial.md

Both run ``chat_work(ChatClient(...))`` over the same JSONL file into a fresh Parquet folder: one process
with ``run_job`` (``concurrency=32``), and ``run_on_ray`` with 2 actors (``concurrency=16`` each) sharing
one ``SharedRateLimiter``. The limit is 60,000 requests a minute (1,000 a second), above what either
reaches here, so the figures show each way's own cost. Client CPU is every process of this job's tree
except nginx's (for Ray: the driver, the actors and Ray's own processes, sampled every 0.1 s so actors
that end with the job still count; for one process: that process alone), per row. Ray's start
(``ray.init``, about 3 s) is outside the timed part; the medians over the rounds are reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from procstat import children, process_cpu_seconds  # noqa: E402
from server import CannedServer, nginx_version  # noqa: E402

PER_MINUTE = 60_000
MODEL = "deepseek/deepseek-v3.1"


def tree(pid: int, skip: set[int]) -> list[int]:
    """``pid`` and every descendant, except the ``skip`` pids and theirs."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in skip:
            continue
        found.append(current)
        todo.extend(children(current))
    return found


class CpuSampler:
    """CPU seconds used by this process tree (less ``skip``) while it runs: every process's counter is read
    every 0.1 s, so a process that ends (Ray's actors do, with the job) keeps what it had used."""

    def __init__(self, skip: set[int], *, whole_tree: bool = True) -> None:
        self.skip = skip
        self.whole_tree = whole_tree
        self.start: dict[int, float] = self._read()
        self.last: dict[int, float] = dict(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read(self) -> dict[int, float]:
        found = {}
        for pid in tree(os.getpid(), self.skip) if self.whole_tree else [os.getpid()]:
            with contextlib.suppress(OSError):  # ended since it was listed
                found[pid] = process_cpu_seconds(pid)
        return found

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.last.update(self._read())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.last.update(self._read())
        return sum(used - self.start.get(pid, 0.0) for pid, used in self.last.items())


def write_rows(path: Path, count: int) -> None:
    path.write_text("".join(json.dumps({"id": f"r{n}", "input": f"prompt {n}"}) + "\n" for n in range(count)))


def one_round(way: str, rows: Path, url: str, skip: set[int]) -> tuple[float, float]:
    """(rows per second, client CPU ms per row) for one job."""
    from hostedllm import ChatClient
    from hostedllm.batch.files import read_rows
    from hostedllm.batch.runner import chat_work, run_job
    from hostedllm.transport.ratelimit import RateLimit

    output = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    count = sum(1 for _ in rows.open())
    try:
        if way == "one process":
            chat = ChatClient("novita", MODEL, api_key="k", base_url=url, rate_limit=RateLimit(PER_MINUTE))
            before, sampler = time.perf_counter(), CpuSampler(skip, whole_tree=False)  # Ray's idle cluster aside
            summary = run_job(read_rows(rows), chat_work(chat), output, concurrency=32, chunk_size=500)
        else:
            from hostedllm.batch.ray_data import run_on_ray
            from hostedllm.batch.ray_limiter import SharedRateLimiter

            limiter = SharedRateLimiter(RateLimit(PER_MINUTE))

            def make() -> Any:
                return chat_work(ChatClient("novita", MODEL, api_key="k", base_url=url, rate_limit=limiter))

            before, sampler = time.perf_counter(), CpuSampler(skip)
            summary = run_on_ray(str(rows), make, output, workers=2, concurrency=16, batch_size=500)
            limiter.kill()
        elapsed = time.perf_counter() - before
        cpu = sampler.stop()
        if summary.done != count or summary.errors:
            raise RuntimeError(f"the job did not answer every row: {summary}")
        return count / elapsed, cpu / count * 1000
    finally:
        shutil.rmtree(output, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one round of 1,000 rows")
    args = parser.parse_args()
    rounds, count = (1, 1000) if args.quick else (3, 4000)
    import guard
    import ray

    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-rows-"))
    rows = workdir / "rows.jsonl"
    write_rows(rows, count)
    results: dict[str, list[tuple[float, float]]] = {"one process": [], "Ray, 2 workers": []}
    with CannedServer(MODEL, chunks=1) as server:
        skip = {pid for pid in tree(os.getpid(), set()) if _name(pid) == "nginx"}  # the server is not the client
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        guard.install()
        for _ in range(rounds):
            for way, samples in results.items():
                samples.append(one_round(way, rows, server.url("json"), skip))
        ray.shutdown()
    shutil.rmtree(workdir, ignore_errors=True)
    lines = [
        f"# Batch jobs: one process vs Ray local mode ({datetime.now(timezone.utc):%Y-%m-%d}, "
        f"{os.cpu_count()} CPUs, nginx {nginx_version()}, ray {ray.__version__})",
        "",
        f"{count:,} rows, rate limit {PER_MINUTE:,} requests/minute, median of {rounds} round(s).",
        "",
        "| way | rows/s | client CPU per row |",
        "|---|---|---|",
    ]
    for way, samples in results.items():
        speed = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        lines.append(f"| {way} | {speed:,.0f} | {cpu:.2f} ms |")
    text = "\n".join(lines) + "\n"
    target = HERE / ("results-batch-partial.md" if args.quick else "results-batch.md")
    target.write_text(text, encoding="utf-8")
    print(text)


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
