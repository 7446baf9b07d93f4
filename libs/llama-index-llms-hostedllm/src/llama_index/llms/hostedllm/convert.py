"""Conversion between LlamaIndex chat types and the core's chat-completions dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ImageBlock,
    LogProb,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from hostedllm.reasoning import message_reasoning
from hostedllm.streaming import StreamAccumulator
from hostedllm.tokens import Tokens
from hostedllm.wire_types import ChatCompletion, ChatCompletionChunk


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """LlamaIndex messages as chat-completions dicts (text, images, tool calls and tool results)."""
    return [to_wire_message(message) for message in messages]


def to_wire_message(message: ChatMessage) -> dict[str, Any]:
    role = message.role.value
    blocks = message.blocks
    if len(blocks) == 1 and type(blocks[0]) is TextBlock and role != "tool" and not message.additional_kwargs:
        return {"role": role, "content": blocks[0].text}  # a text-only turn (most prompts)
    if role == MessageRole.TOOL.value:
        call_id = message.additional_kwargs.get("tool_call_id")
        return {"role": "tool", "content": _text(message), "tool_call_id": call_id}
    wire: dict[str, Any] = {"role": role}
    parts = [_part(block) for block in message.blocks if isinstance(block, (TextBlock, ImageBlock))]
    if all(part["type"] == "text" for part in parts):
        wire["content"] = "".join(part["text"] for part in parts)
    else:
        wire["content"] = parts
    calls = [_wire_call(block) for block in message.blocks if isinstance(block, ToolCallBlock)]
    calls = calls or list(message.additional_kwargs.get("tool_calls") or [])  # the legacy form
    if calls:
        wire["tool_calls"] = calls
    thinking = "".join(block.content or "" for block in message.blocks if isinstance(block, ThinkingBlock))
    if thinking:  # sent back only to models that need it (the core decides, from the catalog)
        wire["reasoning_content"] = thinking
    return wire


def _text(message: ChatMessage) -> str:
    return "".join(block.text for block in message.blocks if isinstance(block, TextBlock))


def _part(block: TextBlock | ImageBlock) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if block.url is not None:
        url = str(block.url)
    else:
        encoded = block.resolve_image(as_base64=True).read().decode()
        url = f"data:{block.image_mimetype or 'image/png'};base64,{encoded}"
    image = {"url": url} if block.detail is None else {"url": url, "detail": block.detail}
    return {"type": "image_url", "image_url": image}


def _wire_call(block: ToolCallBlock) -> dict[str, Any]:
    arguments = block.tool_kwargs if isinstance(block.tool_kwargs, str) else json.dumps(block.tool_kwargs)
    return {"id": block.tool_call_id, "type": "function", "function": {"name": block.tool_name, "arguments": arguments}}


def token_counts(tokens: Tokens | None) -> dict[str, int]:
    """The ``prompt_tokens``/``completion_tokens``/``total_tokens`` that TokenCountingHandler reads
    (only the counts the provider reported)."""
    if tokens is None:
        return {}
    counts = {"prompt_tokens": tokens.input, "completion_tokens": tokens.output, "total_tokens": tokens.total}
    return {key: count for key, count in counts.items() if count is not None}


def chat_response(data: ChatCompletion) -> ChatResponse:
    """A non-streamed answer (choice 0) as a ``ChatResponse``; ``raw`` is the answer dict, usage included."""
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    reasoning, content = message_reasoning(message)
    text = content if isinstance(content, str) else json.dumps(content)
    calls = message.get("tool_calls")
    if reasoning or calls:
        blocks: list[Any] = [ThinkingBlock(content=reasoning)] if reasoning else []
        blocks.append(TextBlock(text=text))
        blocks += [_tool_block(call) for call in calls or []]
        answer = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
    else:  # text only (most answers): as plainly as LlamaIndex's own LLMs build it
        answer = ChatMessage(role=MessageRole.ASSISTANT, content=text)
    return ChatResponse(
        message=answer,
        raw=dict(data),
        logprobs=logprobs(choice.get("logprobs")),
        additional_kwargs={
            **token_counts(Tokens.from_usage(data.get("usage"))),
            **_finish(choice.get("finish_reason")),
        },
    )


def logprobs(wire: Mapping[str, Any] | None) -> list[list[LogProb]] | None:
    """Chat-completions ``logprobs.content`` as LlamaIndex's: per token, its ``top_logprobs``
    (or the token itself when none were asked for), as llama-index-llms-openai reads them."""
    if not isinstance(wire, Mapping) or not wire.get("content"):
        return None
    return [
        [_logprob(alternative) for alternative in entry.get("top_logprobs") or [entry]] for entry in wire["content"]
    ]


def _logprob(entry: Mapping[str, Any]) -> LogProb:
    return LogProb(token=entry.get("token") or "", logprob=entry.get("logprob") or 0.0, bytes=entry.get("bytes") or [])


def _finish(reason: str | None) -> dict[str, str]:
    return {"finish_reason": reason} if reason else {}


class StreamAssembler:
    """Cumulative ``ChatResponse`` objects from streamed chunks, read by the core's accumulator."""

    def __init__(self) -> None:
        self._stream = StreamAccumulator()

    def feed(self, chunk: ChatCompletionChunk) -> ChatResponse:
        stream = self._stream
        delta = stream.feed(chunk)
        extra: dict[str, Any] = token_counts(delta.tokens) if delta.tokens else {}
        if stream.finish_reason:
            extra["finish_reason"] = stream.finish_reason
        if delta.reasoning:
            extra["thinking_delta"] = delta.reasoning
        return ChatResponse(message=self.message(), delta=delta.text, raw=dict(chunk), additional_kwargs=extra)

    def message(self) -> ChatMessage:
        stream = self._stream
        if not (stream.reasoning or stream.has_tool_calls):  # the common case: text only
            return ChatMessage(role=MessageRole.ASSISTANT, content=stream.text)
        blocks: list[Any] = [ThinkingBlock(content=stream.reasoning)] if stream.reasoning else []
        blocks.append(TextBlock(text=stream.text))
        blocks += [_tool_block(call) for call in stream.tool_calls]
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)


def _tool_block(call: Mapping[str, Any]) -> ToolCallBlock:
    function = call.get("function") or {}
    return ToolCallBlock(
        tool_call_id=call.get("id"), tool_name=function.get("name") or "", tool_kwargs=function.get("arguments") or "{}"
    )
