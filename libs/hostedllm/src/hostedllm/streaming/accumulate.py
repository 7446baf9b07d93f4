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
from dataclasses import dataclass, field
from typing import Any

from hostedllm.reasoning import DeltaReasoning
from hostedllm.tokens import Tokens
from hostedllm.wire_types import ChatCompletionChunk, ToolCallDelta, Usage


@dataclass(frozen=True)
class Delta:
    """What one chunk added to the followed choice."""

    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    """The chunk's tool-call pieces as sent (``index`` always set by the core's stream reader)."""
    finish_reason: str | None = None
    tokens: Tokens | None = None
    """The usage, on the chunk that carries it (the last one)."""
    usage: Usage | None = None
    """The same usage as the provider sent it."""


@dataclass
class _Call:
    id: str | None = None
    name: str = ""
    arguments: str = ""


@dataclass
class StreamAccumulator:
    """The running answer of one choice of a stream (choice 0 unless told): text, reasoning, tool
    calls by index, usage and finish reason."""

    choice: int = 0
    text: str = ""
    reasoning: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    tokens: Tokens | None = None
    _calls: dict[int, _Call] = field(default_factory=dict)
    _split: DeltaReasoning = field(default_factory=DeltaReasoning)

    def feed(self, chunk: ChatCompletionChunk | Mapping[str, Any]) -> Delta:
        """Add ``chunk`` (from :class:`~hostedllm.streaming.ChunkStream`) and return what it added."""
        usage = chunk.get("usage")
        tokens = Tokens.from_usage(usage)
        if tokens is not None:
            self.usage, self.tokens = usage, tokens
        for choice in chunk.get("choices") or ():
            if (choice.get("index") or 0) == self.choice:
                return self._feed_choice(choice, tokens, usage if tokens else None)
        return Delta(tokens=tokens, usage=usage if tokens else None)

    def _feed_choice(self, choice: Mapping[str, Any], tokens: Tokens | None, usage: Usage | None) -> Delta:
        delta = choice.get("delta") or {}
        finish = choice.get("finish_reason") or None
        reasoning, text = self._split.feed(delta, finished=finish is not None)
        calls = tuple(delta.get("tool_calls") or ())
        for call in calls:
            slot = self._calls.setdefault(int(call.get("index") or 0), _Call())
            function = call.get("function") or {}
            slot.id = slot.id or call.get("id")
            slot.name += function.get("name") or ""
            slot.arguments += function.get("arguments") or ""
        self.text += text
        self.reasoning += reasoning
        self.finish_reason = finish or self.finish_reason
        return Delta(text, reasoning, calls, finish, tokens, usage)

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, in index order, as chat-completions ``tool_calls`` items."""
        return [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for _, call in sorted(self._calls.items())
        ]
