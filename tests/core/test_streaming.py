"""Streaming: the tolerant SSE reader and ChunkStream, fed the shapes the providers document."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest

from hostedllm.errors import (
    APIError,
    MalformedResponseError,
    QuotaExhaustedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
)
from hostedllm.providers import get_provider
from hostedllm.streaming import ChunkStream, aiter_sse_data, iter_sse_data
from hostedllm.streaming.sse import LineDecoder

SECRET = "sk-live-SENTINEL123"
USAGE_1 = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
USAGE_2 = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}

# --- helpers ------------------------------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse_body(events: Iterable[Any], *, space: bool = True, done: bool = True, separator: str = "\n\n") -> str:
    """An SSE body: one ``data:`` line per event (JSON-encoded unless already a string)."""
    prefix = "data: " if space else "data:"
    lines = [prefix + (event if isinstance(event, str) else compact(event)) + separator for event in events]
    if done:
        lines.append("data: [DONE]" + separator)
    return "".join(lines)


def lines_of(body: str) -> list[str]:
    """Split like a reader that only knows "\n" (so CRLF bodies leave a trailing "\r" on each line)."""
    return body.split("\n")


async def alines(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def acollect(lines: Iterable[str]) -> list[str]:
    return [payload async for payload in aiter_sse_data(alines(lines))]


def run_stream(
    provider: str, payloads: Iterable[str], *, model: str | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Feed every payload, then close: the chunks handed on, and the closing (usage) chunk."""
    stream = ChunkStream(get_provider(provider), model=model)
    chunks = [chunk for payload in payloads if (chunk := stream.feed(payload)) is not None]
    return chunks, stream.close()


def run_body(provider: str, body: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return run_stream(provider, iter_sse_data(lines_of(body)))


def text_of(chunks: Iterable[dict[str, Any]]) -> str:
    return "".join(chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"id": "c-1", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def tool_chunk(*calls: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "c-1", "choices": [{"index": 0, "delta": {"tool_calls": list(calls)}, "finish_reason": finish}]}


# --- documented provider streams (tests/cassettes/documented/write_cassettes.py) ----------------

USAGE = {"prompt_tokens": 4, "completion_tokens": 20, "total_tokens": 24}
BAICHUAN_HEAD = {
    "id": "chatcmpl-M633300APBknoaF",
    "object": "chat.completion.chunk",
    "created": 1703654400,
    "model": "Baichuan4",
}
BAICHUAN_STREAM = sse_body(
    [
        {
            **BAICHUAN_HEAD,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "世界第一高峰是珠穆"}, "finish_reason": ""}
            ],
        },
        {
            **BAICHUAN_HEAD,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "朗玛峰，"}, "finish_reason": ""}],
        },
        {
            **BAICHUAN_HEAD,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": "海拔8848.86米。"}, "finish_reason": "stop"}
            ],
            "usage": USAGE,
        },
    ],
    space=False,
)

FILTERS = {
    "hate": {"filtered": False},
    "violence": {"filtered": False},
    "jailbreak": {"filtered": False, "detected": False},
}
NOVITA_HEAD = {
    "id": "chat-d821b951d6ff43ab838d18137aef7d0a",
    "object": "chat.completion.chunk",
    "created": 1731586102,
    "model": "meta-llama/llama-3.1-8b-instruct",
    "system_fingerprint": "",
}
NOVITA_USAGE = {"prompt_tokens": 46, "completion_tokens": 9, "total_tokens": 55}
NOVITA_STREAM = sse_body(
    [
        *[
            {
                **NOVITA_HEAD,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "content_filter_results": FILTERS}],
                "usage": None,
            }
            for delta, finish in [
                ({"role": "assistant"}, None),
                ({"content": "n, ne"}, None),
                ({"content": "ed"}, None),
                ({"content": " just want to chat?"}, "stop"),
            ]
        ],
        {**NOVITA_HEAD, "choices": [], "usage": NOVITA_USAGE},
    ]
)

