"""What the embeddings and rerank clients share: the checks (model kind, a list of texts, batch size) and
sending batches (sync in order, async with bounded concurrency, all under one retry policy and one
total deadline for the whole call).

>>> listed_texts(["a", "b"], "texts")
['a', 'b']
>>> listed_texts(["a", ""], "texts")
Traceback (most recent call last):
...
hostedllm.errors.RequestValidationError: texts[1] is empty; providers refuse empty input. ...
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from hostedllm.catalog import ModelEntry
from hostedllm.catalog.schema import Kind
from hostedllm.errors import RequestValidationError
from hostedllm.tokens import Tokens
from hostedllm.transport import RetryPolicy, acall_with_retries, call_with_retries
from hostedllm.transport.deadline import Deadline, within

B = TypeVar("B")
R = TypeVar("R")


def model_of_kind(entry: ModelEntry, kind: Kind) -> ModelEntry:
    """The catalog's entry, if it is a ``kind`` model; an unlisted id is taken as one (no chat defaults)."""
    if entry.origin == "unlisted":
        return entry.model_copy(update={"kind": kind, "context_window": None, "max_output_tokens": None})
    if entry.kind != kind:
        raise RequestValidationError(
            f"{entry.id} on {entry.provider} is {_a(entry.kind)} model, not {_a(kind)} model; pick one with "
            f"`hostedllm models --provider {entry.provider} --kind {kind}`."
        )
    return entry


def listed_texts(texts: Sequence[str], what: str) -> list[str]:
    """``texts`` as a list of non-empty strings, or a :class:`RequestValidationError` naming the first bad one."""
    if isinstance(texts, str):
        raise RequestValidationError(
            f"{what} is a single string; pass a list of them (a string would be read character by character): [text]."
        )
    listed = list(texts)
    for position, text in enumerate(listed):
        if not isinstance(text, str):
            raise RequestValidationError(f"{what}[{position}] is a {type(text).__name__}, not a str.")
        if not text.strip():
            raise RequestValidationError(
                f"{what}[{position}] is empty; providers refuse empty input. Leave it out, or put a placeholder."
            )
    return listed


def checked_batch_size(batch_size: int | None, most: int, provider: str, what: str) -> int:
    """``batch_size``, or the provider's limit ``most`` when ``None``; refused outside 1..most."""
    if batch_size is None:
        return most
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= most:
        raise RequestValidationError(
            f"batch_size={batch_size!r} must be an integer from 1 to {most}, the most {what} {provider} "
            "takes in one request."
        )
    return batch_size


def added_tokens(counts: Sequence[Tokens | None]) -> Tokens | None:
    """The input and total tokens of several requests added up; ``None`` if one reported none."""
    if not counts or any(count is None for count in counts):
        return None
    inputs = [count.input for count in counts if count is not None]
    totals = [count.total for count in counts if count is not None]
    return Tokens(
        input=None if None in inputs else sum(i for i in inputs if i is not None),
        total=None if None in totals else sum(t for t in totals if t is not None),
    )


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def send_batches(
    batches: Sequence[B], send: Callable[[B, Deadline | None], R], policy: RetryPolicy, total: float | None
) -> list[R]:
    """``send(batch, deadline)`` for each batch in order, each retried by ``policy``, all within ``total`` seconds."""
    deadline = Deadline.start(total)
    return [call_with_retries(functools.partial(send, batch, deadline), policy, deadline) for batch in batches]


async def asend_batches(
    batches: Sequence[B],
    send: Callable[[B], Awaitable[R]],
    policy: RetryPolicy,
    *,
    total: float | None,
    max_concurrency: int,
    provider: str,
) -> list[R]:
    """:func:`send_batches` on the async path: at most ``max_concurrency`` in flight, results in order."""
    deadline = Deadline.start(total)
    slots = asyncio.Semaphore(max_concurrency)

    async def one(batch: B) -> R:
        async with slots:
            return await acall_with_retries(lambda: send(batch), policy, deadline)

    gathered = asyncio.gather(*(one(batch) for batch in batches))
    return list(await (gathered if deadline is None else within(gathered, deadline, provider)))
