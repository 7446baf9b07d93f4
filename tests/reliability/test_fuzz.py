"""Property tests (hypothesis) over the stream parser and the error normaliser.

Whatever arrives, the outcome is a parsed result or one of hostedllm's typed errors (a
``HostedLLMError``), never another exception; error messages stay short and never contain a secret
passed in ``secrets=``. Runs are derandomized (and use no example database), so CI sees the same
examples every time. Known bugs are pinned by explicit ``@example``s in strict xfails, so they fail
deterministically until fixed.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context, event

from hostedllm import ChatClient
from hostedllm.errors import APIError, HostedLLMError, MalformedResponseError, StreamInterruptedError
from hostedllm.provider_errors import MAX_MESSAGE_CHARS, ErrorDetails, error_from_response, parse_error_body
from hostedllm.providers import PROVIDERS, ProviderSpec
from hostedllm.responses import parse_completion
from hostedllm.streaming import ChunkStream, iter_sse_data

from .. import scripted

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FEW = settings(FUZZ, max_examples=100)
#: A sane upper bound for a whole rendered error: the message is cut at MAX_MESSAGE_CHARS (300);
#: provider, status, request id and hint add at most a few hundred more.
MAX_ERROR_CHARS = 800
SECRET = "sk-SENTINEL-fuzz-0123456789abcdef"
spec_names = st.sampled_from(sorted(PROVIDERS))


def check_error(error: HostedLLMError, secrets: Iterable[str] = (SECRET,)) -> None:
    text = str(error)
    assert len(text) <= MAX_ERROR_CHARS, f"{len(text)} chars: {text[:200]}..."
    for secret in secrets:
        assert secret not in text
        assert all(secret not in str(arg) for arg in error.args)
    if isinstance(error, APIError):
        assert text.startswith(f"[{error.provider}]")
        assert len(error.message) <= MAX_ERROR_CHARS


def sse_lines(text: str) -> list[str]:
    """Lines as the SSE spec splits them: at CRLF, LF or CR only."""
    return re.split(r"\r\n|\n|\r", text)


def parse_stream(spec: ProviderSpec, lines: Iterable[str]) -> list[dict[str, Any]] | HostedLLMError:
    """Run the parser; return the chunks, or the typed error. Anything else propagates (and fails)."""
    stream = ChunkStream(spec, model="fuzz-model", secrets=(SECRET,))
    chunks: list[dict[str, Any]] = []
    try:
        for payload in iter_sse_data(lines):
            chunk = stream.feed(payload)
            if chunk is not None:
                chunks.append(dict(chunk))
        last = stream.close()
    except HostedLLMError as error:
        check_error(error)
        _note(f"outcome: {type(error).__name__}")
        return error
    if last is not None:
        chunks.append(dict(last))
    check_chunks(chunks)
    _note("outcome: parsed" if chunks else "outcome: parsed, empty")
    return chunks


def _note(outcome: str) -> None:
    """Tally outcomes for ``--hypothesis-show-statistics`` (so a vacuous strategy shows)."""
    if currently_in_test_context():
        event(outcome)


def check_chunks(chunks: list[dict[str, Any]]) -> None:
    """What the parser promises about what it hands on."""
    for position, chunk in enumerate(chunks):
        assert isinstance(chunk["choices"], list)
        if "usage" in chunk:
            assert position == len(chunks) - 1, "usage comes once, last"
            assert chunk["choices"] == []
        else:
            assert chunk["choices"], "a chunk without choices is held back"
        for choice in chunk["choices"]:
            assert choice.get("finish_reason") != ""
            assert isinstance(choice["delta"], dict)
            for call in choice["delta"].get("tool_calls") or []:
                assert isinstance(call["index"], int)
                assert call["index"] >= 0


# --- strategies -----------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
finish_reasons = st.sampled_from([None, "", "stop", "length", "tool_calls", "content_filter"]) | st.text(max_size=8)
#: Top-level keys that turn an event into an error event (handled separately).
ERROR_KEYS = {"error", "detail", "reason"}


def _maybe(draw: st.DrawFn, target: dict[str, Any], key: str, values: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        target[key] = draw(values)


@st.composite
def tool_call_deltas(draw: st.DrawFn) -> dict[str, Any]:
    call: dict[str, Any] = {}
    _maybe(draw, call, "index", st.integers(0, 3) | st.none())
    _maybe(draw, call, "id", st.sampled_from(["call_1", "call_2"]) | st.text(max_size=6))
    _maybe(draw, call, "type", st.just("function"))
    function: dict[str, Any] = {}
    _maybe(draw, function, "name", st.sampled_from(["lookup", "add"]) | st.text(max_size=6))
    _maybe(draw, function, "arguments", st.text(max_size=16))
    if function or draw(st.booleans()):
        call["function"] = function
    return call


@st.composite
def deltas(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return None  # no delta: the parser makes it {} (one of another type is malformed)
    delta: dict[str, Any] = {}
    _maybe(draw, delta, "role", st.sampled_from(["assistant", ""]) | st.none())
    _maybe(draw, delta, "content", st.text(max_size=20) | st.none())
    _maybe(draw, delta, "reasoning_content", st.text(max_size=10) | st.none())
    _maybe(draw, delta, "tool_calls", st.lists(tool_call_deltas(), max_size=3) | st.none())
    delta.update(draw(st.dictionaries(st.text(max_size=6), json_values, max_size=2)))
    return delta


@st.composite
def choices(draw: st.DrawFn) -> dict[str, Any]:
    choice: dict[str, Any] = {}
    _maybe(draw, choice, "index", st.integers(0, 2) | st.none())
    _maybe(draw, choice, "delta", deltas())
    _maybe(draw, choice, "finish_reason", finish_reasons)
    _maybe(draw, choice, "logprobs", logprobs)
    return choice


logprob_entries = st.fixed_dictionaries(
    {},
    optional={
        "token": st.text(max_size=4) | st.none(),
        "logprob": st.floats(allow_nan=False) | st.integers() | st.none(),
        "bytes": st.lists(st.integers(0, 255), max_size=4) | st.none(),
    },
)
logprob_lists = st.none() | st.lists(
    logprob_entries.flatmap(
        lambda entry: st.fixed_dictionaries(
            {}, optional={"top_logprobs": st.none() | st.lists(logprob_entries, max_size=2)}
        ).map(lambda top: {**entry, **top})
    ),
    max_size=2,
)
logprobs = st.none() | st.fixed_dictionaries(
    {}, optional={"content": logprob_lists, "refusal": logprob_lists, "other": json_values}
)
usages = st.fixed_dictionaries(
    {"prompt_tokens": st.integers(0, 9999), "completion_tokens": st.integers(0, 9999)},
    optional={"total_tokens": st.integers(0, 20000)},
)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {}
    _maybe(draw, event, "id", st.text(max_size=8))
    _maybe(draw, event, "object", st.just("chat.completion.chunk"))
    _maybe(draw, event, "created", st.integers(0, 2**31))
    _maybe(draw, event, "model", st.text(max_size=8))
    if draw(st.integers(0, 9)):
        event["choices"] = draw(st.lists(choices(), max_size=3))
    _maybe(draw, event, "usage", usages | json_values)
    extra = draw(st.dictionaries(st.text(max_size=6).filter(lambda k: k not in ERROR_KEYS), json_values, max_size=2))
    return {**extra, **event}


def _with_secret(draw: st.DrawFn) -> str:
    text = draw(st.text(max_size=30))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + SECRET + text[cut:]
    return text


@st.composite
def error_events(draw: st.DrawFn) -> dict[str, Any]:
    """The error objects providers put in a stream or a body (OpenAI, NVIDIA, Novita shapes)."""
    message = _with_secret(draw)
    shape = draw(st.sampled_from(["openai", "openai-str", "nvidia", "novita"]))
    if shape == "openai":
        inner: dict[str, Any] = {"message": message}
        _maybe(draw, inner, "code", st.integers(100, 599) | st.text(max_size=10) | st.none())
        _maybe(draw, inner, "type", st.text(max_size=10))
        _maybe(draw, inner, "param", st.text(max_size=20) | st.none())
        return {"error": inner}
    if shape == "openai-str":
        return {"error": message, "code": draw(st.integers(100, 599) | st.text(max_size=6))}
    if shape == "nvidia":
        return {"status": draw(st.integers(100, 599)), "title": draw(st.text(max_size=12)), "detail": message}
    return {"code": draw(st.integers(100, 599)), "reason": draw(st.text(max_size=12)), "message": message}


@st.composite
def payloads(draw: st.DrawFn) -> str:
    """One event's data: JSON (maybe truncated), [DONE], an error object, or noise."""
    kind = draw(st.sampled_from(["event", "event", "event", "done", "error", "truncated", "text"]))
    if kind == "done":
        return "[DONE]"
    if kind == "text":
        return draw(st.text(max_size=20))
    value = draw(error_events()) if kind == "error" else draw(events())
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, None, 1])))
    if kind == "truncated":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