LEGACY_LOGPROBS = {"text_offset": [], "token_logprobs": [0.0], "tokens": [], "top_logprobs": []}
NIM_HEAD = {"id": "chat-9d8c7b6a", "object": "chat.completion.chunk", "created": 1716000000, "model": "meta/llama2-70b"}
NIM_LLAMA2_STREAM = sse_body(
    [
        {
            **NIM_HEAD,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
            ],
        },
        *[
            {
                **NIM_HEAD,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": None, "content": text},
                        "logprobs": LEGACY_LOGPROBS,
                        "finish_reason": finish,
                    }
                ],
            }
            for text, finish in [("Mount", None), (" Everest", None), (".", None), ("", "stop")]
        ],
    ]
)


# --- the SSE reader ------------------------------------------------------------------------------


class TestSSEReader:
    def test_data_with_and_without_the_space(self) -> None:
        lines = ['data:{"a":1}', "", 'data: {"b":2}', "", "data:[DONE]", ""]
        assert list(iter_sse_data(lines)) == ['{"a":1}', '{"b":2}', "[DONE]"]

    def test_crlf_line_endings(self) -> None:
        body = 'data: {"a":1}\r\n\r\ndata:{"b":2}\r\n\r\ndata: [DONE]\r\n\r\n'
        assert lines_of(body)[0].endswith("\r")
        assert list(iter_sse_data(lines_of(body))) == ['{"a":1}', '{"b":2}', "[DONE]"]

    def test_comments_and_other_fields_are_ignored(self) -> None:
        lines = [
            ": keep-alive",
            "event: message",
            "id: 7",
            "retry: 3000",
            'data: {"a":1}',
            "",
            ":",
            ": OPENROUTER PROCESSING",
            "",
            "data: [DONE]",
            "",
        ]
        assert list(iter_sse_data(lines)) == ['{"a":1}', "[DONE]"]

    def test_events_without_blank_lines_between_them(self) -> None:
        body = sse_body([{"a": 1}, {"b": 2}], separator="\n")
        assert list(iter_sse_data(lines_of(body))) == ['{"a":1}', '{"b":2}', "[DONE]"]

    def test_several_blank_lines_between_events(self) -> None:
        lines = ["", "", 'data: {"a":1}', "", "", "", 'data: {"b":2}', "", ""]
        assert list(iter_sse_data(lines)) == ['{"a":1}', '{"b":2}']

    def test_multi_line_data_is_joined_with_newlines(self) -> None:
        lines = ['data: {"a":', "data: 1}", "", "data: hello", "data: world", ""]
        payloads = list(iter_sse_data(lines))
        assert payloads == ['{"a":\n1}', "hello\nworld"]
        assert json.loads(payloads[0]) == {"a": 1}

    def test_a_bare_json_line_is_passed_on(self) -> None:
        lines = ['{"error": {"message": "Internal error", "code": 500}}', "", "data: [DONE]", ""]
        assert list(iter_sse_data(lines)) == ['{"error": {"message": "Internal error", "code": 500}}', "[DONE]"]

    def test_a_last_event_without_a_trailing_blank_line_is_not_lost(self) -> None:
        assert list(iter_sse_data(['data: {"a":1}', "", 'data: {"b":2}'])) == ['{"a":1}', '{"b":2}']

    def test_nothing_in_nothing_out(self) -> None:
        assert list(iter_sse_data([])) == []
        assert list(iter_sse_data(["", ": ping", ""])) == []

    @pytest.mark.parametrize(
        "body",
        [
            BAICHUAN_STREAM,
            NOVITA_STREAM,
            NIM_LLAMA2_STREAM,
            sse_body([{"a": 1}, {"b": 2}], separator="\r\n"),
            ': keep-alive\nevent: x\ndata: {"a":\ndata: 1}\n\n{"bare": true}\ndata: tail',
        ],
        ids=["baichuan", "novita", "nim", "crlf-no-blank-lines", "mixed"],
    )
    async def test_aiter_gives_the_same_as_iter(self, body: str) -> None:
        expected = list(iter_sse_data(lines_of(body)))
        assert expected  # every body above has at least one payload
        assert await acollect(lines_of(body)) == expected


# --- ChunkStream on documented streams -----------------------------------------------------------


