"""A tolerant reader of server-sent event lines, as chat-completions providers send them.

It takes decoded lines (without line endings) and yields each event's data payload. ``data:``
with or without the space, comment and keep-alive lines, ``event:``/``id:``/``retry:`` fields,
and multi-line data are all handled. A line that is bare JSON (some servers send an error body
without the ``data:`` prefix) is passed on as a payload too.

>>> list(iter_sse_data(['data:{"a": 1}', "", ": keep-alive", "data: [DONE]"]))
['{"a": 1}', '[DONE]']

:class:`LineDecoder` makes those lines from the body's bytes, splitting only where SSE does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator


class LineDecoder:
    r"""Split a byte stream into UTF-8 lines at CRLF, LF or CR only, as the SSE spec says.

    ``str.splitlines`` (and so httpx's ``iter_lines``) also splits at U+2028, U+0085 and other
    separators, which JSON may carry unescaped inside a string: that would cut an event in two.

    >>> decoder = LineDecoder()
    >>> decoder.feed(b'data: "x\xe2\x80\xa8y"\r'), decoder.feed(b"\n\nda"), decoder.flush()
    ([], ['data: "x\u2028y"', ''], ['da'])
    """

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[str]:
        """The lines ``data`` completes; the rest waits for more bytes."""
        data = self._pending + data
        held = b"\r" if data.endswith(b"\r") else b""  # perhaps the first half of a CRLF
        if held:
            data = data[:-1]
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, rest = data.split(b"\n")
        self._pending = rest + held
        return [line.decode("utf-8", "replace") for line in lines]

    def flush(self) -> list[str]:
        """The last line, if the body did not end with a line break."""
        rest, self._pending = self._pending.rstrip(b"\r"), b""
        return [rest.decode("utf-8", "replace")] if rest else []


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
