"""The same batch job on Ray Data: ``map_batches`` over an actor pool, each actor an event loop of async clients.

Each actor builds its work once (``make_work()``: the model is created in, or pickled into, the worker),
runs a batch of rows ``concurrency`` at a time, writes the batch's results as one Parquet part into the
shared output folder and returns only their summary; the driver adds those up for the progress line.
Rows already in the folder are filtered out first, so a re-run resumes. Pair it with a
:class:`~hostedllm.batch.ray_limiter.SharedRateLimiter` in the work's client, and every actor keeps one
account limit together.

>>> limiter = SharedRateLimiter(RateLimit(requests_per_minute=600))  # doctest: +SKIP
>>> make = lambda: chat_work(ChatClient("novita", "deepseek/deepseek-v3.1", rate_limit=limiter))  # doctest: +SKIP
>>> run_on_ray("prompts.jsonl", make, "answers/", workers=2)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hostedllm.batch.files import ResultFolder
from hostedllm.batch.ray_limiter import import_ray
from hostedllm.batch.runner import Summary, Work, row_result

#: The result columns an actor returns to the driver (the outputs stay in the part files).
_SUMMARY = ("id", "error_type", "input_tokens", "output_tokens", "cost", "currency")


class _Worker:
    """One actor of the pool: its own event loop and work, kept across batches."""

    def __init__(self, make_work: Callable[[], Work], folder: str, concurrency: int) -> None:
        self.work = make_work()
        self.folder = ResultFolder(folder)
        self.loop = asyncio.new_event_loop()
        self.gate = asyncio.Semaphore(concurrency)

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, list[Any]]:
        rows = [
            {"id": str(row_id), "input": _plain(given)}
            for row_id, given in zip(batch["id"], batch["input"], strict=True)
        ]
        results = self.loop.run_until_complete(self._run(rows))
        self.folder.write(results)
        return {name: [result.get(name) for result in results] for name in _SUMMARY}

    async def _run(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        async def one(row: dict[str, Any]) -> dict[str, Any]:
            async with self.gate:
                return await row_result(row, self.work)

        return list(await asyncio.gather(*(one(row) for row in rows)))


def _plain(value: Any) -> Any:
    """A cell as Python data (Ray hands numpy arrays and scalars)."""
    return value.tolist() if hasattr(value, "tolist") else value


def run_on_ray(
    rows: Any,
    make_work: Callable[[], Work],
    output: str | Path,
    *,
    workers: int = 2,
    concurrency: int = 8,
    batch_size: int = 100,
    cpus_per_worker: float = 0.5,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Run the work ``make_work()`` builds over ``rows`` on Ray; the job's summary.

    Parameters:
        rows: a ``ray.data.Dataset`` with ``id`` and ``input`` columns, or a JSONL or Parquet file of them.
        make_work: builds one actor's work (e.g. ``lambda: chat_work(ChatClient(...))``); pickled to the actors.
        output: the results folder (Parquet parts, as :func:`~hostedllm.batch.runner.run_job` writes).
        workers: actors in the pool; concurrency: requests in flight per actor; batch_size: rows per part.
        cpus_per_worker: Ray CPUs each actor reserves (mostly waiting on the network, so less than one).
        progress: called with the summary after every batch.
    """
    ray = import_ray()
    from ray.data import ActorPoolStrategy, Dataset

    if isinstance(rows, Dataset):
        dataset = rows
    else:
        path = str(rows)
        dataset = ray.data.read_parquet(path) if path.endswith(".parquet") else ray.data.read_json(path, lines=True)
    dataset = dataset.select_columns(["id", "input"])
    folder = ResultFolder(output)
    done = folder.done_ids()
    summary = Summary(rows=dataset.count())
    if done:
        summary.skipped = len(done)
        dataset = dataset.filter(lambda row: str(row["id"]) not in done)
    results = dataset.map_batches(
        _Worker,
        fn_constructor_args=(make_work, str(folder.folder), concurrency),
        batch_size=batch_size,
        compute=ActorPoolStrategy(size=workers),
        num_cpus=cpus_per_worker,
    )
    batches: Any = results.iter_batches(batch_size=None, batch_format="pyarrow")  # pyarrow Tables
    for batch in batches:
        for record in batch.to_pylist():
            summary.add(record)
        if progress is not None:
            progress(summary)
    return summary