class TestDocumentedStreams:
    def test_baichuan(self) -> None:
        chunks, last = run_body("baichuan", BAICHUAN_STREAM)
        assert text_of(chunks) == "世界第一高峰是珠穆朗玛峰，海拔8848.86米。"
        assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, "stop"]
        assert [c["choices"][0]["delta"]["role"] for c in chunks] == ["assistant"] * 3
        assert all("usage" not in c for c in chunks)
        assert last is not None
        assert last["choices"] == []
        assert last["usage"] == USAGE
        assert (last["id"], last["model"]) == ("chatcmpl-M633300APBknoaF", "Baichuan4")

    def test_novita(self) -> None:
        chunks, last = run_body("novita", NOVITA_STREAM)
        assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
        assert text_of(chunks) == "n, need just want to chat?"
        assert all(c["choices"][0]["content_filter_results"] == FILTERS for c in chunks)
        assert all("usage" not in c for c in chunks)
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        assert last is not None
        assert last["choices"] == []
        assert last["usage"] == NOVITA_USAGE
        assert (last["id"], last["model"]) == (NOVITA_HEAD["id"], NOVITA_HEAD["model"])

    def test_nim_llama2_completion_style_logprobs_pass_through(self) -> None:
        chunks, last = run_body("nim", NIM_LLAMA2_STREAM)
        assert text_of(chunks) == "Mount Everest."
        assert [c["choices"][0]["logprobs"] for c in chunks[1:]] == [LEGACY_LOGPROBS] * 4
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        assert last is None  # no usage was sent, so no usage chunk is made up


# --- ChunkStream normalisation -------------------------------------------------------------------


class TestFinishReason:
    def test_empty_string_becomes_none_and_a_real_reason_is_kept(self) -> None:
        stream = ChunkStream(get_provider("baichuan"))
        middle = stream.feed(compact(chunk("a", "")))
        end = stream.feed(compact(chunk("b", "length")))
        assert middle is not None
        assert end is not None
        assert middle["choices"][0]["finish_reason"] is None
        assert end["choices"][0]["finish_reason"] == "length"

    def test_missing_done_after_a_finish_reason_is_fine(self) -> None:
        chunks, last = run_body("novita", sse_body([chunk("Hi"), chunk(None, "stop")], done=False))
        assert text_of(chunks) == "Hi"
        assert last is None

    def test_done_without_a_finish_reason_is_fine(self) -> None:
        chunks, _ = run_body("novita", sse_body([chunk("Hi")]))
        assert text_of(chunks) == "Hi"

    @pytest.mark.parametrize(
        "payloads",
        [
            [],
            ['{"id": "c-1", "choices": [{"index": 0, "delta": {"content": "Hello"}}]}'],
            [compact(chunk("Hello", ""))],
            [compact(chunk("Hello", None)), compact({"id": "c-1", "choices": [], "usage": USAGE_1})],
        ],
        ids=["empty", "no-finish-key", "empty-finish", "null-finish-then-usage"],
    )
    def test_neither_finish_reason_nor_done_is_an_interruption(self, payloads: list[str]) -> None:
        stream = ChunkStream(get_provider("novita"))
        for payload in payloads:
            stream.feed(payload)
        with pytest.raises(StreamInterruptedError) as caught:
            stream.close()
        assert caught.value.provider == "novita"
        assert "[novita]" in str(caught.value)
        assert not caught.value.retryable


