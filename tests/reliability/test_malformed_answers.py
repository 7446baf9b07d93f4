"""Answers of the wrong shape, over real loopback HTTP, in both frameworks, invoke and stream, sync and async.

A 200 answer whose JSON parses but whose shape is wrong (no choice, a choice or message that is not
an object, content that is not text, tool calls that are not a list of objects with a ``function``
object, a finish reason or logprobs of the wrong type) is one :class:`MalformedResponseError` raised
by the core, whatever the framework: never an ``IndexError``, ``AttributeError``, ``TypeError``,
``KeyError`` or pydantic ``ValidationError``, never a silently empty answer, and never retried.
In a stream the shape goes in one event, after a good one: what came before is handed on, then it raises.

Usage is bookkeeping, not the answer: a ``usage`` that is not an object, or a count that is not a
whole number, is "not reported" (the answer arrives; the usage ledgers count a call without usage),
in the adapters, the usage trackers, LlamaIndex's ``TokenCountingHandler`` and the cost estimate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

from hostedllm.errors import MalformedResponseError
from langchain_hostedllm import track_usage as langchain_usage
from llama_index.llms.hostedllm.usage import track_usage as llamaindex_usage

from .fault_server import MODEL, TEXT, FaultHandler, FaultServer, RecordedRequest, _send_json, _stream, completion_body
from .fault_server import chunk_event as _chunk_event
from .fault_server import event as _event
from .test_fault_matrix import build, run

BROKEN_ANSWER_HINT = "The provider sent a broken answer"
BROKEN_STREAM_HINT = "The provider sent a broken stream"
CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
PARTIAL = "Hel"  # a stream hands this on before the broken event


# --- the shapes ------------------------------------------------------------------------------------


def _message(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        body["choices"][0]["message"].update(fields)

    return mutate


def _choice(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        body["choices"][0].update(fields)

    return mutate


def _top(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(fields)


def _drop_message(body: dict[str, Any]) -> None:
    del body["choices"][0]["message"]


def _call(**fields: Any) -> dict[str, Any]:
    """One tool call of a whole answer, with ``fields`` replacing its own (a function's keys under ``function``)."""
    call = {**CALL, "function": dict(CALL["function"])}  # type: ignore[arg-type]
    for key, value in fields.items():
        if key in ("name", "arguments"):
            call["function"][key] = value
        else:
            call[key] = value
    return call


def chunk(choice: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [choice],
    }


def delta_chunk(delta: Any, finish_reason: Any = None, **choice: Any) -> dict[str, Any]:
    return chunk({"index": 0, "delta": delta, "finish_reason": finish_reason, **choice})


def stream_call(**fields: Any) -> dict[str, Any]:
    """A tool-call delta: index 0, with ``fields`` replacing its own."""
    call = {"index": 0, **_call(**fields)}
    return delta_chunk({"tool_calls": [call]})


@dataclass(frozen=True)
class Shape:
    """One malformed shape: how it spoils a whole answer, and/or the stream event that carries it."""

    id: str
    fragments: tuple[str, ...]  # what the message names
    invoke: Callable[[dict[str, Any]], None] | None = None
    events: tuple[dict[str, Any], ...] = ()  # the broken event(s), after a good one
    stream_fragments: tuple[str, ...] | None = None  # when the stream's message differs
    stream_partial: str = PARTIAL


SHAPES = [
    Shape(
        "choices_empty",
        ("'choices' list is empty",),
        invoke=_top(choices=[]),
        # Every event without a choice: nothing of an answer ever came.
        events=({"id": "chatcmpl-stream", "object": "chat.completion.chunk", "choices": []},),
        stream_fragments=("the stream ended without a single choice",),
        stream_partial="",
    ),
    Shape(
        "choice_null",
        ("choices[0] is not an object", "'null'"),
        invoke=_top(choices=[None]),
        events=(chunk(None),),
        stream_fragments=("a stream choice is not an object", "'null'"),
    ),
    Shape(
        "choice_string",
        ("choices[0] is not an object", "'\"x\"'"),
        invoke=_top(choices=["x"]),
        events=(chunk("x"),),
        stream_fragments=("a stream choice is not an object", "'\"x\"'"),
    ),
    Shape(
        "message_string",
        ("choices[0].message is not an object", "'\"hi\"'"),
        invoke=_choice(message="hi"),
        events=(delta_chunk("hi"),),
        stream_fragments=("a stream choice's delta is not an object", "'\"hi\"'"),
    ),
    Shape("message_null", ("choices[0].message is not an object", "'null'"), invoke=_choice(message=None)),
    Shape("message_missing", ("choices[0].message is not an object", "missing"), invoke=_drop_message),
    Shape(
        "content_number",
        ("choices[0].message.content is not text", "'5'"),
        invoke=_message(content=5),
        events=(delta_chunk({"content": 5}),),
        stream_fragments=("a stream delta's content is not text",),
    ),
    Shape(
        "content_object",
        ("choices[0].message.content is not text", "'{\"a\": 1}'"),
        invoke=_message(content={"a": 1}),
        events=(delta_chunk({"content": {"a": 1}}),),
        stream_fragments=("a stream delta's content is not text",),
    ),
    Shape(
        "content_list_of_numbers",
        ("choices[0].message.content[0] is not a content part", "'1'"),
        invoke=_message(content=[1, 2]),
    ),
    Shape(
        "tool_calls_object",
        ("choices[0].message.tool_calls is not a list", "'{\"a\": 1}'"),
        invoke=_message(tool_calls={"a": 1}),
        events=(delta_chunk({"tool_calls": {"a": 1}}),),
        stream_fragments=("a stream delta's tool_calls is not a list",),
    ),
    Shape(
        "tool_call_null",
        ("choices[0].message.tool_calls[0] is not an object", "'null'"),
        invoke=_message(tool_calls=[None]),
        events=(delta_chunk({"tool_calls": [None]}),),
        stream_fragments=("a streamed tool call is not an object with a 'function' object",),
    ),
    Shape(
        "tool_call_function_null",
        ("choices[0].message.tool_calls[0].function is not an object", "'null'"),
        invoke=_message(tool_calls=[_call(function=None)]),
        events=(stream_call(function=None),),
        stream_fragments=("a streamed tool call is not an object with a 'function' object",),
    ),
    Shape(
        "tool_call_function_string",
        ("choices[0].message.tool_calls[0].function is not an object", "'\"f\"'"),
        invoke=_message(tool_calls=[_call(function="f")]),
        events=(stream_call(function="f"),),
        stream_fragments=("a streamed tool call is not an object with a 'function' object",),
    ),
    Shape(
        "tool_call_function_missing",
        ("choices[0].message.tool_calls[0].function is not an object", "missing"),
        invoke=_message(tool_calls=[{"id": "call_1", "type": "function"}]),
    ),
    Shape(
        "tool_call_name_number",
        ("function.name is not text", "'5'"),
        invoke=_message(tool_calls=[_call(name=5)]),
        events=(stream_call(name=5),),
    ),
    Shape(
        "tool_call_arguments_object",
        ("function.arguments is not text", '\'{"q": "x"}\''),
        invoke=_message(tool_calls=[_call(arguments={"q": "x"})]),
        events=(stream_call(arguments={"q": "x"}),),
    ),
    Shape(
        "tool_call_id_number",
        ("id is not text", "'5'"),
        invoke=_message(tool_calls=[_call(id=5)]),
        events=(stream_call(id=5),),
    ),
    Shape(
        "finish_reason_number",
        ("finish_reason is not text", "'5'"),
        invoke=_choice(finish_reason=5),
        events=(delta_chunk({}, 5),),
    ),
    Shape(
        "logprobs_string",
        ("logprobs is not an object", "'\"x\"'"),
        invoke=_choice(logprobs="x"),
        events=(
            delta_chunk({"content": "a"}, logprobs="x"),
            delta_chunk({"content": "b"}, logprobs={"content": []}),
        ),
    ),
    Shape(
        "logprobs_content_string",
        ("logprobs.content is not a list", "'\"abc\"'"),
        invoke=_choice(logprobs={"content": "abc"}),
        events=(delta_chunk({"content": "a"}, logprobs={"content": "abc"}),),
    ),
    Shape(
        "logprobs_entry_number",
        ("logprobs.content[0] is not an object", "'5'"),
        invoke=_choice(logprobs={"content": [5]}),
        events=(delta_chunk({"content": "a"}, logprobs={"content": [5]}),),
    ),
    Shape(
        "logprobs_token_number",
        ("logprobs.content[0].token is not text", "'5'"),
        invoke=_choice(logprobs={"content": [{"token": 5, "logprob": -0.1, "bytes": [53]}]}),
        events=(delta_chunk({"content": "a"}, logprobs={"content": [{"token": 5, "logprob": -0.1}]}),),
    ),
    Shape(
        "logprobs_top_string",
        ("logprobs.content[0].top_logprobs is not a list", "'\"x\"'"),
        invoke=_choice(logprobs={"content": [{"token": "a", "logprob": -0.1, "top_logprobs": "x"}]}),
        events=(delta_chunk({"content": "a"}, logprobs={"content": [{"token": "a", "top_logprobs": "x"}]}),),
    ),
]
assert len({shape.id for shape in SHAPES}) == len(SHAPES)


# --- behaviours: the fault server's writing helpers, with our bodies -------------------------------


def broken_answer(h: FaultHandler, req: RecordedRequest, *, mutate: Callable[[dict[str, Any]], None]) -> None:
    body = completion_body()
    mutate(body)
    _send_json(h, 200, body)


def broken_stream(h: FaultHandler, req: RecordedRequest, *, events: tuple[dict[str, Any], ...], head: bool) -> None:
    """A role event and "Hel" (unless ``head`` is false), the broken events, then a proper ending."""
    start = [_chunk_event({"role": "assistant", "content": ""}), _chunk_event({"content": PARTIAL})] if head else []
    ending = [_chunk_event({}, "stop")] if head else []
    _stream(h, [*start, *(_event(event) for event in events), *ending, b"data: [DONE]\n\n"])


def behaviour(shape: Shape, op: str) -> Callable[[FaultHandler, RecordedRequest], None]:
    if op == "invoke":
        assert shape.invoke is not None
        return functools.partial(broken_answer, mutate=shape.invoke)
    return functools.partial(broken_stream, events=shape.events, head=bool(shape.stream_partial))


# --- every shape x framework x mode x op -------------------------------------------------------------


def cases() -> Iterator[Any]:
    for shape in SHAPES:
        for op in ("invoke", "stream"):
            if shape.invoke if op == "invoke" else shape.events:
                for framework in ("langchain", "llamaindex"):
                    for mode in ("sync", "async"):
                        yield pytest.param(shape, framework, mode, op, id=f"{shape.id}-{framework}-{mode}-{op}")


@pytest.mark.parametrize(("shape", "framework", "mode", "op"), list(cases()))
def test_malformed_answer(shape: Shape, framework: str, mode: str, op: str, fault_server: FaultServer) -> None:
    fault_server.play(behaviour(shape, op), "ok")
    outcome = run(framework, mode, op, build(framework, "local", fault_server.base_url, 5))
    error = outcome.error
    assert error is not None, f"no error: the answer was {outcome.text!r}"
    assert type(error) is MalformedResponseError, f"{type(error).__name__}: {error}"
    message = str(error)
    assert message.startswith("[local]"), message
    fragments = shape.fragments if op == "invoke" else (shape.stream_fragments or shape.fragments)
    hint = BROKEN_ANSWER_HINT if op == "invoke" else BROKEN_STREAM_HINT
    for fragment in (*fragments, hint):
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert error.attempts == 1
    assert fault_server.count == 1, [request.behaviour for request in fault_server.requests]  # never retried
    assert outcome.text == (shape.stream_partial if op == "stream" else ""), outcome.text


# --- tool calls with a name or arguments left out: read as empty, in both frameworks ----------------


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
@pytest.mark.parametrize("missing", ["name", "arguments"])
def test_a_tool_call_without_name_or_arguments_is_read_as_empty(
    framework: str, missing: str, fault_server: FaultServer
) -> None:
    call = _call()
    del call["function"][missing]
    fault_server.play(functools.partial(broken_answer, mutate=_message(content=None, tool_calls=[call])))
    model = build(framework, "local", fault_server.base_url, 5)
    if framework == "langchain":
        message = model.invoke("Hi")
        (parsed,) = [*message.tool_calls, *message.invalid_tool_calls]
        name, args = parsed["name"], parsed["args"]
    else:
        blocks = model.chat([ChatMessage(role="user", content="Hi")]).message.blocks
        (block,) = [block for block in blocks if isinstance(block, ToolCallBlock)]
        name, args = block.tool_name, block.tool_kwargs
    assert name == ("" if missing == "name" else "lookup")
    expected = ({}, "{}") if missing == "arguments" else ({"q": "x"}, '{"q": "x"}')
    assert args in expected, args
    assert fault_server.count == 1


# --- usage of the wrong shape: not reported, everywhere usage is read ---------------------------------

USAGES = [
    pytest.param("x", None, id="usage-string"),
    pytest.param([5, 2], None, id="usage-list"),
    pytest.param(7, None, id="usage-number"),
    pytest.param({"prompt_tokens": "5", "completion_tokens": "2", "total_tokens": "7"}, None, id="counts-strings"),
    pytest.param({"prompt_tokens": None, "completion_tokens": None}, None, id="counts-null"),
    pytest.param({"prompt_tokens": {}, "completion_tokens": [2]}, None, id="counts-containers"),
    pytest.param({"prompt_tokens": "5", "completion_tokens": 2}, (None, 2), id="one-count-a-string"),
    pytest.param({"prompt_tokens": 5, "completion_tokens": -2, "total_tokens": 1.5}, (5, None), id="counts-negative"),
    pytest.param({"prompt_tokens": 5, "completion_tokens": 2, "prompt_tokens_details": "x"}, (5, 2), id="details-str"),
]


def usage_answer(h: FaultHandler, req: RecordedRequest, *, usage: Any) -> None:
    if not req.stream:
        body = completion_body()
        body["usage"] = usage
        _send_json(h, 200, body)
        return
    usage_event = {"id": "chatcmpl-stream", "object": "chat.completion.chunk", "choices": [], "usage": usage}
    _stream(h, [_chunk_event({"content": TEXT}), _chunk_event({}, "stop"), _event(usage_event), b"data: [DONE]\n\n"])


@pytest.mark.parametrize(("usage", "counted"), USAGES)
@pytest.mark.parametrize("op", ["invoke", "stream"])
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
def test_usage_of_the_wrong_shape_is_not_reported(
    framework: str,
    mode: str,
    op: str,
    usage: Any,
    counted: tuple[int | None, int | None] | None,
    *,
    fault_server: FaultServer,
) -> None:
    """The answer arrives; the counts that are not whole numbers are left out (a call without usage when none is)."""
    fault_server.play(functools.partial(usage_answer, usage=usage))
    model = build(framework, "local", fault_server.base_url, 5)
    counter = TokenCountingHandler()
    if framework == "langchain":
        with langchain_usage() as tracker:
            outcome = run(framework, mode, op, model)
    else:
        model.callback_manager = CallbackManager([counter])
        with llamaindex_usage() as tracker:
            outcome = run(framework, mode, op, model)
    assert outcome.error is None, f"{type(outcome.error).__name__}: {outcome.error}"
    assert outcome.text == TEXT
    assert fault_server.count == 1
    totals = tracker.total
    assert totals.calls == 1
    if counted is None:
        assert totals.calls_without_usage == 1
        assert (totals.input_tokens, totals.output_tokens) == (0, 0)
    else:
        assert totals.calls_without_usage == 0
        assert (totals.input_tokens, totals.output_tokens) == (counted[0] or 0, counted[1] or 0)
    if framework == "llamaindex":  # LlamaIndex's own counter reads raw["usage"] as it is; it estimates a 0
        input_, output = counted or (None, None)
        prompt, completion = counter.prompt_llm_token_count, counter.completion_llm_token_count
        assert type(prompt) is int
        assert type(completion) is int
        assert input_ is None or prompt == input_
        assert output is None or completion == output
        assert counter.total_llm_token_count == prompt + completion