@st.composite
def sse_bodies(draw: st.DrawFn) -> str:
    """A near-valid SSE body: random prefixes, CRLF or LF, comments and other fields, blank lines or not."""
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    parts: list[str] = []
    for payload in draw(st.lists(payloads(), max_size=8)):
        for _ in range(draw(st.integers(0, 1))):
            parts.append(draw(st.sampled_from([": keep-alive", ":", "event: message", "id: 7", "retry: 100"])))
        prefix = draw(st.sampled_from(["data:", "data: ", "data:  ", "", "Data: "]))
        parts.extend(prefix + line for line in payload.split("\n"))
        if draw(st.integers(0, 3)):
            parts.append("")
    if draw(st.booleans()):
        parts.append("data: [DONE]")
    return newline.join(parts) + draw(st.sampled_from(["", newline, newline * 2]))


byte_soup = st.lists(
    st.binary(max_size=24)
    | st.sampled_from(
        [b"data:", b"data: ", b"\n", b"\r\n", b"\r", b"\n\n", b"[DONE]", b"{", b"}", b'"choices":[', b"]", b":", b","]
    ),
    max_size=40,
).map(b"".join)


# --- the stream parser ----------------------------------------------------------------------------


class TestStreamParser:
    @FUZZ
    @given(provider=spec_names, data=st.binary(max_size=2048))
    def test_arbitrary_bytes(self, provider: str, data: bytes) -> None:
        spec = PROVIDERS[provider]
        parse_stream(spec, data.decode("utf-8", errors="replace").splitlines())

    @FUZZ
    @given(provider=spec_names, data=byte_soup)
    def test_byte_soup_of_sse_fragments(self, provider: str, data: bytes) -> None:
        spec = PROVIDERS[provider]
        text = data.decode("utf-8", errors="replace")
        parse_stream(spec, text.splitlines())
        parse_stream(spec, sse_lines(text))

    @FUZZ
    @given(provider=spec_names, body=sse_bodies())
    def test_near_valid_streams(self, provider: str, body: str) -> None:
        spec = PROVIDERS[provider]
        parse_stream(spec, sse_lines(body))

    @FUZZ
    @given(provider=spec_names, events_=st.lists(events(), min_size=1, max_size=6), done=st.booleans())
    def test_well_formed_events_parse(self, provider: str, events_: list[dict[str, Any]], done: bool) -> None:
        """Events with the right container types: parsed, or typed only for a missing list, no choice at
        all, or a missing ending."""
        spec = PROVIDERS[provider]
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events_) + ("data: [DONE]\n\n" if done else "")
        outcome = parse_stream(spec, sse_lines(body))
        if isinstance(outcome, HostedLLMError):
            has_lists = all(isinstance(e.get("choices"), list) for e in events_)
            has_choice = any(e.get("choices") for e in events_)
            assert isinstance(outcome, (MalformedResponseError, StreamInterruptedError))
            assert not (has_lists and has_choice) or isinstance(outcome, StreamInterruptedError)
            assert not done or not has_lists or not has_choice

    @FUZZ
    @given(provider=spec_names, error=error_events(), before=st.lists(events(), max_size=2))
    def test_an_error_event_is_typed_and_redacted(
        self, provider: str, error: dict[str, Any], before: list[dict[str, Any]]
    ) -> None:
        spec = PROVIDERS[provider]
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in [*before, error])
        outcome = parse_stream(spec, sse_lines(body))
        assert isinstance(outcome, HostedLLMError)

    @FEW
    @given(name=spec_names, body=sse_bodies() | byte_soup.map(lambda b: b.decode("utf-8", "replace")))
    def test_end_to_end_sync_and_async_agree(self, name: str, body: str) -> None:
        """Through ChatClient.stream/astream over httpx.MockTransport (the real line splitting and retry layer)."""
        sync, asynchronous = stream_through_client(name, body.encode("utf-8"))
        assert type(sync) is type(asynchronous)
        if isinstance(sync, list):
            assert sync == asynchronous

    @FEW
    @given(
        name=spec_names,
        pieces=st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=5),
    )
    def test_content_round_trips_through_the_parser(self, name: str, pieces: list[str]) -> None:
        """Any unicode content, sent unescaped (as Baichuan does), comes out as it went in (SSE line rules)."""
        body = valid_stream(pieces)
        chunks = parse_stream(PROVIDERS[name], sse_lines(body.decode("utf-8")))
        assert isinstance(chunks, list)
        assert content_of(chunks) == "".join(pieces)

    @FEW
    @given(
        name=spec_names,
        pieces=st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=5),
    )
    @example(name="baichuan", pieces=["第一行\u2028第二行"])
    @example(name="novita", pieces=["caf\u0085e"])
    def test_content_round_trips_through_the_client(self, name: str, pieces: list[str]) -> None:
        sync, asynchronous = stream_through_client(name, valid_stream(pieces))
        assert isinstance(sync, list), sync
        assert content_of(sync) == content_of(asynchronous) == "".join(pieces)


