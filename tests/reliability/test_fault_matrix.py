"""Every fault x {sync, async} x {invoke, stream} x {LangChain, LlamaIndex}, over real loopback HTTP.

Each case scripts the fault server and states the outcome: a success after exactly so many
requests (with the wait ``Retry-After`` asked for), or one typed :mod:`hostedllm.errors` class
whose message names the provider, the HTTP status and the fix. A broken stream raises after
handing on what it had; it never ends as a silently shorter answer. Nothing outlasts the
configured timeouts. The models are built with ``max_retries=2``; their core client then gets a
fast backoff (same number of retries) so the suite stays quick; the real default backoff is timed
in :func:`test_default_backoff_between_retries`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms import LLM

from hostedllm.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DeadlineExceededError,
    MalformedResponseError,
    ModelNotFoundError,
    ModelRetiredError,
    PermissionDeniedError,
    QuotaExhaustedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
)
from hostedllm.transport import RetryPolicy, Timeouts
from langchain_hostedllm import ChatBaichuan, ChatLocal, ChatNIM, ChatNovita
from llama_index.llms.hostedllm import NIM, Baichuan, Local, Novita

from .fault_server import INVALID_UTF8, OVERSIZED_CHARS, TEXT, FaultServer

FAST = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05, jitter=0)
MODELS = {
    "local": "smollm2-135m-instruct",
    "nim": "meta/llama-3.3-70b-instruct",
    "baichuan": "Baichuan4",
    "novita": "qwen/qwen-2.5-72b-instruct",
}
LANGCHAIN: dict[str, type[BaseChatModel]] = {
    "local": ChatLocal,
    "nim": ChatNIM,
    "baichuan": ChatBaichuan,
    "novita": ChatNovita,
}
LLAMAINDEX: dict[str, type[LLM]] = {"local": Local, "nim": NIM, "baichuan": Baichuan, "novita": Novita}
#: No single call may take longer than this, whatever the fault (an async call is cancelled then).
HANG_LIMIT = 10.0
CHAT_PATH = "/v1/chat/completions"

# The fix each error's message carries.
SERVER_HINT = "failed on its side; try again later"
RATE_HINT = "Rate limited: lower the concurrency"
CONNECTION_HINT = "Check the network and the base URL"
TIMEOUT_HINT = "raise `timeout` for long generations. Not retried"
INTERRUPTED_HINT = "Part of the answer was already delivered, so it was not retried"
NOT_JSON_HINT = "The endpoint may not be a chat-completions API; check the base URL"
BROKEN_STREAM_HINT = "The provider sent a broken stream; retry the request"
QUOTA_HINT = "account is out of balance: top up, then retry. Not retried"


@dataclass(frozen=True)
class Expect:
    """One outcome: a success (``error`` is None) or a typed error."""

    requests: int
    error: type[APIError] | None = None
    text: str | None = TEXT  # the full answer, on success
    attempts: int | None = None  # the error's .attempts
    fragments: tuple[str, ...] = ()  # the error message contains each
    absent: tuple[str, ...] = ()  # ... and none of these
    partial: str | None = None  # a stream handed on this much before raising
    gap: tuple[float, float] | None = None  # bounds on the wait between the first two requests
    seconds: tuple[float, float] = (0.0, 5.0)  # bounds on the call's duration
    attrs: dict[str, Any] = field(default_factory=dict)  # the error's attributes


@dataclass(frozen=True)
class Case:
    id: str
    script: tuple[str, ...]
    invoke: Expect
    stream: Expect | None = None  # the same as invoke unless given
    provider: str = "local"
    timeout: float | Timeouts = 5.0
    refused: bool = False  # point at a port where nothing listens

    def expect(self, op: str) -> Expect:
        return self.stream if op == "stream" and self.stream is not None else self.invoke


def retried_ok(*, gap: tuple[float, float] | None = None, seconds: float = 5.0) -> Expect:
    return Expect(requests=2, gap=gap, seconds=(0.0, seconds))


def exhausted(error: type[APIError], *fragments: str) -> Expect:
    return Expect(requests=3, error=error, attempts=3, fragments=("Gave up after 3 attempts", *fragments))


def once(error: type[APIError], *fragments: str, **kwargs: Any) -> Expect:
    return Expect(requests=1, error=error, attempts=1, fragments=fragments, **kwargs)


def interrupted(*fragments: str, partial: str = "Hello") -> Expect:
    return once(StreamInterruptedError, INTERRUPTED_HINT, *fragments, partial=partial)


CASES = [
    # --- answers, and failures that are retried into an answer ----------------------------------
    Case("ok", ("ok",), Expect(requests=1)),
    Case("429_retry_after_0_then_ok", ("429_retry_after_0", "ok"), retried_ok()),
    Case("429_retry_after_1_then_ok", ("429_retry_after_1", "ok"), retried_ok(gap=(0.9, 3.0))),
    Case("429_retry_after_http_date_then_ok", ("429_retry_after_date", "ok"), retried_ok(gap=(0.9, 3.5))),
    Case("503_retry_after_1_then_ok", ("503_retry_after_1", "ok"), retried_ok(gap=(0.9, 3.0))),
    Case("408_then_ok", ("408", "ok"), retried_ok()),
    Case("500_then_ok", ("500", "ok"), retried_ok()),
    Case("502_then_ok", ("502", "ok"), retried_ok()),
    Case("503_then_ok", ("503", "ok"), retried_ok()),
    Case("504_then_ok", ("504", "ok"), retried_ok()),
    Case("html_502_then_ok", ("html_502", "ok"), retried_ok()),
    Case("drop_then_ok", ("drop", "ok"), retried_ok()),
    Case("reset_mid_body_then_ok", ("reset_mid_body", "ok"), retried_ok()),
    Case("slow_first_byte_within_timeout", ("slow_first_byte_short",), Expect(requests=1), timeout=1),
    Case(
        "oversized_5mb",
        ("oversized",),
        Expect(requests=1, text="x" * OVERSIZED_CHARS),
    ),
    # --- retries exhausted: 3 requests, .attempts == 3 -------------------------------------------
    Case("429_exhausted", ("429_retry_after_0",) * 3, exhausted(RateLimitError, "HTTP 429", RATE_HINT)),
    *(
        Case(f"{status}_exhausted", (str(status),) * 3, exhausted(ServerError, f"HTTP {status}", SERVER_HINT))
        for status in (500, 502, 503, 504)
    ),
    Case(
        "html_502_exhausted",
        ("html_502",) * 3,
        Expect(
            requests=3,
            error=ServerError,
            attempts=3,
            fragments=("HTTP 502", "502 Bad Gateway", SERVER_HINT),
            absent=("<html", "<title>", "<center>"),
        ),
    ),
    Case(
        "connection_refused",
        (),
        Expect(requests=0, error=APIConnectionError, attempts=3, fragments=("127.0.0.1", CONNECTION_HINT)),
        refused=True,
    ),
    Case(
        "drop_exhausted",
        ("drop",) * 3,
        exhausted(APIConnectionError, "Server disconnected", CONNECTION_HINT),
    ),
    Case("reset_mid_body_exhausted", ("reset_mid_body",) * 3, exhausted(APIConnectionError, CONNECTION_HINT)),
    # --- never retried ---------------------------------------------------------------------------
    Case(
        "429_retry_after_120_not_waited_for",
        ("429_retry_after_120", "ok"),
        once(
            RateLimitError,
            "HTTP 429",
            "asks to wait 120 s, longer than the 60 s hostedllm waits for",
            seconds=(0.0, 2.0),
            attrs={"retry_after": 120.0},
            absent=("raise max_retries",),
        ),
    ),
    Case(
        "400_bad_request",
        ("400", "ok"),
        once(BadRequestError, "HTTP 400", "Check the parameter 'temperature'", attrs={"param": "temperature"}),
    ),
    Case(
        "500_validation_error_is_a_bad_request",
        ("500_validation_error", "ok"),
        once(BadRequestError, "HTTP 500", "validation error", "Check the request parameters"),
    ),
    Case(
        "401_unauthorized",
        ("401", "ok"),
        once(AuthenticationError, "HTTP 401", "Check HOSTEDLLM_LOCAL_API_KEY"),
    ),
    Case(
        "403_forbidden",
        ("403", "ok"),
        once(PermissionDeniedError, "HTTP 403", "may not use model 'smollm2-135m-instruct'"),
    ),
    Case(
        "nvidia_403_authorization_failed",
        ("nvidia_403", "ok"),
        once(
            AuthenticationError,
            "HTTP 403",
            "Authorization failed",
            "(request id nvcf-req-fault-1)",
            "Check NVIDIA_API_KEY",
        ),
        provider="nim",
    ),
    Case(
        "nvidia_404_function_not_found",
        ("nvidia_404", "ok"),
        once(
            ModelNotFoundError,
            "HTTP 404",
            "Not found for account",
            "(request id nvcf-req-fault-2)",
            "`hostedllm models --provider nim`",
        ),
        provider="nim",
    ),
    Case(
        "nvidia_410_gone",
        ("nvidia_410", "ok"),
        once(ModelRetiredError, "HTTP 410", "Gone", "has been retired", "`hostedllm models --provider nim`"),
        provider="nim",
    ),
    Case(
        "baichuan_429_insufficient_balance",
        ("baichuan_quota_429", "ok"),
        once(
            QuotaExhaustedError,
            "HTTP 429",
            "Insufficient account balance",
            "(request id bc-req-fault-1)",
            "Your Baichuan AI " + QUOTA_HINT,
        ),
        provider="baichuan",
    ),
    Case(
        "novita_403_not_enough_balance",
        ("novita_balance_403", "ok"),
        once(
            QuotaExhaustedError,
            "HTTP 403",
            "NOT_ENOUGH_BALANCE",
            "(request id nv-req-fault-1)",
            "Your Novita AI " + QUOTA_HINT,
        ),
        provider="novita",
    ),
    Case(
        "slow_first_byte",
        ("slow_first_byte", "ok"),
        once(APITimeoutError, "ReadTimeout", TIMEOUT_HINT, seconds=(0.9, 3.0)),
        timeout=1,
    ),
    # --- broken answers and broken streams ------------------------------------------------------
    Case(
        "reset_after_2_chunks",
        ("reset_after_chunks", "ok"),
        retried_ok(),  # a plain call had received nothing usable: retried
        interrupted("the stream broke off after it had started"),
    ),
    Case(
        "stall_after_2_chunks",
        ("stall", "ok"),
        once(APITimeoutError, "ReadTimeout", TIMEOUT_HINT, seconds=(0.9, 3.0)),
        once(
            StreamInterruptedError,
            "no answer within the timeout",
            INTERRUPTED_HINT,
            partial="Hello",
            seconds=(0.9, 3.0),
        ),
        timeout=1,
    ),
    Case(
        "malformed_json",
        ("malformed_json", "ok"),
        once(MalformedResponseError, "HTTP 200", "the answer is not JSON: '{not json'", NOT_JSON_HINT),
        once(MalformedResponseError, "a stream event is not valid JSON", BROKEN_STREAM_HINT, partial="Hello"),
    ),
    Case(
        "truncated_sse_line",
        ("truncated_sse_line", "ok"),
        once(MalformedResponseError, "HTTP 200", "the answer is not JSON", NOT_JSON_HINT),
        once(MalformedResponseError, "a stream event is not valid JSON", "choi", BROKEN_STREAM_HINT, partial="Hello"),
    ),
    Case(
        "stream_ends_without_finish_or_done",
        ("stream_cut_clean", "ok"),
        once(MalformedResponseError, "HTTP 200", "no 'choices' list", NOT_JSON_HINT),
        once(StreamInterruptedError, "no finish_reason and no [DONE]", "the answer is incomplete", partial="Hello"),
    ),
    Case(
        "sse_answer_to_a_plain_call",
        ("sse", "ok"),
        once(MalformedResponseError, "HTTP 200", "the answer is not JSON", NOT_JSON_HINT),
        Expect(requests=1),
    ),
    Case(
        # The answer is complete at [DONE]: nothing waits for the server to close the connection.
        "done_then_connection_held_open",
        ("done_keep_open", "ok"),
        Expect(requests=1, seconds=(0.0, 0.9)),
        timeout=1,
    ),
    Case(
        # A chunk-size line that is not hexadecimal: a typed error within the timeout, sync and async.
        "corrupt_chunked_body",
        ("corrupt_chunked", "ok"),
        retried_ok(),
        interrupted("the stream broke off after it had started"),
        timeout=3,
    ),
    # --- a total deadline (off by default) -----------------------------------------------------------
    Case(
        # Each wait is short (a few bytes every 0.2 s), the whole would take 15 s: the deadline ends it.
        "trickle_past_the_total_deadline",
        ("trickle", "ok"),
        once(DeadlineExceededError, "total deadline of 1s", "Timeouts(total=...)", seconds=(0.9, 2.0)),
        timeout=Timeouts(read=5, stream_idle=5, total=1),
    ),
    Case(
        # A retry that could not finish in time is not made.
        "retry_wait_past_the_total_deadline",
        ("503_retry_after_1", "ok"),
        once(DeadlineExceededError, "total deadline of 0.5s", seconds=(0.0, 0.5)),
        timeout=Timeouts(read=5, stream_idle=5, total=0.5),
    ),
    Case(
        "invalid_utf8",
        ("invalid_utf8", "ok"),
        # A stray bad byte is not a broken answer: both modes decode it as U+FFFD and keep the rest.
        Expect(requests=1, text=INVALID_UTF8.decode("utf-8", "replace")),
        Expect(requests=1, text=INVALID_UTF8.decode("utf-8", "replace")),
    ),
    Case(
        "error_object_mid_stream",
        ("error_mid_stream", "ok"),
        retried_ok(),  # a 200 body that is an error object: a retried server error
        Expect(
            requests=1,
            error=ServerError,
            attempts=1,
            fragments=("HTTP 500", "The server had an error while processing your request"),
            absent=("Gave up after",),
            partial="Hel",
        ),
    ),
]
assert len({case.id for case in CASES}) == len(CASES)


# --- running one call ----------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str = ""  # everything the caller received (the answer, or a stream's part before the error)
    error: BaseException | None = None
    seconds: float = 0.0


def build(framework: str, provider: str, base_url: str, timeout: float | Timeouts) -> Any:
    """A chat model of ``framework`` for ``provider`` at ``base_url``, with max_retries=2 and a fast backoff."""
    if framework == "langchain":
        model: Any = LANGCHAIN[provider](model=MODELS[provider], base_url=base_url, max_retries=2, timeout=timeout)
        client = model.client()
    else:
        model = LLAMAINDEX[provider](model=MODELS[provider], api_base=base_url, max_retries=2, timeout=timeout)
        client = model.client
    assert client.retry_policy.max_retries == 2
    client.retry_policy = FAST
    return model


def call_sync(framework: str, op: str, model: Any, outcome: Outcome) -> None:
    if framework == "langchain":
        if op == "invoke":
            outcome.text = str(model.invoke("Hi").content)
        else:
            for chunk in model.stream("Hi"):
                outcome.text += str(chunk.content)
    elif op == "invoke":
        outcome.text = model.chat([ChatMessage(role="user", content="Hi")]).message.content or ""
    else:
        for response in model.stream_chat([ChatMessage(role="user", content="Hi")]):
            outcome.text += response.delta or ""


async def call_async(framework: str, op: str, model: Any, outcome: Outcome) -> None:
    if framework == "langchain":
        if op == "invoke":
            outcome.text = str((await model.ainvoke("Hi")).content)
        else:
            async for chunk in model.astream("Hi"):
                outcome.text += str(chunk.content)
    elif op == "invoke":
        outcome.text = (await model.achat([ChatMessage(role="user", content="Hi")])).message.content or ""
    else:
        async for response in await model.astream_chat([ChatMessage(role="user", content="Hi")]):
            outcome.text += response.delta or ""


def run(framework: str, mode: str, op: str, model: Any) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    try:
        if mode == "sync":
            call_sync(framework, op, model, outcome)
        else:
            asyncio.run(asyncio.wait_for(call_async(framework, op, model, outcome), HANG_LIMIT))
    except Exception as exc:
        outcome.error = exc
    outcome.seconds = time.monotonic() - started
    return outcome


def check(outcome: Outcome, expect: Expect, case: Case, op: str, server: FaultServer) -> None:
    low, high = expect.seconds
    assert low <= outcome.seconds < high, f"took {outcome.seconds:.2f}s, expected [{low}, {high})"
    assert server.count == expect.requests, [r.behaviour for r in server.requests]
    for request in server.requests:
        assert (request.method, request.path) == ("POST", CHAT_PATH)
        assert request.stream is (op == "stream")
        assert request.json["model"] == MODELS[case.provider]
    if expect.gap is not None:
        low, high = expect.gap
        assert low <= server.gaps()[0] < high, f"waited {server.gaps()[0]:.2f}s, expected [{low}, {high})"
    if expect.error is None:
        assert outcome.error is None, f"unexpected {type(outcome.error).__name__}: {outcome.error}"
        assert outcome.text == expect.text, f"got {len(outcome.text)} chars: {outcome.text[:80]!r}"
        return
    error = outcome.error
    assert error is not None, f"no error: a {'silently truncated ' if op == 'stream' else ''}answer {outcome.text!r}"
    assert type(error) is expect.error, f"{type(error).__name__}: {error}"
    message = str(error)
    assert message.startswith(f"[{case.provider}]"), message
    for fragment in expect.fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    for fragment in expect.absent:
        assert fragment not in message, f"{fragment!r} in {message!r}"
    if expect.attempts is not None:
        assert error.attempts == expect.attempts
    for name, value in expect.attrs.items():
        assert getattr(error, name) == value
    # A broken stream hands on what it had, then raises; a failed call hands on nothing.
    assert outcome.text == (expect.partial or ""), outcome.text


def matrix() -> Iterator[Any]:
    for case in CASES:
        for framework in ("langchain", "llamaindex"):
            for mode in ("sync", "async"):
                for op in ("invoke", "stream"):
                    yield pytest.param(case, framework, mode, op, id=f"{case.id}-{framework}-{mode}-{op}")


@pytest.mark.parametrize(("case", "framework", "mode", "op"), list(matrix()))
def test_fault(
    case: Case, framework: str, mode: str, op: str, *, fault_server: FaultServer, refused_base_url: str
) -> None:
    fault_server.play(*case.script)
    base_url = refused_base_url if case.refused else fault_server.base_url
    model = build(framework, case.provider, base_url, case.timeout)
    outcome = run(framework, mode, op, model)
    check(outcome, case.expect(op), case, op, fault_server)


# --- beyond the matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
def test_default_backoff_between_retries(framework: str, fault_server: FaultServer) -> None:
    """The real default policy: 0.5 s then 1 s, each shortened by at most 25 % jitter."""
    fault_server.play("503", "503", "ok")
    if framework == "langchain":
        model: Any = ChatLocal(model=MODELS["local"], base_url=fault_server.base_url, max_retries=2)
    else:
        model = Local(model=MODELS["local"], api_base=fault_server.base_url, max_retries=2)
    outcome = run(framework, "sync", "invoke", model)
    assert outcome.error is None
    assert outcome.text == TEXT
    first, second = fault_server.gaps()
    assert 0.37 <= first < 0.5 + 0.4
    assert 0.75 <= second < 1.0 + 0.4


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_json_answer_to_a_stream_is_not_silently_empty(framework: str, mode: str, fault_server: FaultServer) -> None:
    """The stream must yield the answer, or raise a typed error; it must not end as ''."""
    fault_server.play("completion")
    outcome = run(framework, mode, "stream", build(framework, "local", fault_server.base_url, 5))
    assert fault_server.count == 1
    if outcome.error is not None:
        assert isinstance(outcome.error, APIError)
    else:
        assert outcome.text == TEXT


def test_fault_server_stops_by_itself() -> None:
    """Bounded: after its lifetime the server stops, releasing a stalled client at once."""
    server = FaultServer(lifetime=0.5).start()
    server.play("stall")
    model = build("langchain", "local", server.base_url, timeout=10)
    outcome = run("langchain", "sync", "stream", model)
    assert not server.running
    assert 0.4 <= outcome.seconds < 2.0
    assert isinstance(outcome.error, StreamInterruptedError)
    assert outcome.text == "Hello"


def test_fault_server_records_requests(fault_server: FaultServer) -> None:
    fault_server.play("ok")
    model = build("langchain", "local", fault_server.base_url, timeout=5)
    assert run("langchain", "sync", "invoke", model).text == TEXT
    (request,) = fault_server.requests
    assert request.behaviour == "ok"
    assert request.headers["Authorization"] == "Bearer test-key-not-a-secret"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json["messages"] == [{"role": "user", "content": "Hi"}]
    assert request.arrival <= time.monotonic()


def test_fault_server_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1 only"):
        FaultServer(host="0.0.0.0")  # noqa: S104 - the point: refused
