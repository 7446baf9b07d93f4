"""Conversion between LangChain types and the chat-completions wire format."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_openai_messages,
)
from langchain_core.outputs import ChatGenerationChunk

from hostedllm.catalog import Cost
from hostedllm.streaming import StreamAccumulator
from hostedllm.tokens import Tokens
from langchain_hostedllm.convert import (
    chat_result,
    chunk_from_delta,
    message_from_choice,
    to_wire_messages,
    usage_metadata,
)


class TestToWire:
    def test_every_message_type(self) -> None:
        wire = to_wire_messages(
            [
                SystemMessage("Be brief."),
                HumanMessage("Hi", name="ann"),
                AIMessage("Hello", name="bot"),
                AIMessage("", tool_calls=[{"name": "lookup", "args": {"q": "x"}, "id": "c1"}]),
                ToolMessage("found", tool_call_id="c1"),
                ChatMessage(role="developer", content="Use metric units."),
            ]
        )
        assert wire[0] == {"role": "system", "content": "Be brief."}
        assert wire[1] == {"role": "user", "name": "ann", "content": "Hi"}
        assert wire[2]["role"] == "assistant"
        assert wire[2]["content"] == "Hello"
        assert wire[3]["tool_calls"] == [
            {"type": "function", "id": "c1", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
        ]
        assert wire[4] == {"role": "tool", "tool_call_id": "c1", "content": "found"}
        assert wire[5] == {"role": "developer", "content": "Use metric units."}

    def test_content_blocks(self) -> None:
        (wire,) = to_wire_messages(
            [
                HumanMessage(
                    content=[
                        {"type": "text", "text": "What is this?"},
                        {"type": "image", "url": "https://example.com/cat.png"},
                        {"type": "image", "base64": "aGVsbG8=", "mime_type": "image/png"},
                    ]
                )
            ]
        )
        assert wire["content"] == [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8="}},
        ]

    def test_anthropic_style_history(self) -> None:
        (wire,) = to_wire_messages(
            [
                AIMessage(
                    [
                        {"type": "thinking", "thinking": "hmm", "signature": "s"},
                        {"type": "text", "text": "Let me look."},
                        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
                    ]
                )
            ]
        )
        assert wire["content"] == "Let me look.", "thinking and tool_use parts are not sent back"
        assert wire["tool_calls"][0]["id"] == "t1"

    @pytest.mark.parametrize(
        "messages",
        [
            [SystemMessage("Be brief."), HumanMessage("Hi")],
            [HumanMessage("Hi", name="ada")],  # a name: the general conversion
            [HumanMessage([{"type": "text", "text": "Hi"}])],
        ],
    )
    def test_plain_turns_convert_as_langchain_does(self, messages: list[Any]) -> None:
        """Text-only user and system turns skip convert_to_openai_messages, with the same result."""
        assert to_wire_messages(messages) == [
            {**message, "content": message["content"] if isinstance(message["content"], str) else "Hi"}
            for message in convert_to_openai_messages(messages)
        ]

    def test_list_text_content_of_an_assistant(self) -> None:
        (wire,) = to_wire_messages([AIMessage([{"type": "text", "text": "ok"}])])
        assert wire == {"role": "assistant", "content": "ok"}


class TestFromWire:
    def test_usage_with_details(self) -> None:
        tokens = Tokens.from_usage(
            {
                "prompt_tokens": 100,
                "completion_tokens": 50,
                "total_tokens": 150,
                "prompt_tokens_details": {"cached_tokens": 40, "cache_write_tokens": 12},
                "completion_tokens_details": {"reasoning_tokens": 30},
            }
        )
        assert tokens is not None
        assert usage_metadata(tokens) == {
            "input_tokens": 100,
            "output_tokens": 50,
            "total_tokens": 150,
            "input_token_details": {"cache_read": 40, "cache_creation": 12},
            "output_token_details": {"reasoning": 30},
        }

    def test_usage_with_null_details_and_no_total(self) -> None:
        tokens = Tokens.from_usage(
            {
                "prompt_tokens": 46,
                "completion_tokens": 40,
                "prompt_tokens_details": None,
                "completion_tokens_details": None,
            }
        )
        assert tokens is not None
        assert usage_metadata(tokens) == {"input_tokens": 46, "output_tokens": 40, "total_tokens": 86}

    def test_tool_calls_valid_and_invalid(self) -> None:
        choice: Any = {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
                    {"id": "b", "type": "function", "function": {"name": "f", "arguments": "{x: 1"}},
                    {"id": "c", "type": "function", "function": {"name": "g", "arguments": ""}},
                ],
            },
        }
        message = message_from_choice(choice, {"id": "r", "model": "m", "choices": [choice]}, provider="nim")
        assert message.content == ""
        assert [(c["id"], c["args"]) for c in message.tool_calls] == [("a", {"x": 1}), ("c", {})]
        assert [c["id"] for c in message.invalid_tool_calls] == ["b"]
        assert message.response_metadata["finish_reason"] == "tool_calls"

    def test_result_has_cost_and_llm_output(self) -> None:
        data: Any = {
            "id": "r1",
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "x"},
                    "finish_reason": "stop",
                    "logprobs": {"content": []},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
        result = chat_result(
            data, provider="novita", estimate=lambda tokens: Cost(input=0.1, output=0.2, currency="USD")
        )
        message = result.generations[0].message
        assert message.response_metadata["estimated_cost"] == {
            "input": 0.1,
            "output": 0.2,
            "total": pytest.approx(0.3),
            "currency": "USD",
        }
        assert message.response_metadata["logprobs"] == {"content": []}
        assert result.llm_output == {"token_usage": data["usage"], "model_name": "m", "id": "r1"}

    def test_chunks(self) -> None:
        usage = _converted(
            {"id": "1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}},
            provider="novita",
        )
        assert usage is not None
        assert usage.message.usage_metadata == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}
        assert _converted({"id": "1", "choices": []}, provider="novita") is None
        reasoning = _converted(
            {"id": "1", "choices": [{"index": 0, "delta": {"reasoning_content": "hm"}}]}, provider="novita"
        )
        assert reasoning is not None
        assert reasoning.message.additional_kwargs == {"reasoning_content": "hm"}
        tool = _converted(
            {
                "id": "1",
                "choices": [
                    {
                        "index": 0,
                        "delta": {"tool_calls": [{"index": 1, "id": "c", "function": {"name": "f", "arguments": "{"}}]},
                    }
                ],
            },
            provider="nim",
        )
        assert tool is not None
        assert tool.message.tool_call_chunks == [  # type: ignore[attr-defined]
            {"name": "f", "args": "{", "id": "c", "index": 1, "type": "tool_call_chunk"}
        ]


def _converted(wire: Any, *, provider: str) -> ChatGenerationChunk | None:
    """One wire chunk read by a fresh core accumulator, then converted (as a stream's first chunk)."""
    return chunk_from_delta(wire, StreamAccumulator().feed(wire), provider=provider)