def valid_stream(pieces: list[str]) -> bytes:
    """The pieces as content events (sent unescaped), the finish, then ``[DONE]``."""
    return scripted.sse([*(scripted.chunk({"content": p}) for p in pieces), scripted.chunk({}, "stop")])


def content_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def stream_through_client(name: str, body: bytes) -> tuple[Any, Any]:
    """The outcome (chunks, or the typed error) of streaming ``body`` sync and async."""
    fake = scripted.FakeProvider().stream(body).stream(body)  # one answer for each call
    model = {"baichuan": "Baichuan4", "theturbo": "Baichuan4", "nim": "meta/llama-3.3-70b-instruct"}.get(
        name, "qwen/qwen-2.5-72b-instruct" if name == "novita" else "smollm2-135m-instruct"
    )
    client = ChatClient(name, model, api_key=SECRET, max_retries=0, **fake.client_transports)
    request = client.build_request([{"role": "user", "content": "Hi"}], stream=True)

    def sync() -> Any:
        try:
            return [dict(c) for c in client.stream(request)]
        except HostedLLMError as error:
            check_error(error)
            return error

    async def asynchronous() -> Any:
        try:
            return [dict(c) async for c in client.astream(request)]
        except HostedLLMError as error:
            check_error(error)
            return error

    return sync(), asyncio.run(asynchronous())


