"""The core reads usage and streams once for every surface: :class:`Tokens` and :class:`StreamAccumulator`."""

from __future__ import annotations

from typing import Any

import pytest

from hostedllm.streaming import StreamAccumulator
from hostedllm.tokens import Tokens


class TestTokens:
    def test_missing_counts_are_unknown_not_zero(self) -> None:
        tokens = Tokens.from_usage({"prompt_tokens": 7})
        assert tokens == Tokens(input=7)
        assert tokens is not None
        assert tokens.total is None  # no output count: no total made up

    def test_every_detail_where_reported(self) -> None:
        usage = {
            "prompt_tokens": 100,
            "completion_tokens": 50,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 40, "cache_write_tokens": 10},
            "completion_tokens_details": {"reasoning_tokens": 30},
        }
        assert Tokens.from_usage(usage) == Tokens(100, 50, 150, cached=40, cache_write=10, reasoning=30)

    def test_the_reported_total_wins_over_the_sum(self) -> None:
        """Some providers count tokens outside input and output (e.g. tool schemas) in the total."""
        assert Tokens.from_usage({"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 9}) == Tokens(3, 2, 9)

    @pytest.mark.parametrize("usage", [None, {}, [], "12", {"prompt_tokens_details": None}])
    def test_no_usage_is_none_or_empty(self, usage: Any) -> None:
        tokens = Tokens.from_usage(usage)
        assert tokens is None or tokens == Tokens()

    @pytest.mark.parametrize("value", [-1, True, "12", 1.5, float("nan"), float("inf"), None, [3]])
    def test_a_count_that_is_not_a_count_is_not_reported(self, value: Any) -> None:
        assert Tokens.from_usage({"prompt_tokens": value, "completion_tokens": 2}) == Tokens(output=2)

    def test_whole_floats_are_counts(self) -> None:
        assert Tokens.from_usage({"prompt_tokens": 12.0, "completion_tokens": 3}) == Tokens(12, 3, 15)


def _chunk(index: int = 0, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    return {"choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


class TestStreamAccumulator:
    def test_each_delta_says_what_the_chunk_added(self) -> None:
        stream = StreamAccumulator()
        first = stream.feed(_chunk(content="<think>plan"))
        second = stream.feed(_chunk(content="</think>Hello"))
        last = stream.feed(_chunk(finish="stop", content=" world"))
        assert (first.reasoning, first.text) == ("plan", "")
        assert (second.reasoning, second.text) == ("", "Hello")
        assert (last.text, last.finish_reason) == (" world", "stop")
        assert (stream.text, stream.reasoning, stream.finish_reason) == ("Hello world", "plan", "stop")

    def test_follows_one_choice(self) -> None:
        stream = StreamAccumulator(choice=1)
        stream.feed(
            {"choices": [{"index": 0, "delta": {"content": "zero"}}, {"index": 1, "delta": {"content": "one"}}]}
        )
        assert stream.text == "one"

    def test_tool_calls_by_index_in_order(self) -> None:
        stream = StreamAccumulator()
        stream.feed(_chunk(tool_calls=[{"index": 1, "id": "b", "function": {"name": "g", "arguments": "{"}}]))
        stream.feed(_chunk(tool_calls=[{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{}"}}]))
        stream.feed(_chunk(tool_calls=[{"index": 1, "function": {"arguments": "}"}}]))
        assert stream.tool_calls == [
            {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
            {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
        ]

    def test_usage_wherever_it_comes(self) -> None:
        stream = StreamAccumulator()
        assert stream.feed(_chunk(content="Hi")).tokens is None
        delta = stream.feed({"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 1}})
        assert delta.tokens == stream.tokens == Tokens(4, 1, 5)
        assert stream.usage == {"prompt_tokens": 4, "completion_tokens": 1}
