"""Run one model over many rows in this process: asyncio, bounded concurrency, one rate limit, resumable.

Each row's work is an async function of its input (:func:`chat_work`, :func:`embedding_work`, or your
own returning an :class:`Outcome`); every row ends as a result with its id and either the output or the
error's type and message (a failed row is never dropped, and never stops the job). Results go to a
:class:`~hostedllm.batch.files.ResultFolder` a chunk at a time, so a killed job loses at most the chunks
in flight, and a second run with the same folder does only the rows not yet written.

>>> from hostedllm import ChatClient  # doctest: +SKIP
>>> limit = RateLimit(requests_per_minute=600)  # doctest: +SKIP
>>> chat = ChatClient("novita", "deepseek/deepseek-v3.1", rate_limit=limit)  # doctest: +SKIP
>>> run_job(read_rows("prompts.jsonl"), chat_work(chat), "answers/")  # doctest: +SKIP
Summary(rows=10000, done=10000, skipped=0, errors=12, input_tokens=..., output_tokens=..., cost=...)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostedllm.batch.files import ResultFolder
from hostedllm.catalog import Cost
from hostedllm.client import ChatClient
from hostedllm.embeddings import EmbeddingsClient
from hostedllm.reasoning import message_reasoning
from hostedllm.tokens import Tokens


@dataclass(frozen=True)
class Outcome:
    """What one row's work produced: the output, and the tokens and cost it took where known."""

    output: Any
    tokens: Tokens | None = None
    cost: float | None = None
    currency: str | None = None


Work = Callable[[Any], Awaitable[Outcome]]


@dataclass
class Summary:
    """A job's totals so far (the progress line prints it; :func:`run_job` returns the final one)."""

    rows: int = 0
    done: int = 0
    skipped: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    currency: str | None = None
    started: float = field(default_factory=time.monotonic, repr=False)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        cost = f", ~{self.cost:.4f} {self.currency}" if self.currency else ""
        return (
            f"{self.done + self.skipped}/{self.rows} rows ({self.skipped} already done), {self.errors} errors, "
            f"{self.input_tokens} in + {self.output_tokens} out tokens{cost}, {self.done / elapsed:.1f} rows/s"
        )

    def bar(self, width: int = 24) -> str:
        """The progress line with a bar in front: ``[#########.......]  4000/10000 rows ...``."""
        filled = round(width * (self.done + self.skipped) / self.rows) if self.rows else width
        return f"[{'#' * filled}{'.' * (width - filled)}] {self.line()}"

    def add(self, result: Mapping[str, Any]) -> None:
        self.done += 1
        self.errors += result.get("error_type") is not None
        self.input_tokens += result.get("input_tokens") or 0
        self.output_tokens += result.get("output_tokens") or 0
        if result.get("cost") is not None:
            self.cost += result["cost"]
            self.currency = result.get("currency") or self.currency


def chat_work(client: ChatClient, **options: Any) -> Work:
    """Each input (a prompt, or a list of messages) as one chat completion; the output is the answer's text.

    ``options`` go to :meth:`~hostedllm.ChatClient.build_request` (``params={"max_tokens": 64}``, ``thinking``...).
    """

    async def work(given: Any) -> Outcome:
        messages = [{"role": "user", "content": given}] if isinstance(given, str) else given
        answer = await client.acreate(client.build_request(messages, **options))
        tokens = Tokens.from_usage(answer.get("usage"))
        choices = answer["choices"]
        text = (
            message_reasoning(choices[0].get("message") or {})[1] if choices else None
        )  # the answer, not the thinking
        return priced(text, tokens, client.estimate_cost(tokens))

    return work


def embedding_work(embeddings: Any, *, input_type: str | None = None) -> Work:
    """Each input text as one vector, with its tokens and cost. ``embeddings``: an
    :class:`~hostedllm.EmbeddingsClient`, or one of our LangChain or LlamaIndex embeddings classes."""
    client: EmbeddingsClient = getattr(embeddings, "client", embeddings)
    if not isinstance(client, EmbeddingsClient):
        raise TypeError(f"embedding_work takes an EmbeddingsClient or a hostedllm embeddings class, not {embeddings!r}")

    async def work(given: Any) -> Outcome:
        embedded = await client.aembed([given], input_type=input_type)  # type: ignore[arg-type]
        return priced(embedded.vectors[0], embedded.tokens, client.estimate_cost(embedded.tokens))

    return work


def priced(output: Any, tokens: Tokens | None, cost: Cost | None) -> Outcome:
    """An :class:`Outcome` with the estimated cost of ``tokens`` (``None`` when the catalog has no price)."""
    return Outcome(output, tokens, cost.total if cost else None, cost.currency if cost else None)


async def arun_job(
    rows: Iterable[Mapping[str, Any]],
    work: Work,
    output: str | Path | ResultFolder,
    *,
    concurrency: int = 8,
    chunk_size: int = 100,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Run ``work`` over ``rows`` (``{"id", "input"}``), ``concurrency`` at a time; results to ``output``."""
    if concurrency < 1 or chunk_size < 1:
        raise ValueError("concurrency and chunk_size must be 1 or more.")
    folder = output if isinstance(output, ResultFolder) else ResultFolder(output)
    done = folder.done_ids()
    summary = Summary()
    todo: list[Mapping[str, Any]] = []
    for row in rows:
        summary.rows += 1
        if str(row["id"]) in done:
            summary.skipped += 1
        else:
            todo.append(row)
    gate = asyncio.Semaphore(concurrency)

    async def one(row: Mapping[str, Any]) -> dict[str, Any]:
        async with gate:
            return await row_result(row, work)

    for start in range(0, len(todo), chunk_size):
        results = await asyncio.gather(*(one(row) for row in todo[start : start + chunk_size]))
        folder.write(results)
        for result in results:
            summary.add(result)
        if progress is not None:
            progress(summary)
    return summary


def run_job(
    rows: Iterable[Mapping[str, Any]],
    work: Work,
    output: str | Path | ResultFolder,
    *,
    concurrency: int = 8,
    chunk_size: int = 100,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """:func:`arun_job` from synchronous code."""
    return asyncio.run(arun_job(rows, work, output, concurrency=concurrency, chunk_size=chunk_size, progress=progress))


async def row_result(row: Mapping[str, Any], work: Work) -> dict[str, Any]:
    """The row's result: its output, or the error's type and message; never raised, never dropped."""
    result: dict[str, Any] = {"id": str(row["id"])}
    try:
        outcome = await work(row["input"])
    except Exception as error:
        result.update(error_type=type(error).__name__, error=str(error))
        return result
    tokens = outcome.tokens
    result.update(
        output=outcome.output,
        input_tokens=tokens.input if tokens else None,
        output_tokens=tokens.output if tokens else None,
        total_tokens=tokens.total if tokens else None,
        cost=outcome.cost,
        currency=outcome.currency,
    )
    return result