# --- type confusion in stream events ------------------------------------------------------

TYPE_CONFUSED = [
    pytest.param('{"choices": [1]}', id="choice-not-an-object"),
    pytest.param('{"choices": [null]}', id="choice-null"),
    pytest.param('{"choices": [{"index": "x", "delta": {"tool_calls": [{"id": "a"}]}}]}', id="choice-index-str"),
    pytest.param('{"choices": [{"delta": {"tool_calls": [1]}}]}', id="tool-call-not-an-object"),
    pytest.param('{"choices": [{"delta": {"tool_calls": {"a": 1}}}]}', id="tool-calls-an-object"),
    pytest.param('{"choices": [{"delta": {"tool_calls": [{"index": "z"}]}}]}', id="tool-call-index-str"),
    pytest.param('{"choices": [{"delta": {"tool_calls": [{"index": 1e400}]}}]}', id="tool-call-index-inf"),
    pytest.param('{"choices": [{"index": [0], "delta": {"tool_calls": [{"id": "a"}]}}]}', id="choice-index-list"),
]


class TestTypeConfusion:
    @pytest.mark.parametrize("payload", TYPE_CONFUSED)
    def test_each_shape_is_a_typed_error(self, payload: str) -> None:
        outcome = parse_stream(PROVIDERS["novita"], [f"data: {payload}", ""])
        assert isinstance(outcome, MalformedResponseError)

    def test_through_the_client(self) -> None:
        sync, asynchronous = stream_through_client("novita", b'data: {"choices": [1]}\n\n')
        assert isinstance(sync, MalformedResponseError)
        assert isinstance(asynchronous, MalformedResponseError)

    @FUZZ
    @given(
        provider=spec_names,
        items=st.lists(
            json_values
            | st.fixed_dictionaries(
                {},
                optional={
                    "index": json_values,
                    "finish_reason": json_values,
                    "delta": json_values
                    | st.fixed_dictionaries({"tool_calls": json_values | st.lists(json_values | tool_call_deltas())}),
                },
            ),
            max_size=3,
        ),
    )
    @example(provider="baichuan", items=[1])
    def test_any_json_where_a_choice_goes(self, provider: str, items: list[Any]) -> None:
        spec = PROVIDERS[provider]
        parse_stream(spec, [f"data: {json.dumps({'choices': items})}", "", "data: [DONE]"])


