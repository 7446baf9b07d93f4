"""A tolerant reader of server-sent event lines, as chat-completions providers send them.

It takes decoded lines (without line endings) and yields each event's data payload. ``data:``
with or without the space, comment and keep-alive lines, ``event:``/``id:``/``retry:`` fields,
and multi-line data are all handled. A line that is bare JSON (some servers send an error body
without the ``data:`` prefix) is passed on as a payload too.

>>> list(iter_sse_data(['data:{"a": 1}', "", ": keep-alive", "data: [DONE]"]))
['{"a": 1}', '[DONE]']
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator


def iter_sse_data(lines: Iterable[str]) -> Iterator[str]:
    """Yield the data payload of each event in ``lines``."""
    pending: list[str] = []
    for line in lines:
        payload = _feed(line, pending)
        if payload is not None:
            yield payload
    if pending:
        yield "\n".join(pending)


async def aiter_sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The async twin of :func:`iter_sse_data`."""
    pending: list[str] = []
    async for line in lines:
        payload = _feed(line, pending)
        if payload is not None:
            yield payload
    if pending:
        yield "\n".join(pending)


def _feed(line: str, pending: list[str]) -> str | None:
    """Consume one line; return a finished payload, if this line completes one."""
    if line.endswith("\r"):
        line = line[:-1]
    if not line:
        if not pending:
            return None
        payload = "\n".join(pending)
        pending.clear()
        return payload
    if line.startswith("data:"):
        value = line[6:] if line.startswith("data: ") else line[5:]
        if pending and _is_complete(pending[-1]):
            # Providers that omit the blank line between events: each data line is an event.
            payload = "\n".join(pending)
            pending[:] = [value]
            return payload
        pending.append(value)
        return None
    if line.startswith("{") and not pending:
        return line
    return None  # a comment (":..."), a field we do not use, or noise


def _is_complete(value: str) -> bool:
    stripped = value.strip()
    return stripped == "[DONE]" or (stripped.startswith("{") and stripped.endswith("}"))
