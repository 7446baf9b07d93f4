"""TypedDicts for the chat-completions wire format, as the core sends and returns it.

They describe plain ``dict`` objects (no per-chunk model classes): adapters read them with
``[]`` and ``.get`` at the cost of a dict lookup.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Role = Literal["system", "user", "assistant", "tool", "developer"]


class FunctionCall(TypedDict):
    name: str
    arguments: str


class ToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class Message(TypedDict, total=False):
    role: Role
    content: str | list[dict[str, Any]] | None
    name: str
    tool_calls: list[ToolCall]
    tool_call_id: str
    reasoning_content: str


class Usage(TypedDict, total=False):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: dict[str, Any] | None
    completion_tokens_details: dict[str, Any] | None


class Choice(TypedDict, total=False):
    index: int
    message: Message
    finish_reason: str | None
    logprobs: dict[str, Any] | None


class ChatCompletion(TypedDict, total=False):
    """A non-streamed answer. Provider extras (e.g. Baichuan ``knowledge_base``) are kept as-is."""

    id: str
    object: str
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: str | None


class ToolCallDelta(TypedDict, total=False):
    """A piece of a streamed tool call. The core always fills ``index``, even when the provider omits it."""

    index: int
    id: str
    type: Literal["function"]
    function: dict[str, str]


class Delta(TypedDict, total=False):
    role: Role
    content: str | None
    reasoning_content: str | None
    tool_calls: list[ToolCallDelta]


class ChunkChoice(TypedDict, total=False):
    index: int
    delta: Delta
    finish_reason: str | None
    logprobs: dict[str, Any] | None


class ChatCompletionChunk(TypedDict, total=False):
    """One streamed chunk. ``usage`` appears on exactly one chunk: the last, with ``choices == []``."""

    id: str
    object: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage
    system_fingerprint: str | None
