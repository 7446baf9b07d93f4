"""Separate a model's reasoning from its answer, in whichever form it arrives, once for every reader.

Providers send reasoning in a ``reasoning_content`` (or ``reasoning``) field, or inline as
``<think>...</think>`` at the start of the content. :func:`message_reasoning` (a whole answer)
and :class:`DeltaReasoning` (a stream, chunk by chunk) give both forms as ``(reasoning, text)``;
the LangChain and LlamaIndex adapters, the string LLM and the CLI all read them.

>>> split_think("<think>2+2 is 4</think>The answer is 4.")
('2+2 is 4', 'The answer is 4.')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPEN = "<think>"
CLOSE = "</think>"


def split_think(text: str) -> tuple[str, str]:
    """``(reasoning, answer)``; reasoning is empty when ``text`` does not start with ``<think>``."""
    stripped = text.lstrip()
    if not stripped.startswith(OPEN):
        return "", text
    inner, closed, rest = stripped[len(OPEN) :].partition(CLOSE)
    if not closed:
        return inner, ""
    return inner.strip(), rest.lstrip()


def message_reasoning(message: Mapping[str, Any]) -> tuple[str, Any]:
    """``(reasoning, content)`` of an answer's message: the reasoning field, else a leading ``<think>``
    block split off the text content (content that is not text is returned as it is).

    >>> message_reasoning({"content": "<think>hmm</think>Hi"})
    ('hmm', 'Hi')
    >>> message_reasoning({"reasoning_content": "hmm", "content": "Hi"})
    ('hmm', 'Hi')
    """
    reasoning = str(message.get("reasoning_content") or message.get("reasoning") or "")
    content = message.get("content") or ""
    if not isinstance(content, str):
        return reasoning, content
    thought, text = split_think(content)
    return reasoning or thought, text


class DeltaReasoning:
    """One streamed choice's ``(reasoning, text)`` per delta: the reasoning field and ``<think>`` tags.

    >>> split = DeltaReasoning()
    >>> split.feed({"content": "<think>hm"}), split.feed({"content": "</think>Hi"}, finished=True)
    (('hm', ''), ('', 'Hi'))
    """

    def __init__(self) -> None:
        self._think = ThinkSplitter()

    def feed(self, delta: Mapping[str, Any], *, finished: bool = False) -> tuple[str, str]:
        """What ``delta`` adds; ``finished`` (the choice's ``finish_reason`` came) releases what is held."""
        content = delta.get("content") or ""
        field = delta.get("reasoning_content") or delta.get("reasoning")
        if self._think.answering and not field:  # the common case, once per chunk: nothing to split
            return "", content if isinstance(content, str) else str(content)
        reasoning, text = self._think.feed(str(content))
        if finished:
            late_reasoning, late_text = self._think.flush()
            reasoning, text = reasoning + late_reasoning, text + late_text
        return reasoning + str(field or ""), text


class ThinkSplitter:
    """Route streamed text inside a leading ``<think>`` block to reasoning, the rest to content.

    >>> splitter = ThinkSplitter()
    >>> [splitter.feed(t) for t in ["<thi", "nk>hm", "m</th", "ink>Hi"]]
    [('', ''), ('hm', ''), ('m', ''), ('', 'Hi')]
    """

    def __init__(self) -> None:
        self._state = "start"  # start -> thinking -> answer
        self._pending = ""

    @property
    def answering(self) -> bool:
        """Past any ``<think>`` block: text is answer from here on, and nothing is held back."""
        return self._state == "answer"

    def feed(self, text: str) -> tuple[str, str]:
        """``(reasoning, content)`` to emit for this piece of streamed text."""
        if self._state == "answer":
            return "", text
        self._pending += text
        if self._state == "start":
            head = self._pending.lstrip()
            if OPEN.startswith(head):
                return "", ""  # could still become "<think>"
            if not head.startswith(OPEN):
                self._state = "answer"
                out, self._pending = self._pending, ""
                return "", out
            self._state = "thinking"
            self._pending = head[len(OPEN) :]
        return self._drain_thinking()

    def flush(self) -> tuple[str, str]:
        """Whatever is still held back when the stream ends."""
        out, self._pending = self._pending, ""
        if self._state == "thinking":
            return out, ""
        return "", out

    def _drain_thinking(self) -> tuple[str, str]:
        reasoning, closed, rest = self._pending.partition(CLOSE)
        if closed:
            self._state = "answer"
            self._pending = ""
            return reasoning, rest.lstrip()
        keep = _partial_suffix(self._pending, CLOSE)
        emit = self._pending[: len(self._pending) - keep]
        self._pending = self._pending[len(emit) :]
        return emit, ""


def _partial_suffix(text: str, marker: str) -> int:
    """The length of the longest end of ``text`` that is a start of ``marker``."""
    for size in range(min(len(text), len(marker) - 1), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0