# --- what the core accepts, both adapters read ------------------------------------------------


def _or_any(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape, sometimes (one in 12) any JSON at all."""
    return st.integers(0, 11).flatmap(lambda n: json_values if n == 0 else good)


@st.composite
def tool_calls_anyhow(draw: st.DrawFn, *, stream: bool) -> dict[str, Any]:
    function: dict[str, Any] = {}
    _maybe(draw, function, "name", _or_any(st.sampled_from(["lookup", ""])))
    _maybe(draw, function, "arguments", _or_any(st.sampled_from(['{"q": 1}', "{", ""])))
    call: dict[str, Any] = {"function": draw(_or_any(st.just(function)))}
    _maybe(draw, call, "id", _or_any(st.sampled_from(["call_1", "call_2"])))
    _maybe(draw, call, "type", st.just("function"))
    if stream:
        _maybe(draw, call, "index", st.integers(0, 2) | st.none())
    return call


@st.composite
def messages_anyhow(draw: st.DrawFn, *, stream: bool) -> dict[str, Any]:
    message: dict[str, Any] = {}
    parts = st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=5)}), max_size=2)
    _maybe(draw, message, "role", st.just("assistant"))
    content = st.text(max_size=12) | st.none()
    _maybe(draw, message, "content", _or_any(content if stream else content | parts))  # a delta's is text
    _maybe(draw, message, "reasoning_content", _or_any(st.text(max_size=6) | st.none()))
    calls = st.lists(_or_any(tool_calls_anyhow(stream=stream)), max_size=2)
    _maybe(draw, message, "tool_calls", _or_any(calls | st.none()))
    return message


@st.composite
def choices_anyhow(draw: st.DrawFn, *, stream: bool) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": 0}
    choice["delta" if stream else "message"] = draw(_or_any(messages_anyhow(stream=stream)))
    _maybe(draw, choice, "finish_reason", _or_any(st.sampled_from([None, "", "stop", "tool_calls"])))
    _maybe(draw, choice, "logprobs", _or_any(logprobs))
    return choice


usages_anyhow = _or_any(
    st.fixed_dictionaries(
        {},
        optional={key: _or_any(st.integers(0, 99)) for key in ("prompt_tokens", "completion_tokens", "total_tokens")},
    )
)


@st.composite
def answers_anyhow(draw: st.DrawFn) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": "chatcmpl-1", "model": "m"}
    answer["choices"] = draw(_or_any(st.lists(_or_any(choices_anyhow(stream=False)), min_size=1, max_size=2)))
    _maybe(draw, answer, "usage", usages_anyhow)
    return answer


@st.composite
def streams_anyhow(draw: st.DrawFn) -> list[str]:
    events = [
        {"id": "c-1", "choices": [draw(_or_any(choices_anyhow(stream=True)))]} for _ in range(draw(st.integers(1, 4)))
    ]
    events.append({"id": "c-1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if draw(st.booleans()):
        events.append({"id": "c-1", "choices": [], "usage": draw(usages_anyhow)})
    return [*(json.dumps(event) for event in events), "[DONE]"]


class TestTheAdaptersReadWhatTheCoreAccepts:
    """Whatever parse_completion and ChunkStream hand on, both adapters convert without a raw error
    (everything else is a MalformedResponseError), and LlamaIndex's own token counter reads its usage."""

    @FEW
    @given(answer=answers_anyhow())
    def test_whole_answers(self, answer: dict[str, Any]) -> None:
        from llama_index.core.callbacks.token_counting import get_tokens_from_response

        from langchain_hostedllm.convert import chat_result
        from llama_index.llms.hostedllm.convert import chat_response

        try:
            data = parse_completion(PROVIDERS["novita"], json.dumps(answer).encode(), secrets=(SECRET,))
        except MalformedResponseError as error:
            check_error(error)
            _note("outcome: malformed")
            return
        _note("outcome: read")
        chat_result(data, provider="novita", estimate=lambda tokens: None)
        prompt, completion = get_tokens_from_response(chat_response(data))
        assert type(prompt) is int
        assert type(completion) is int

    @FEW
    @given(payloads=streams_anyhow())
    def test_streams(self, payloads: list[str]) -> None:
        from langchain_core.outputs import ChatGenerationChunk

        from hostedllm.streaming import StreamAccumulator
        from langchain_hostedllm.convert import chunk_from_delta
        from llama_index.llms.hostedllm.convert import StreamAssembler

        stream, accumulator, assembler = (
            ChunkStream(PROVIDERS["novita"], secrets=(SECRET,)),
            StreamAccumulator(),
            StreamAssembler(),
        )
        merged: ChatGenerationChunk | None = None
        try:
            chunks = [chunk for payload in payloads if (chunk := stream.feed(payload)) is not None]
            last = stream.close()
        except MalformedResponseError as error:
            check_error(error)
            _note("outcome: malformed")
            return
        _note("outcome: read")
        for chunk in [*chunks, *([last] if last is not None else [])]:
            generation = chunk_from_delta(chunk, accumulator.feed(chunk), provider="novita")
            if generation is not None:
                merged = generation if merged is None else merged + generation  # as LangChain's stream() does
            assembler.feed(chunk)


# --- deep nesting ----------------------------------------------------------------------------

DEEP = "[" * 100_000


class TestDeepNesting:
    def test_stream_event(self) -> None:
        assert isinstance(parse_stream(PROVIDERS["nim"], [f"data: {DEEP}", ""]), MalformedResponseError)

    def test_error_body(self) -> None:
        error = error_from_response(PROVIDERS["nim"], 500, {}, DEEP.encode())
        check_error(error)

    def test_completion_body(self) -> None:
        with pytest.raises(MalformedResponseError):
            parse_completion(PROVIDERS["nim"], DEEP.encode())

    def test_moderate_nesting_is_fine(self) -> None:
        nested = "[" * 500 + "]" * 500
        assert isinstance(parse_stream(PROVIDERS["nim"], [f"data: {nested}", ""]), MalformedResponseError)
        check_error(error_from_response(PROVIDERS["nim"], 500, {}, nested.encode()))


# --- the error normaliser ------------------------------------------------------------------------------

statuses = st.integers(100, 599)
key_like = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=16, max_size=48)


