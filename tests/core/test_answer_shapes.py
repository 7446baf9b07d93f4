"""The shape checks of whole answers (parse_completion) and streams (ChunkStream), framework-free.

Every shape an adapter would trip over is one MalformedResponseError naming where the answer went
wrong; usage of the wrong shape is "not reported" (checked_usage). The same shapes over real HTTP,
through both frameworks: tests/reliability/test_malformed_answers.py.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hostedllm.errors import MalformedResponseError
from hostedllm.providers import get_provider
from hostedllm.responses import parse_completion
from hostedllm.streaming import ChunkStream, StreamAccumulator
from hostedllm.testing import fake
from hostedllm.tokens import Tokens, checked_usage

SPEC = get_provider("novita")
SECRET = "sk-live-SENTINEL-shapes-0123456789"
CALL = fake.tool_call("lookup", '{"q": "x"}')
LOGPROBS = {
    "content": [
        {
            "token": "Hi",
            "logprob": -0.1,
            "bytes": [72, 105],
            "top_logprobs": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}, {"token": "Yo", "logprob": -3}],
        }
    ],
    "refusal": None,
}


def answer(**message: Any) -> dict[str, Any]:
    body = fake.completion("Hi")
    body["choices"][0]["message"].update(message)
    return body


def with_choice(**fields: Any) -> dict[str, Any]:
    body = fake.completion("Hi")
    body["choices"][0].update(fields)
    return body


def parse(body: Any) -> Any:
    return parse_completion(SPEC, json.dumps(body).encode(), secrets=(SECRET,))


def call(**fields: Any) -> dict[str, Any]:
    result = copy.deepcopy(CALL)
    for key, value in fields.items():
        (result["function"] if key in ("name", "arguments") else result)[key] = value
    return result


# --- whole answers -------------------------------------------------------------------------------

MALFORMED = [
    pytest.param({**fake.completion(), "choices": []}, "the answer's 'choices' list is empty", id="choices-empty"),
    pytest.param({**fake.completion(), "choices": [None]}, "choices[0] is not an object: 'null'", id="choice-null"),
    pytest.param({**fake.completion(), "choices": ["x"]}, "choices[0] is not an object: '\"x\"'", id="choice-str"),
    pytest.param(
        {**fake.completion(), "choices": [fake.completion()["choices"][0], 5]},
        "choices[1] is not an object: '5'",
        id="second-choice-number",
    ),
    pytest.param(with_choice(message="hi"), "choices[0].message is not an object: '\"hi\"'", id="message-str"),
    pytest.param(with_choice(message=None), "choices[0].message is not an object: 'null'", id="message-null"),
    pytest.param(with_choice(message=[]), "choices[0].message is not an object: '[]'", id="message-list"),
    pytest.param(
        {**fake.completion(), "choices": [{"index": 0, "text": "Hi"}]},
        "choices[0].message is not an object: missing",
        id="message-missing",
    ),
    pytest.param(answer(content=5), "choices[0].message.content is not text or a list of content parts: '5'", id="c5"),
    pytest.param(answer(content=True), "choices[0].message.content is not text", id="content-bool"),
    pytest.param(answer(content={"a": 1}), "choices[0].message.content is not text", id="content-object"),
    pytest.param(answer(content=[1]), "choices[0].message.content[0] is not a content part", id="content-part-number"),
    pytest.param(answer(content=[None]), "choices[0].message.content[0] is not a content part", id="content-part-null"),
    pytest.param(answer(tool_calls={"a": 1}), "choices[0].message.tool_calls is not a list", id="tool-calls-object"),
    pytest.param(answer(tool_calls="x"), "choices[0].message.tool_calls is not a list: '\"x\"'", id="tool-calls-str"),
    pytest.param(answer(tool_calls=[None]), "tool_calls[0] is not an object: 'null'", id="tool-call-null"),
    pytest.param(answer(tool_calls=[CALL, "x"]), "tool_calls[1] is not an object: '\"x\"'", id="second-tool-call-str"),
    pytest.param(answer(tool_calls=[call(function=None)]), "tool_calls[0].function is not an object: 'null'", id="f0"),
    pytest.param(answer(tool_calls=[call(function="f")]), "tool_calls[0].function is not an object", id="fn-str"),
    pytest.param(
        answer(tool_calls=[{"id": "call_1", "type": "function"}]),
        "tool_calls[0].function is not an object: missing",
        id="function-missing",
    ),
    pytest.param(answer(tool_calls=[call(name=5)]), "tool_calls[0].function.name is not text: '5'", id="name-number"),
    pytest.param(answer(tool_calls=[call(arguments={"q": 1})]), "function.arguments is not text", id="arguments-dict"),
    pytest.param(answer(tool_calls=[call(id=7)]), "tool_calls[0].id is not text: '7'", id="id-number"),
    pytest.param(with_choice(finish_reason=5), "choices[0].finish_reason is not text: '5'", id="finish-number"),
    pytest.param(with_choice(finish_reason=["stop"]), "choices[0].finish_reason is not text", id="finish-list"),
    pytest.param(with_choice(logprobs="x"), "choices[0].logprobs is not an object: '\"x\"'", id="logprobs-str"),
    pytest.param(
        with_choice(logprobs={"content": "abc"}), "choices[0].logprobs.content is not a list", id="lp-content"
    ),
    pytest.param(with_choice(logprobs={"content": [5]}), "logprobs.content[0] is not an object: '5'", id="lp-entry"),
    pytest.param(with_choice(logprobs={"content": [{"token": 5}]}), "content[0].token is not text", id="lp-token"),
    pytest.param(with_choice(logprobs={"content": [{"logprob": "x"}]}), "content[0].logprob is not a number", id="lp"),
    pytest.param(
        with_choice(logprobs={"content": [{"bytes": "ab"}]}), "bytes is not a list of integers", id="lp-bytes"
    ),
    pytest.param(with_choice(logprobs={"content": [{"bytes": ["a"]}]}), "bytes is not a list of integers", id="lp-b"),
    pytest.param(with_choice(logprobs={"refusal": True}), "choices[0].logprobs.refusal is not a list", id="lp-refusal"),
    pytest.param(
        with_choice(logprobs={"content": [{"token": "a", "top_logprobs": "x"}]}),
        "logprobs.content[0].top_logprobs is not a list",
        id="lp-top-str",
    ),
    pytest.param(
        with_choice(logprobs={"content": [{"token": "a", "top_logprobs": [{"token": None, "logprob": {}}]}]}),
        "logprobs.content[0].top_logprobs[0].logprob is not a number: '{}'",
        id="lp-top-entry",
    ),
]


class TestParseCompletion:
    @pytest.mark.parametrize(("body", "fragment"), MALFORMED)
    def test_each_shape_is_a_malformed_response(self, body: Any, fragment: str) -> None:
        with pytest.raises(MalformedResponseError) as caught:
            parse(body)
        message = str(caught.value)
        assert message.startswith("[novita] HTTP 200: the answer's "), message
        assert fragment in message
        assert message.endswith("The provider sent a broken answer; retry the request.")
        assert caught.value.status_code == 200
        assert not caught.value.retryable

    def test_the_snippet_is_redacted_and_short(self) -> None:
        body = answer(content={"key": SECRET, "padding": "x" * 500})
        with pytest.raises(MalformedResponseError) as caught:
            parse(body)
        message = str(caught.value)
        assert SECRET not in message
        assert "****" in message
        assert len(message) < 300

    def test_not_json_and_no_choices_keep_their_hint(self) -> None:
        for content in (b"{not json", b'{"object": "x"}'):
            with pytest.raises(MalformedResponseError, match="check the base URL"):
                parse_completion(SPEC, content)

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(fake.completion("Hi"), id="text"),
            pytest.param(fake.completion(None, tool_calls=[CALL], finish_reason="tool_calls"), id="tool-calls"),
            pytest.param(answer(content=[{"type": "text", "text": "Hi"}, "there"]), id="content-parts"),
            pytest.param(answer(content=""), id="content-empty"),
            pytest.param(answer(tool_calls=[]), id="tool-calls-empty"),
            pytest.param(answer(tool_calls=None, reasoning_content="hm"), id="tool-calls-null"),
            pytest.param(with_choice(finish_reason=None), id="finish-null"),
            pytest.param(with_choice(logprobs=LOGPROBS), id="logprobs"),
            pytest.param(with_choice(logprobs={"content": None}), id="logprobs-content-null"),
            pytest.param(with_choice(logprobs=None), id="logprobs-null"),
            pytest.param({**fake.completion("Hi"), "knowledge_base": {"cites": []}}, id="provider-extra"),
        ],
    )
    def test_well_formed_answers_pass_unchanged(self, body: dict[str, Any]) -> None:
        assert parse(body) == body

    def test_an_empty_finish_reason_is_none(self) -> None:
        assert parse(with_choice(finish_reason=""))["choices"][0]["finish_reason"] is None

    @pytest.mark.parametrize("missing", ["name", "arguments"])
    @pytest.mark.parametrize("how", ["left-out", "null"])
    def test_a_tool_call_name_or_arguments_left_out_is_empty_text(self, missing: str, how: str) -> None:
        partial = call()
        if how == "null":
            partial["function"][missing] = None
        else:
            del partial["function"][missing]
        parsed = parse(answer(content=None, tool_calls=[partial]))
        function = parsed["choices"][0]["message"]["tool_calls"][0]["function"]
        assert function[missing] == ""
        assert function == {**CALL["function"], missing: ""}


# --- usage: not reported when of the wrong shape -----------------------------------------------------


class TestUsage:
    @pytest.mark.parametrize("usage", ["12", 12, [1, 2], True])
    def test_usage_that_is_not_an_object_is_dropped(self, usage: Any) -> None:
        body = {**fake.completion(), "usage": usage}
        parsed = parse(body)
        assert "usage" not in parsed
        assert parsed["choices"] == body["choices"]

    def test_a_null_usage_is_kept(self) -> None:
        assert parse({**fake.completion(), "usage": None})["usage"] is None

    @pytest.mark.parametrize(
        ("usage", "kept"),
        [
            ({"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}, ...),
            ({"prompt_tokens": "3", "completion_tokens": 2}, {"completion_tokens": 2}),
            ({"prompt_tokens": None, "completion_tokens": None, "total_tokens": None}, {}),
            ({"prompt_tokens": {}, "completion_tokens": [2], "total_tokens": True}, {}),
            ({"prompt_tokens": -3, "completion_tokens": 2.5, "total_tokens": 5.0}, {"total_tokens": 5}),
            (
                {"prompt_tokens": 3, "completion_tokens": 2, "prompt_tokens_details": "x", "cost": "0.1"},
                {"prompt_tokens": 3, "completion_tokens": 2, "prompt_tokens_details": "x", "cost": "0.1"},
            ),
        ],
    )
    def test_counts_that_are_not_counts_are_left_out(self, usage: dict[str, Any], kept: Any) -> None:
        expected = dict(usage) if kept is ... else kept
        parsed = parse({**fake.completion(), "usage": usage})
        assert parsed["usage"] == expected
        # as Tokens already read them (an empty usage is no usage)
        assert (Tokens.from_usage(parsed["usage"]) or Tokens()) == (Tokens.from_usage(usage) or Tokens())

    def test_checked_usage_in_place(self) -> None:
        usage = {"prompt_tokens": "3", "completion_tokens": 2}
        assert checked_usage(usage) is usage
        assert usage == {"completion_tokens": 2}
        assert checked_usage(None) is None


# --- streams ----------------------------------------------------------------------------------------


def event(choice: Any, **extra: Any) -> str:
    return json.dumps({"id": "c-1", "choices": [choice], **extra})


def delta(content: Any = None, finish: Any = None, **fields: Any) -> str:
    body = {} if content is None else {"content": content}
    return event({"index": 0, "delta": {**body, **fields}, "finish_reason": finish})


def stream_call(**fields: Any) -> str:
    return delta(tool_calls=[{"index": 0, **call(**fields)}])


STREAM_MALFORMED = [
    pytest.param(event(None), "a stream choice is not an object: 'null'", id="choice-null"),
    pytest.param(event("x"), "a stream choice is not an object: '\"x\"'", id="choice-str"),
    pytest.param(
        event({"index": 0, "delta": "hi"}), "a stream choice's delta is not an object: '\"hi\"'", id="delta-s"
    ),
    pytest.param(event({"index": 0, "delta": [1]}), "a stream choice's delta is not an object: '[1]'", id="delta-list"),
    pytest.param(event({"index": 0, "message": "hi"}), "a stream choice's message is not an object", id="message-str"),
    pytest.param(delta(5), "a stream delta's content is not text: '5'", id="content-number"),
    pytest.param(delta([{"type": "text"}]), "a stream delta's content is not text", id="content-list"),
    pytest.param(delta(tool_calls={"a": 1}), "a stream delta's tool_calls is not a list", id="tool-calls-object"),
    pytest.param(delta(tool_calls={}), "a stream delta's tool_calls is not a list: '{}'", id="tool-calls-empty-obj"),
    pytest.param(delta(tool_calls=[None]), "a streamed tool call is not an object with a 'function'", id="call-null"),
    pytest.param(stream_call(function=None), "a streamed tool call is not an object with a 'function'", id="fn-null"),
    pytest.param(stream_call(function="f"), "a streamed tool call is not an object with a 'function'", id="fn-str"),
    pytest.param(stream_call(name=5), "a streamed tool call's function.name is not text: '5'", id="name-number"),
    pytest.param(stream_call(arguments={"q": 1}), "a streamed tool call's function.arguments is not text", id="args"),
    pytest.param(stream_call(id=7), "a streamed tool call's id is not text: '7'", id="id-number"),
    pytest.param(delta(finish=5), "a stream choice's finish_reason is not text: '5'", id="finish-number"),
    pytest.param(delta(finish={"a": 1}), "a stream choice's finish_reason is not text", id="finish-object"),
    pytest.param(
        event({"index": 0, "delta": {}, "logprobs": "x"}), "a stream choice's logprobs is not an object", id="lp-str"
    ),
    pytest.param(
        event({"index": 0, "delta": {}, "logprobs": {"content": [{"token": 5}]}}),
        "a stream choice's logprobs.content[0].token is not text: '5'",
        id="lp-token",
    ),
]


def feed_all(*payloads: str) -> tuple[list[Any], Any]:
    stream = ChunkStream(SPEC, secrets=(SECRET,))
    chunks = [chunk for payload in payloads if (chunk := stream.feed(payload)) is not None]
    return chunks, stream.close()


class TestChunkStream:
    @pytest.mark.parametrize(("payload", "fragment"), STREAM_MALFORMED)
    def test_each_shape_is_a_malformed_response(self, payload: str, fragment: str) -> None:
        stream = ChunkStream(SPEC, secrets=(SECRET,))
        assert stream.feed(delta("Hel")) is not None  # a good event first: handed on
        with pytest.raises(MalformedResponseError) as caught:
            stream.feed(payload)
        message = str(caught.value)
        assert message.startswith("[novita]: "), message
        assert fragment in message
        assert message.endswith("The provider sent a broken stream; retry the request.")

    def test_the_snippet_is_redacted(self) -> None:
        with pytest.raises(MalformedResponseError) as caught:
            feed_all(event({"index": 0, "delta": SECRET}))
        assert SECRET not in str(caught.value)

    @pytest.mark.parametrize(
        "payloads",
        [
            pytest.param(("[DONE]",), id="done-only"),
            pytest.param((json.dumps({"id": "c-1", "choices": []}), "[DONE]"), id="empty-choices"),
            pytest.param((json.dumps({"choices": [], "usage": fake.usage_of(3, 0)}), "[DONE]"), id="usage-only"),
        ],
    )
    def test_a_stream_without_a_single_choice_is_malformed(self, payloads: tuple[str, ...]) -> None:
        with pytest.raises(MalformedResponseError, match="the stream ended without a single choice"):
            feed_all(*payloads)

    def test_well_formed_odd_shapes_still_pass(self) -> None:
        chunks, last = feed_all(
            event({"index": 0, "delta": None}),  # no delta: nothing
            event({"index": 0, "message": {"content": "Hi"}}),  # a whole completion's message as the delta
            delta(" there", reasoning_content="hm"),
            delta(tool_calls=[]),
            delta(tool_calls=[{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": None}}]),
            delta(tool_calls=[{"index": 0, "function": {"arguments": "{}"}}]),
            event({"index": 0, "delta": {}, "logprobs": LOGPROBS}),
            event({"index": 0, "delta": {}, "logprobs": None}),
            delta(finish="stop"),
            "[DONE]",
        )
        accumulator = StreamAccumulator()
        for chunk in chunks:
            accumulator.feed(chunk)
        assert accumulator.text == "Hi there"
        assert accumulator.tool_calls == [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ]
        assert accumulator.finish_reason == "stop"
        assert last is None

    @pytest.mark.parametrize(
        ("usage", "expected"),
        [
            pytest.param("x", None, id="string"),
            pytest.param([1], None, id="list"),
            pytest.param({"prompt_tokens": "3", "completion_tokens": "2"}, None, id="strings"),
            pytest.param({"prompt_tokens": "3", "completion_tokens": 2}, {"completion_tokens": 2}, id="one-string"),
        ],
    )
    def test_usage_of_the_wrong_shape_is_not_reported(self, usage: Any, expected: Any) -> None:
        usage_event = json.dumps({"id": "c-1", "choices": [], "usage": usage})
        _, last = feed_all(delta("Hi"), delta(finish="stop"), usage_event, "[DONE]")
        assert (None if last is None else last["usage"]) == expected

    def test_a_bad_usage_does_not_replace_a_good_one(self) -> None:
        good = json.dumps({"id": "c-1", "choices": [], "usage": fake.usage_of(3, 2)})
        bad = json.dumps({"id": "c-1", "choices": [], "usage": {"prompt_tokens": "x"}})
        _, last = feed_all(delta("Hi"), delta(finish="stop"), good, bad, "[DONE]")
        assert last["usage"] == fake.usage_of(3, 2)