class TestUsage:
    @pytest.mark.parametrize(
        ("events", "expected"),
        [
            pytest.param([chunk("a"), chunk("b", "stop", usage=USAGE_2)], USAGE_2, id="in-last-content-chunk"),
            pytest.param(
                [chunk("a"), chunk("b", "stop"), {"id": "c-1", "model": "m", "choices": [], "usage": USAGE_2}],
                USAGE_2,
                id="separate-empty-choices-chunk",
            ),
            pytest.param(
                [
                    chunk("a", usage=None),
                    chunk("b", "stop", usage=None),
                    {"id": "c-1", "model": "m", "choices": [], "usage": USAGE_2},
                ],
                USAGE_2,
                id="null-on-every-chunk-then-separate",
            ),
            pytest.param(
                [chunk("a", usage=USAGE_1), chunk("b", "stop", usage=USAGE_2)],
                USAGE_2,
                id="running-total-on-every-chunk",
            ),
        ],
    )
    def test_usage_is_sent_once_on_the_closing_chunk(
        self, events: list[dict[str, Any]], expected: dict[str, int]
    ) -> None:
        chunks, last = run_body("novita", sse_body(events))
        assert text_of(chunks) == "ab"
        assert all("usage" not in c for c in chunks)
        assert last is not None
        assert last["choices"] == []
        assert last["usage"] == expected
        assert (last["id"], last["model"]) == ("c-1", "m")
        assert last["object"] == "chat.completion.chunk"

    def test_a_chunk_with_only_usage_is_not_handed_on(self) -> None:
        stream = ChunkStream(get_provider("novita"))
        assert stream.feed(compact({"id": "c-1", "choices": [], "usage": USAGE_1})) is None

    def test_the_stream_usage_property_holds_the_last_usage(self) -> None:
        stream = ChunkStream(get_provider("novita"))
        stream.feed(compact(chunk("a", usage=USAGE_1)))
        stream.feed(compact(chunk("b", "stop", usage=None)))
        assert stream.usage == USAGE_1