@st.composite
def envelopes(draw: st.DrawFn, secret: str = SECRET) -> Any:
    """A JSON error body in one of the four envelopes (or none), with the secret somewhere, maybe."""
    message = _with_secret(draw) if draw(st.booleans()) else draw(json_values)
    shape = draw(st.sampled_from(["openai", "openai-str", "nvidia", "novita", "other", "scalar"]))
    if shape == "openai":
        inner: dict[str, Any] = {}
        _maybe(draw, inner, "message", st.just(message))
        _maybe(draw, inner, "type", st.text(max_size=12) | json_values)
        _maybe(draw, inner, "code", st.text(max_size=12) | st.integers())
        _maybe(draw, inner, "param", st.text(max_size=30) | st.none())
        return {"error": inner if draw(st.integers(0, 5)) else draw(json_values)}
    if shape == "openai-str":
        return {"error": draw(st.text(max_size=20)), "message": message}
    if shape == "nvidia":
        body: dict[str, Any] = {"status": draw(statuses | json_values)}
        _maybe(draw, body, "title", st.text(max_size=20) | json_values)
        _maybe(draw, body, "detail", st.just(message))
        _maybe(draw, body, "type", st.sampled_from(["about:blank", "urn:x"]) | json_values)
        return body
    if shape == "novita":
        body = {"code": draw(statuses | json_values)}
        _maybe(draw, body, "reason", st.sampled_from(["NOT_ENOUGH_BALANCE", "INVALID_API_KEY"]) | json_values)
        _maybe(draw, body, "message", st.just(message))
        return body
    if shape == "other":
        return draw(st.dictionaries(st.text(max_size=8), json_values, max_size=4)) | {"note": message}
    return message


