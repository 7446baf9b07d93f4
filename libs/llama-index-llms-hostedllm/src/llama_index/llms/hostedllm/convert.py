"""Conversion between LlamaIndex chat types and the core's chat-completions dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from hostedllm.reasoning import DeltaReasoning, message_reasoning
from hostedllm.wire_types import ChatCompletion, ChatCompletionChunk, Usage


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """LlamaIndex messages as chat-completions dicts (text, images, tool calls and tool results)."""
    return [to_wire_message(message) for message in messages]


def to_wire_message(message: ChatMessage) -> dict[str, Any]:
    role = message.role.value
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
    return {"type": "image_url", "image_url": {"url": url}}


def _wire_call(block: ToolCallBlock) -> dict[str, Any]:
    arguments = block.tool_kwargs if isinstance(block.tool_kwargs, str) else json.dumps(block.tool_kwargs)
    return {"id": block.tool_call_id, "type": "function", "function": {"name": block.tool_name, "arguments": arguments}}


def token_counts(usage: Usage | Mapping[str, Any] | None) -> dict[str, int]:
    """Usage as the ``prompt_tokens``/``completion_tokens``/``total_tokens`` that TokenCountingHandler reads."""
    if not usage:
        return {}
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": int(usage.get("total_tokens") or prompt + completion),
    }


def chat_response(data: ChatCompletion) -> ChatResponse:
    """A non-streamed answer (choice 0) as a ``ChatResponse``; ``raw`` is the answer dict, usage included."""
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    reasoning, content = message_reasoning(message)
    blocks: list[Any] = []
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning))
    blocks.append(TextBlock(text=content if isinstance(content, str) else json.dumps(content)))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        blocks.append(
            ToolCallBlock(
                tool_call_id=call.get("id"),
                tool_name=function.get("name") or "",
                tool_kwargs=function.get("arguments") or "{}",
            )
        )
    return ChatResponse(
        message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks),
        raw=dict(data),
        logprobs=None,
        additional_kwargs={**token_counts(data.get("usage")), **_finish(choice.get("finish_reason"))},
    )


def _finish(reason: str | None) -> dict[str, str]:
    return {"finish_reason": reason} if reason else {}


class StreamAssembler:
    """Build cumulative ``ChatResponse`` objects from streamed chunks: text, reasoning, tool calls, usage."""

    def __init__(self) -> None:
        self.text = ""
        self.reasoning = ""
        self._calls: dict[int, dict[str, Any]] = {}
        self._reasoning = DeltaReasoning()
        self._finish: str | None = None

    def feed(self, chunk: ChatCompletionChunk) -> ChatResponse:
        choices = chunk.get("choices") or []
        delta_text = ""
        thinking_delta = ""
        if choices:
            choice = choices[0]
            delta = choice.get("delta") or {}
            self._finish = choice.get("finish_reason") or self._finish
            thinking_delta, delta_text = self._reasoning.feed(delta, finished=bool(choice.get("finish_reason")))
            for call in delta.get("tool_calls") or []:
                slot = self._calls.setdefault(int(call.get("index") or 0), {"id": None, "name": "", "arguments": ""})
                function = call.get("function") or {}
                slot["id"] = slot["id"] or call.get("id")
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
        self.text += delta_text
        self.reasoning += thinking_delta
        extra: dict[str, Any] = {**token_counts(chunk.get("usage")), **_finish(self._finish)}
        if thinking_delta:
            extra["thinking_delta"] = thinking_delta
        return ChatResponse(message=self.message(), delta=delta_text, raw=dict(chunk), additional_kwargs=extra)

    def message(self) -> ChatMessage:
        blocks: list[Any] = [ThinkingBlock(content=self.reasoning)] if self.reasoning else []
        blocks.append(TextBlock(text=self.text))
        blocks += [
            ToolCallBlock(tool_call_id=call["id"], tool_name=call["name"], tool_kwargs=call["arguments"] or "{}")
            for _, call in sorted(self._calls.items())
        ]
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
