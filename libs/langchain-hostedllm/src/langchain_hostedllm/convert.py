"""Conversion between LangChain messages and the core's chat-completions dicts.

Semantics follow langchain-openai's helpers: ``content=""`` when only tools are called,
``invalid_tool_calls`` for arguments that are not JSON, usage details for cached and reasoning
tokens, and ``reasoning_content`` (a field or ``<think>`` tags) kept as reasoning, not lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    InvalidToolCall,
    SystemMessage,
    ToolCall,
    ToolCallChunk,
    UsageMetadata,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from hostedllm.catalog import Cost
from hostedllm.errors import RequestValidationError
from hostedllm.reasoning import message_reasoning
from hostedllm.streaming import Delta
from hostedllm.tokens import Tokens
from hostedllm.wire_types import ChatCompletion, ChatCompletionChunk, Choice, ChunkChoice

#: Keys of a completion that are handled explicitly; any other top-level key is a provider extra.
_KNOWN_TOP = frozenset({"id", "object", "created", "model", "choices", "usage", "system_fingerprint"})
_KNOWN_CHOICE = frozenset({"index", "message", "delta", "finish_reason", "logprobs"})


_TOOL_RESULT_KEYS = ("role", "content", "tool_call_id")
_PLAIN: dict[type[BaseMessage], str] = {HumanMessage: "user", SystemMessage: "system"}
#: Content parts that other APIs put in assistant turns and chat completions has no place for
#: (reasoning is not sent back; tool calls travel in ``tool_calls``).
_DROPPED_PARTS = frozenset({"thinking", "redacted_thinking", "reasoning", "reasoning_content", "tool_use"})


def to_wire_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages as chat-completions message dicts (images, tool calls and results included).

    As langchain-openai does: tool results keep only ``role``, ``content`` and ``tool_call_id``;
    thinking and tool-use parts are dropped from assistant content; text-only part lists become
    a plain string.
    """
    if all(type(message) in _PLAIN and isinstance(message.content, str) and not message.name for message in messages):
        # text-only user and system turns (most prompts): the dicts convert_to_openai_messages makes, directly
        return [{"role": _PLAIN[type(message)], "content": message.content} for message in messages]
    try:
        wire = convert_to_openai_messages(list(messages))
    except (TypeError, ValueError) as exc:  # json.dumps of tool-call args, or a content block it cannot convert
        raise RequestValidationError(
            f"A message cannot be converted to chat completions: {exc}. Content blocks may be text, or images "
            "given by URL or base64 with their mime_type; tool-call args only strings, numbers, booleans, lists "
            "and dicts."
        ) from None
    tidied = [_tidy(message) for message in ([wire] if isinstance(wire, dict) else wire)]
    if len(tidied) == len(messages):
        for original, message in zip(messages, tidied, strict=True):
            reasoning = _reasoning_of(original) if isinstance(original, AIMessage) else ""
            if reasoning:  # sent back only to models that need it (the core decides, from the catalog)
                message["reasoning_content"] = reasoning
    return tidied


def _reasoning_of(message: AIMessage) -> str:
    """An answer's reasoning: ``additional_kwargs["reasoning_content"]``, else its reasoning or thinking parts."""
    kept = message.additional_kwargs.get("reasoning_content")
    if isinstance(kept, str) and kept:
        return kept
    if not isinstance(message.content, list):
        return ""
    pieces = [
        str(part.get("reasoning") or part.get("thinking") or "")
        for part in message.content
        if isinstance(part, dict) and part.get("type") in ("reasoning", "thinking")
    ]
    return "".join(pieces)


def _tidy(message: dict[str, Any]) -> dict[str, Any]:
    if message.get("role") == "tool":
        message = {key: message[key] for key in _TOOL_RESULT_KEYS if key in message}
    content = message.get("content")
    if isinstance(content, list):
        parts = [part for part in content if not (isinstance(part, dict) and part.get("type") in _DROPPED_PARTS)]
        if all(isinstance(part, dict) and part.get("type") == "text" for part in parts):
            message = {**message, "content": "".join(part["text"] for part in parts)}
        else:
            message = {**message, "content": parts}
    return message


def usage_metadata(tokens: Tokens) -> UsageMetadata:
    """The call's tokens as LangChain ``UsageMetadata`` (counts the provider left out are 0, as
    LangChain's type needs), with cache-read, cache-write and reasoning details where reported."""
    result = UsageMetadata(
        input_tokens=tokens.input or 0, output_tokens=tokens.output or 0, total_tokens=tokens.total or 0
    )
    read, write = tokens.cached, tokens.cache_write
    if read is not None or write is not None:
        details = InputTokenDetails()
        if read is not None:
            details["cache_read"] = read
        if write is not None:
            details["cache_creation"] = write
        result["input_token_details"] = details
    if tokens.reasoning is not None:
        result["output_token_details"] = OutputTokenDetails(reasoning=tokens.reasoning)
    return result