@st.composite
def error_bodies(draw: st.DrawFn) -> bytes | str | dict[str, Any]:
    """Bytes, text (plain, HTML, ``data:``-prefixed) or a mapping, as the normaliser may be handed."""
    kind = draw(st.sampled_from(["bytes", "json-bytes", "json-str", "mapping", "html", "data"]))
    if kind == "bytes":
        raw = draw(st.binary(max_size=512))
        if draw(st.booleans()):
            cut = draw(st.integers(0, len(raw)))
            raw = raw[:cut] + SECRET.encode() + raw[cut:]
        return raw
    envelope = draw(envelopes())
    if kind == "mapping":
        return envelope if isinstance(envelope, dict) else {"error": envelope}
    text = json.dumps(envelope, ensure_ascii=draw(st.booleans()))
    if kind == "html":
        return f"<html><head><title>Error</title></head><body><h1>{_with_secret(draw)}</h1>{text}</body></html>"
    if kind == "data":
        return "data: " + text
    return text.encode() if kind == "json-bytes" else text


class TestErrorNormaliser:
    @FUZZ
    @given(body=error_bodies() | st.binary(max_size=512) | st.text(max_size=200))
    def test_parse_error_body_always_reads_something(self, body: Any) -> None:
        details = parse_error_body(body)
        assert isinstance(details, ErrorDetails)
        assert isinstance(details.message, str)
        assert len(details.message) <= MAX_MESSAGE_CHARS
        assert details.code is None or isinstance(details.code, str)
        assert details.param is None or isinstance(details.param, str)

    @FUZZ
    @given(provider=spec_names, status=statuses, body=error_bodies(), request_id=st.none() | st.text(max_size=40))
    def test_error_from_response_is_typed_short_and_redacted(
        self, provider: str, status: int, body: Any, request_id: str | None
    ) -> None:
        spec = PROVIDERS[provider]
        headers = {} if request_id is None else {spec.request_id_headers[0]: request_id}
        error = error_from_response(spec, status, headers, body, model="fuzz-model", secrets=[SECRET])
        assert isinstance(error, APIError)
        assert error.status_code == status
        assert error.provider == spec.name
        check_error(error)
        if status >= 500 and type(error).__name__ == "ServerError":
            assert error.retryable

    @FUZZ
    @given(provider=spec_names, status=statuses, secret=key_like, data=st.data())
    def test_any_key_like_secret_is_redacted(self, provider: str, status: int, secret: str, data: Any) -> None:
        spec = PROVIDERS[provider]
        text = data.draw(st.text(max_size=60))
        cut = data.draw(st.integers(0, len(text)))
        message = text[:cut] + secret + text[cut:]
        body = data.draw(
            st.sampled_from(
                [
                    json.dumps({"error": {"message": message, "param": secret}}),
                    json.dumps({"status": status, "title": secret, "detail": message}),
                    json.dumps({"code": status, "reason": secret, "message": message}),
                    f"<html><body>{message}</body></html>",
                    message,
                ]
            )
        )
        error = error_from_response(spec, status, {}, body.encode(), secrets=[secret])
        check_error(error, secrets=[secret])

    @FUZZ
    @given(
        provider=spec_names,
        status=statuses,
        long=st.text(min_size=1000, max_size=3000),
        where=st.sampled_from(["id", "param"]),
    )
    @example(provider="novita", status=400, long="p" * 5000, where="param")
    @example(provider="nim", status=401, long="r" * 5000, where="id")
    def test_long_fields_are_cut(self, provider: str, status: int, long: str, where: str) -> None:
        spec = PROVIDERS[provider]
        headers = {spec.request_id_headers[0]: long} if where == "id" else {}
        body = json.dumps({"error": {"message": "bad", "param": long if where == "param" else None}})
        check_error(error_from_response(spec, status, headers, body))

    @FUZZ
    @given(
        provider=spec_names,
        secret=st.text(alphabet=string.ascii_letters + string.digits + "-_/+=", min_size=16, max_size=48),
        escape_slashes=st.booleans(),
    )
    @example(provider="novita", secret="sk-SENTINEL/escaped/0123456789", escape_slashes=True)
    def test_json_escaped_secrets_are_redacted(self, provider: str, secret: str, escape_slashes: bool) -> None:
        spec = PROVIDERS[provider]
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {secret}"}})
        if escape_slashes:
            body = body.replace("/", "\\/")
        check_error(error_from_response(spec, 401, {}, body.encode(), secrets=[secret]), secrets=[secret])