class TestToolCalls:
    def test_an_index_sent_by_the_provider_is_kept(self) -> None:
        chunks, _ = run_stream(
            "novita",
            [
                compact(
                    tool_chunk(
                        {"index": 1, "id": "call_b", "type": "function", "function": {"name": "f", "arguments": ""}}
                    )
                ),
                compact(tool_chunk({"index": 1, "function": {"arguments": "{}"}}, finish="tool_calls")),
            ],
        )
        assert [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in chunks] == [1, 1]

    def test_missing_indexes_follow_the_ids(self) -> None:
        chunks, _ = run_stream(
            "baichuan",
            [
                compact(tool_chunk({"id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}})),
                compact(tool_chunk({"function": {"arguments": '{"city":'}})),
                compact(tool_chunk({"function": {"arguments": '"Paris"}'}})),
                compact(tool_chunk({"id": "call_b", "type": "function", "function": {"name": "g", "arguments": ""}})),
                compact(tool_chunk({"function": {"arguments": "{}"}}, finish="tool_calls")),
            ],
        )
        assert [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in chunks] == [0, 0, 0, 1, 1]

    def test_two_calls_in_one_delta_without_index(self) -> None:
        chunks, _ = run_stream(
            "baichuan",
            [
                compact(
                    tool_chunk(
                        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
                        finish="tool_calls",
                    )
                ),
            ],
        )
        calls = chunks[0]["choices"][0]["delta"]["tool_calls"]
        assert [(call["id"], call["index"]) for call in calls] == [("call_a", 0), ("call_b", 1)]

    def test_a_first_delta_without_id_or_index_gets_zero(self) -> None:
        chunks, _ = run_stream("baichuan", [compact(tool_chunk({"function": {"name": "f"}}, finish="tool_calls"))])
        assert chunks[0]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0


class TestErrorsInTheStream:
    @pytest.mark.parametrize(
        ("payload", "error_type", "status"),
        [
            ({"error": {"message": "Rate limit reached", "code": 429}}, RateLimitError, 429),
            ({"status": 500, "title": "Internal", "detail": "x"}, ServerError, 500),
            ({"error": {"message": "Internal error", "type": "server_error"}}, ServerError, 500),
            ({"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Not enough balance"}, QuotaExhaustedError, 403),
        ],
        ids=["openai-429", "problem-json-500", "openai-no-code", "novita-balance"],
    )
    def test_an_error_object_mid_stream_raises_a_typed_error(
        self, payload: dict[str, Any], error_type: type[APIError], status: int
    ) -> None:
        stream = ChunkStream(get_provider("novita"), model="qwen/qwen-2.5-72b-instruct")
        assert stream.feed(compact(chunk("partial"))) is not None
        with pytest.raises(error_type) as caught:
            stream.feed(compact(payload))
        assert type(caught.value) is error_type
        assert caught.value.status_code == status
        assert str(caught.value).startswith(f"[novita] HTTP {status}: ")

    def test_a_bare_error_line_from_the_reader_raises(self) -> None:
        lines = [
            'data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}',
            "",
            '{"error": {"message": "Internal error", "code": 500}}',
            "",
        ]
        with pytest.raises(ServerError, match="Internal error"):
            run_stream("nim", iter_sse_data(lines))

    def test_the_key_echoed_in_an_error_event_is_redacted(self) -> None:
        stream = ChunkStream(get_provider("novita"), secrets=(SECRET,))
        with pytest.raises(APIError) as caught:
            stream.feed(compact({"error": {"message": f"Invalid key {SECRET}", "code": 401}}))
        assert SECRET not in str(caught.value)
        assert SECRET not in repr(caught.value)

    def test_the_key_echoed_in_a_broken_event_is_redacted(self) -> None:
        stream = ChunkStream(get_provider("novita"), secrets=(SECRET,))
        with pytest.raises(MalformedResponseError) as caught:
            stream.feed(f"unauthorized: bad key {SECRET}")
        assert SECRET not in str(caught.value)

    @pytest.mark.parametrize(
        "payload",
        ['{"id": "c", "choices": [', "not json at all", "[1, 2]", '"text"', '{"id": "c"}', '{"choices": {"0": 1}}'],
        ids=["truncated", "text", "array", "string", "no-choices", "choices-not-list"],
    )
    def test_a_broken_event_is_a_malformed_response(self, payload: str) -> None:
        stream = ChunkStream(get_provider("baichuan"))
        with pytest.raises(MalformedResponseError) as caught:
            stream.feed(payload)
        assert caught.value.provider == "baichuan"
        assert "[baichuan]" in str(caught.value)

    def test_payloads_after_done_are_ignored(self) -> None:
        stream = ChunkStream(get_provider("novita"))
        assert stream.feed(compact(chunk("Hi"))) is not None
        assert stream.feed("[DONE]") is None
        assert stream.feed("not json") is None
        assert stream.feed(compact({"error": {"message": "late", "code": 500}})) is None
        assert stream.feed(compact(chunk("more", "stop", usage=USAGE_1))) is None
        assert stream.close() is None  # the usage after [DONE] is ignored too


def test_repeated_tool_call_ids_and_names_are_sent_once() -> None:
    """llama.cpp's server repeats the id and the name in every tool-call delta (seen on 0.3.36)."""
    from hostedllm.providers import get_provider
    from hostedllm.streaming import ChunkStream

    stream = ChunkStream(get_provider("local"))
    pieces = ['{"', "city", '":"Paris"}']
    deltas = []
    for piece in pieces:
        chunk = stream.feed(
            '{"id":"x","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function",'
            f'"function":{{"name":"get_weather","arguments":{json.dumps(piece)}}}}}]}},"finish_reason":null}}]}}'
        )
        assert chunk is not None
        deltas.append(chunk["choices"][0]["delta"]["tool_calls"][0])
    assert [d.get("id") for d in deltas] == ["call_1", None, None]
    assert [d["function"].get("name") for d in deltas] == ["get_weather", None, None]
    assert "".join(d["function"]["arguments"] for d in deltas) == '{"city":"Paris"}'


# --- line splitting -------------------------------------------------------------------------------

BODIES = [
    b'data: {"a": 1}\n\ndata: [DONE]\n\n',
    b'data: {"a": 1}\r\n\r\ndata: [DONE]\r\n\r\n',
    b'data: {"a": 1}\r\rdata: [DONE]',
    'data: {"c": "x\u2028y\u0085z\x1cw"}\n\n'.encode(),
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_lines_split_only_at_cr_lf_whatever_the_chunking(body: bytes, size: int) -> None:
    """A CRLF cut between two network reads is one line break; U+2028 and friends are content."""
    decoder = LineDecoder()
    lines = [line for start in range(0, len(body), size) for line in decoder.feed(body[start : start + size])]
    lines += decoder.flush()
    expected = re.split(r"\r\n|\r|\n", body.decode())
    assert lines == (expected[:-1] if expected[-1] == "" else expected)


def test_a_bad_byte_is_replaced_not_fatal() -> None:
    decoder = LineDecoder()
    assert decoder.feed(b"data: caf\xe9\n") == ["data: caf\ufffd"]
