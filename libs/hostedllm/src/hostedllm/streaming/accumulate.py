"""Fold a stream's normalised chunks into one answer, once for every reader.

:class:`StreamAccumulator` follows one choice: each :meth:`~StreamAccumulator.feed` returns the
:class:`Delta` that chunk added (text and reasoning already separated, in either form; tool-call
pieces with their index; usage as :class:`~hostedllm.tokens.Tokens`) and keeps the running answer.
The LangChain adapter turns each delta into an ``AIMessageChunk``, the LlamaIndex adapter turns
the running answer into cumulative ``ChatResponse``s, the string LLM and the CLI print the text.

>>> stream = StreamAccumulator()
>>> _ = stream.feed({"choices": [{"index": 0, "delta": {"content": "<think>hm</think>Hi"}}]})
>>> _ = stream.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
>>> stream.feed({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}}).tokens.total
5
>>> stream.text, stream.reasoning, stream.finish_reason
('Hi', 'hm', 'stop')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from hostedllm.reasoning import DeltaReasoning
from hostedllm.tokens import Tokens
from hostedllm.wire_types import ChatCompletionChunk, ToolCallDelta, Usage


class Delta(NamedTuple):
    """What one chunk added to the followed choice (a tuple: one is made per chunk, on the hot path)."""

    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    """The chunk's tool-call pieces as sent (``index`` always set by the core's stream reader)."""
    finish_reason: str | None = None
    tokens: Tokens | None = None
    """The usage, on the chunk that carries it (the last one)."""
    usage: Usage | None = None
    """The same usage as the provider sent it."""


_NOTHING = Delta()


@dataclass
class _Call:
    id: str | None = None
    name: str = ""
    arguments: str = ""


class StreamAccumulator:
    """The running answer of one choice of a stream (choice 0 unless told): text, reasoning, tool
    calls by index, usage and finish reason."""

    def __init__(self, choice: int = 0) -> None:
        self.choice = choice
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.tokens: Tokens | None = None
        self._text: list[str] = []  # joined when read: a long stream is not copied once per chunk
        self._reasoning: list[str] = []
        self._calls: dict[int, _Call] = {}
        self._split = DeltaReasoning()

    @property
    def text(self) -> str:
        """The answer's text so far (reasoning split off)."""
        pieces = self._text
        if len(pieces) == 2:  # read after every chunk (LlamaIndex): one concatenation, no list join
            pieces[:] = [pieces[0] + pieces[1]]
        elif len(pieces) > 2:
            pieces[:] = ["".join(pieces)]
        return pieces[0] if pieces else ""

    @property
    def reasoning(self) -> str:
        """The reasoning so far (a ``reasoning_content`` field or a leading ``<think>`` block)."""
        if len(self._reasoning) > 1:
            self._reasoning[:] = ["".join(self._reasoning)]
        return self._reasoning[0] if self._reasoning else ""

    def feed(self, chunk: ChatCompletionChunk | Mapping[str, Any]) -> Delta:
        """Add ``chunk`` (from :class:`~hostedllm.streaming.ChunkStream`) and return what it added."""
        usage = chunk.get("usage")
        tokens = None
        if usage:
            tokens = Tokens.from_usage(usage)
            if tokens is not None:
                self.usage, self.tokens = usage, tokens
        for choice in chunk.get("choices") or ():
            if (choice.get("index") or 0) == self.choice:
                return self._feed_choice(choice, tokens, usage if tokens else None)
        return _NOTHING if tokens is None else Delta(tokens=tokens, usage=usage)

    def _feed_choice(self, choice: Mapping[str, Any], tokens: Tokens | None, usage: Usage | None) -> Delta:
        delta = choice.get("delta") or {}
        finish = choice.get("finish_reason") or None
        reasoning, text = self._split.feed(delta, finished=finish is not None)
        calls = delta.get("tool_calls")
        if calls:
            calls = tuple(calls)
            for call in calls:
                slot = self._calls.setdefault(int(call.get("index") or 0), _Call())
                function = call.get("function") or {}
                slot.id = slot.id or call.get("id")
                slot.name += function.get("name") or ""
                slot.arguments += function.get("arguments") or ""
        if text:
            self._text.append(text)
        if reasoning:
            self._reasoning.append(reasoning)
        if finish:
            self.finish_reason = finish
        return Delta(text, reasoning, calls or (), finish, tokens, usage)

    @property
    def has_tool_calls(self) -> bool:
        return bool(self._calls)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, in index order, as chat-completions ``tool_calls`` items."""
        return [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for _, call in sorted(self._calls.items())
        ]