def response_metadata(
    data: ChatCompletion | ChatCompletionChunk, choice: Choice | ChunkChoice | None, *, provider: str
) -> dict[str, Any]:
    """``finish_reason``, the server-reported ``model_name``, ``id``, logprobs and provider extras."""
    meta: dict[str, Any] = {"model_provider": provider}
    if "model" in data:
        meta["model_name"] = data["model"]
    for key in ("id", "system_fingerprint"):
        if data.get(key) is not None:
            meta[key] = data[key]
    meta.update({key: value for key, value in data.items() if key not in _KNOWN_TOP})
    if choice is not None:
        if choice.get("finish_reason"):
            meta["finish_reason"] = choice["finish_reason"]
        if choice.get("logprobs"):
            meta["logprobs"] = choice["logprobs"]
        meta.update({key: value for key, value in choice.items() if key not in _KNOWN_CHOICE})
    return meta


def cost_metadata(cost: Cost | None) -> dict[str, Any]:
    if cost is None:
        return {}
    return {
        "estimated_cost": {"input": cost.input, "output": cost.output, "total": cost.total, "currency": cost.currency}
    }


def message_from_choice(choice: Choice, data: ChatCompletion, *, provider: str) -> AIMessage:
    """One choice of a non-streamed answer as an ``AIMessage``."""
    message = choice.get("message") or {}
    reasoning, content = message_reasoning(message)
    fields: dict[str, Any] = {}  # only what the answer has: AIMessage validates every field given
    additional: dict[str, Any] = {}
    if reasoning:
        additional["reasoning_content"] = reasoning
    if message.get("tool_calls"):
        additional["tool_calls"] = message["tool_calls"]
        fields["tool_calls"], fields["invalid_tool_calls"] = _parsed_calls(message["tool_calls"])
    if additional:
        fields["additional_kwargs"] = additional
    return AIMessage(
        content=content,
        response_metadata=response_metadata(data, choice, provider=provider),
        id=data.get("id"),
        **fields,
    )


def _parsed_calls(calls: Sequence[Any]) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """The tool calls whose arguments are JSON, and the others as invalid tool calls (as langchain-openai)."""
    parsed_calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for raw in calls:
        try:
            parsed = parse_tool_call(dict(raw), return_id=True)
        except Exception as exc:  # any parse failure makes an invalid tool call
            invalid.append(make_invalid_tool_call(dict(raw), str(exc)))
        else:
            if parsed:
                parsed_calls.append(parsed)  # type: ignore[arg-type]
    return parsed_calls, invalid


def chat_result(
    data: ChatCompletion, *, provider: str, estimate: Callable[[Tokens], Cost | None] | None = None
) -> ChatResult:
    """A non-streamed answer as a ``ChatResult`` (one generation per choice), with the cost of its
    usage by ``estimate`` (e.g. ``ChatClient.estimate_cost``)."""
    usage = data.get("usage")
    tokens = Tokens.from_usage(usage)
    cost = cost_metadata(estimate(tokens)) if tokens is not None and estimate is not None else {}
    generations = []
    for choice in data.get("choices") or []:
        message = message_from_choice(choice, data, provider=provider)
        if tokens is not None:
            message.usage_metadata = usage_metadata(tokens)
        message.response_metadata.update(cost)
        generations.append(ChatGeneration(message=message, generation_info=_generation_info(choice)))
    llm_output = {"token_usage": dict(usage or {}), "model_name": data.get("model"), "id": data.get("id")}
    return ChatResult(generations=generations, llm_output=llm_output)


def _generation_info(choice: Choice | ChunkChoice) -> dict[str, Any] | None:
    info = {"finish_reason": choice.get("finish_reason"), "logprobs": choice.get("logprobs")}
    return {key: value for key, value in info.items() if value} or None


def chunk_from_delta(data: ChatCompletionChunk, delta: Delta, *, provider: str) -> ChatGenerationChunk | None:
    """What one streamed chunk added (the core's :class:`~hostedllm.streaming.Delta`) as a
    ``ChatGenerationChunk``, or ``None`` if it added nothing. The usage chunk (``choices == []``)
    becomes an empty-content chunk with ``usage_metadata`` set."""
    choices = data.get("choices") or []
    if not choices:
        if delta.tokens is None:
            return None
        message = AIMessageChunk(content="", usage_metadata=usage_metadata(delta.tokens), chunk_position="last")
        return ChatGenerationChunk(message=message)
    choice = choices[0]
    fields: dict[str, Any] = {}  # only what the chunk has: AIMessageChunk validates every field given
    if delta.reasoning:
        fields["additional_kwargs"] = {"reasoning_content": delta.reasoning}
    if delta.tool_calls:
        fields["tool_call_chunks"] = [
            ToolCallChunk(
                name=(call.get("function") or {}).get("name"),
                args=(call.get("function") or {}).get("arguments"),
                id=call.get("id"),
                index=call.get("index"),
            )
            for call in delta.tool_calls
        ]
    if delta.finish_reason:
        fields["response_metadata"] = response_metadata(data, choice, provider=provider)
    message = AIMessageChunk(content=delta.text, id=data.get("id"), **fields)
    if not (delta.finish_reason or choice.get("logprobs")):
        return ChatGenerationChunk(message=message)
    return ChatGenerationChunk(message=message, generation_info=_generation_info(choice))
