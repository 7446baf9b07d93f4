"""Retries, timeouts and the client, end to end over ``httpx.MockTransport`` (no network)."""

from __future__ import annotations

import email.utils
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from hostedllm import ChatClient
from hostedllm.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ModelNotFoundError,
    ModelRetiredError,
    PermissionDeniedError,
    QuotaExhaustedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
)
from hostedllm.providers import get_provider
from hostedllm.request import encode_body
from hostedllm.settings import resolve_base_url
from hostedllm.testing.fake import chunk, completion, usage_chunk, usage_of
from hostedllm.transport import RetryPolicy, Timeouts, call_with_retries, parse_retry_after
from tests.conftest import FAKE_KEY

SECRET = "sk-live-SENTINEL123"
HI = [{"role": "user", "content": "Hi"}]
MODELS = {
    "novita": "qwen/qwen-2.5-72b-instruct",
    "baichuan": "Baichuan4",
    "nim": "meta/llama-3.3-70b-instruct",
    "theturbo": "Baichuan4",
    "local": "smollm2-135m-instruct",
}
COMPLETION = completion("Hello!", model="m", usage=usage_of(1, 2))
STREAM_USAGE = usage_of(5, 2)
BAICHUAN_QUOTA = {
    "error": {
        "code": "insufficient_quota",
        "message": "Insufficient account balance, please recharge",
        "type": "insufficient_quota",
    }
}
BAICHUAN_RATE = {
    "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached for requests", "type": "rate_limit_error"}
}
NOVITA_BALANCE = {"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Not enough balance", "metadata": {}}

# --- helpers: SSE bodies, scripted mock servers, clients -----------------------------------------


def sse_event(data: Any) -> str:
    """One event, compact; ``data`` may be raw text (a malformed event)."""
    return "data: " + (data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))) + "\n\n"


FIRST_EVENT = sse_event(chunk({"content": "Hel"}, model="m"))
FULL_STREAM = (
    FIRST_EVENT
    + sse_event(chunk({"content": "lo"}, "stop", model="m"))
    + sse_event(usage_chunk(5, 2, model="m"))
    + "data: [DONE]\n\n"
)

Answer = Callable[[httpx.Request], httpx.Response]


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return lambda request: httpx.Response(status, json=body, headers=headers)


def text_answer(status: int, text: str, headers: dict[str, str] | None = None) -> Answer:
    return lambda request: httpx.Response(status, text=text, headers=headers)


def sse_answer(body: str) -> Answer:
    return lambda request: httpx.Response(200, text=body, headers={"Content-Type": "text/event-stream"})


def fail_with(exc_type: type[httpx.TransportError], message: str = "boom") -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)

    return answer


class BreakingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that sends ``first`` and then fails the way a cut connection does."""

    def __init__(self, first: str, exc_type: type[httpx.TransportError]) -> None:
        self.first = first.encode()
        self.exc_type = exc_type

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise self.exc_type("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise self.exc_type("connection reset by peer")


def breaking_answer(exc_type: type[httpx.TransportError] = httpx.ReadError) -> Answer:
    return lambda request: httpx.Response(
        200, stream=BreakingStream(FIRST_EVENT, exc_type), headers={"Content-Type": "text/event-stream"}
    )


class MockServer:
    """Answers each request with the next scripted answer (the last one repeats) and keeps the requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers[min(len(self.requests), len(self.answers)) - 1](request)

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def make_client(
    server: MockServer,
    provider: str = "novita",
    *,
    max_retries: int = 2,
    retry_policy: RetryPolicy | None = None,
    **options: Any,
) -> ChatClient:
    """A client whose sync and async requests go to ``server``; retries do not wait unless told to."""
    return ChatClient(
        provider,
        MODELS[provider],
        retry_policy=retry_policy or RetryPolicy(max_retries=max_retries, initial_backoff=0, jitter=0),
        transport=httpx.MockTransport(server),
        async_transport=httpx.MockTransport(server),
        **options,
    )


def stream_request(client: ChatClient) -> dict[str, Any]:
    return client.build_request(HI, stream=True)


def drain(client: ChatClient, request: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], APIError | None]:
    """Read a stream to its end: the chunks handed out, and the error that ended it (if any)."""
    chunks: list[dict[str, Any]] = []
    try:
        for chunk in client.stream(request or stream_request(client)):
            chunks.append(dict(chunk))
    except APIError as error:
        return chunks, error
    return chunks, None


async def adrain(client: ChatClient) -> tuple[list[dict[str, Any]], APIError | None]:
    chunks: list[dict[str, Any]] = []
    try:
        async for chunk in client.astream(stream_request(client)):
            chunks.append(dict(chunk))
    except APIError as error:
        return chunks, error
    return chunks, None


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


@pytest.fixture
def waits() -> list[float]:
    """The waits the retry layer asks for, recorded by :func:`recording` instead of slept."""
    return []


def recording(waits: list[float], **settings: Any) -> RetryPolicy:
    """A policy whose waits (sync and async) are recorded in ``waits``: the policy's seams, so no
    test really sleeps and the async ones never touch ``asyncio.sleep``."""

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(sleep=waits.append, asleep=asleep, **settings)


# --- RetryPolicy and Retry-After ------------------------------------------------------------------


class TestRetryPolicy:
    def test_backoff_doubles_and_is_capped(self) -> None:
        policy = RetryPolicy(initial_backoff=0.5, max_backoff=8.0, jitter=0)
        assert [policy.delay(attempt, None) for attempt in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]

    @pytest.mark.parametrize("draw", [0.0, 0.5, 0.999999])
    def test_jitter_only_shortens_within_bounds(self, draw: float) -> None:
        policy = RetryPolicy(initial_backoff=1.0, max_backoff=8.0, jitter=0.25, draw=lambda: draw)
        assert policy.delay(3, None) == pytest.approx(4.0 * (1 - 0.25 * draw))

    def test_jitter_stays_within_bounds_over_many_draws(self) -> None:
        policy = RetryPolicy(initial_backoff=1.0, max_backoff=8.0, jitter=0.25)
        delays = [policy.delay(2, None) for _ in range(500)]
        assert all(1.5 <= delay <= 2.0 for delay in delays)
        assert len(set(delays)) > 1

    def test_retry_after_wins_over_backoff(self) -> None:
        policy = RetryPolicy(initial_backoff=0.5, jitter=0.25)
        assert policy.delay(1, 3.0) == 3.0
        assert policy.delay(5, 0.0) == 0.0
        assert policy.delay(1, -2.0) == 0.0

    def test_next_delay_gives_up(self) -> None:
        policy = RetryPolicy(max_retries=2, initial_backoff=1, jitter=0, max_retry_after=60)
        failure = ServerError("x", provider="nim", status_code=500)
        assert policy.next_delay(failure, 1) == 1
        assert policy.next_delay(failure, 2) == 2
        assert policy.next_delay(failure, 3) is None
        assert policy.next_delay(BadRequestError("x", provider="nim", status_code=400), 1) is None
        assert policy.next_delay(QuotaExhaustedError("x", provider="nim", status_code=429), 1) is None
        assert policy.next_delay(RateLimitError("x", provider="nim", retry_after=60), 1) == 60
        assert policy.next_delay(RateLimitError("x", provider="nim", retry_after=61), 1) is None

    def test_negative_max_retries_is_refused(self) -> None:
        with pytest.raises(ValueError, match="max_retries"):
            RetryPolicy(max_retries=-1)


NOW = 1_750_000_000.0


class TestParseRetryAfter:
    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            ({"Retry-After": "7"}, 7.0),
            ({"retry-after": "1.5"}, 1.5),
            ({"Retry-After": "-3"}, 0.0),
            ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
            ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
            ({"retry-after-ms": "1500"}, 1.5),
            ({"Retry-After-Ms": "250", "Retry-After": "9"}, 0.25),
            ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
            ({"Retry-After": "soon"}, None),
            ({"Retry-After": ""}, None),
            ({}, None),
        ],
        ids=[
            "seconds",
            "fraction",
            "negative",
            "http-date",
            "past-date",
            "ms",
            "ms-first",
            "bad-ms",
            "garbage",
            "empty",
            "absent",
        ],
    )
    def test_values(self, headers: dict[str, str], expected: float | None) -> None:
        assert parse_retry_after(headers, now=NOW) == expected

    def test_reads_httpx_headers(self) -> None:
        assert parse_retry_after(httpx.Headers({"Retry-After": "4"})) == 4.0


class TestRetryLayer:
    def test_waits_follow_the_backoff_and_the_last_error_counts_the_tries(self) -> None:
        slept: list[float] = []
        tries: list[int] = []

        def attempt() -> None:
            tries.append(1)
            raise ServerError("down", provider="nim", status_code=503)

        policy = RetryPolicy(max_retries=3, initial_backoff=1, max_backoff=3, jitter=0, sleep=slept.append)
        with pytest.raises(ServerError) as caught:
            call_with_retries(attempt, policy)
        assert slept == [1, 2, 3]
        assert len(tries) == 4
        assert caught.value.attempts == 4

    def test_a_success_after_failures_is_returned(self) -> None:
        outcomes: list[Any] = [APIConnectionError("reset", provider="nim"), "ok"]

        def attempt() -> str:
            outcome = outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        assert call_with_retries(attempt, RetryPolicy(jitter=0, sleep=lambda _: None)) == "ok"
        assert outcomes == []


# --- retries through the client --------------------------------------------------------------------


class TestClientRetries:
    def test_429_with_retry_after_0_then_200(self) -> None:
        server = MockServer(json_answer(429, BAICHUAN_RATE, {"Retry-After": "0"}), json_answer(200, COMPLETION))
        client = make_client(server, "baichuan")
        answer = client.create(client.build_request(HI))
        assert answer["choices"][0]["message"]["content"] == "Hello!"
        assert server.count == 2

    @pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 409])
    def test_server_failures_are_retried(self, status: int) -> None:
        server = MockServer(text_answer(status, "upstream failed"), json_answer(200, COMPLETION))
        client = make_client(server)
        assert client.create(client.build_request(HI))["choices"][0]["message"]["content"] == "Hello!"
        assert server.count == 2

    def test_always_500_gives_up_after_max_retries(self) -> None:
        server = MockServer(json_answer(500, {"error": {"message": "internal", "type": "server_error"}}))
        client = make_client(server, max_retries=2)
        with pytest.raises(ServerError) as caught:
            client.create(client.build_request(HI))
        assert server.count == 3
        assert caught.value.attempts == 3
        assert caught.value.status_code == 500

    def test_max_retries_0_sends_one_request(self) -> None:
        server = MockServer(text_answer(503, "unavailable"))
        client = make_client(server, max_retries=0)
        with pytest.raises(ServerError) as caught:
            client.create(client.build_request(HI))
        assert server.count == 1
        assert caught.value.attempts == 1

    def test_the_max_retries_argument_is_used(self) -> None:
        server = MockServer(text_answer(503, "unavailable"))
        client = ChatClient("novita", MODELS["novita"], max_retries=1, transport=httpx.MockTransport(server))
        assert client.retry_policy == RetryPolicy(max_retries=1)
        client.retry_policy = replace(client.retry_policy, sleep=lambda _: None)
        with pytest.raises(ServerError):
            client.create(client.build_request(HI))
        assert server.count == 2

    @pytest.mark.parametrize(
        ("provider", "status", "body", "error_type"),
        [
            ("baichuan", 429, BAICHUAN_QUOTA, QuotaExhaustedError),
            ("novita", 403, NOVITA_BALANCE, QuotaExhaustedError),
            ("novita", 400, {"error": {"message": "bad top_k", "param": "top_k"}}, BadRequestError),
            (
                "baichuan",
                401,
                {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}},
                AuthenticationError,
            ),
            ("nim", 403, {"status": 403, "title": "Forbidden", "detail": "Authorization failed"}, AuthenticationError),
            ("novita", 403, {"error": {"message": "forbidden"}}, PermissionDeniedError),
            (
                "nim",
                404,
                {"status": 404, "title": "Not Found", "detail": "Function 'abc': Not found for account 'x'"},
                ModelNotFoundError,
            ),
            (
                "nim",
                410,
                {"type": "about:blank", "title": "Gone", "status": 410, "detail": "end of life"},
                ModelRetiredError,
            ),
        ],
        ids=["baichuan-quota-429", "novita-balance-403", "400", "401", "nim-403-auth", "403", "404", "410"],
    )
    def test_failures_retrying_cannot_fix_are_raised_at_once(
        self, provider: str, status: int, body: dict[str, Any], error_type: type[APIError], waits: list[float]
    ) -> None:
        server = MockServer(json_answer(status, body, {"Retry-After": "0"}), json_answer(200, COMPLETION))
        client = make_client(server, provider, retry_policy=recording(waits))
        with pytest.raises(error_type) as caught:
            client.create(client.build_request(HI))
        assert server.count == 1
        assert caught.value.attempts == 1
        assert waits == []

    def test_a_retry_after_beyond_the_policy_limit_is_raised_at_once(self, waits: list[float]) -> None:
        server = MockServer(json_answer(429, BAICHUAN_RATE, {"Retry-After": "120"}), json_answer(200, COMPLETION))
        client = make_client(server, "baichuan", retry_policy=recording(waits))
        with pytest.raises(RateLimitError) as caught:
            client.create(client.build_request(HI))
        assert server.count == 1
        assert caught.value.retry_after == 120
        assert waits == []

    @pytest.mark.parametrize(("header", "value", "wait"), [("Retry-After", "3", 3.0), ("retry-after-ms", "1500", 1.5)])
    def test_the_retry_after_wait_is_requested(self, waits: list[float], header: str, value: str, wait: float) -> None:
        server = MockServer(json_answer(429, BAICHUAN_RATE, {header: value}), json_answer(200, COMPLETION))
        client = make_client(server, "baichuan", retry_policy=recording(waits))
        client.create(client.build_request(HI))
        assert waits == [wait]
        assert server.count == 2

    def test_backoff_waits_grow_between_tries(self, waits: list[float]) -> None:
        server = MockServer(text_answer(503, "unavailable"))
        client = make_client(server, retry_policy=recording(waits, max_retries=3, initial_backoff=1, jitter=0))
        with pytest.raises(ServerError):
            client.create(client.build_request(HI))
        assert waits == [1, 2, 4]
        assert server.count == 4

    def test_an_error_object_in_a_200_answer_is_typed_and_retried(self) -> None:
        server = MockServer(
            json_answer(200, {"error": {"message": "overloaded", "code": 503}}), json_answer(200, COMPLETION)
        )
        client = make_client(server)
        assert client.create(client.build_request(HI))["choices"][0]["message"]["content"] == "Hello!"
        assert server.count == 2


# --- streams ---------------------------------------------------------------------------------------


class TestStreams:
    def test_a_full_stream(self) -> None:
        server = MockServer(sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server))
        assert error is None
        assert text_of(chunks) == "Hello"
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"] == STREAM_USAGE
        assert sum("usage" in c for c in chunks) == 1

    def test_a_500_before_the_stream_starts_is_retried(self) -> None:
        server = MockServer(text_answer(500, "internal"), sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server))
        assert error is None
        assert text_of(chunks) == "Hello"
        assert chunks[-1]["usage"] == STREAM_USAGE
        assert server.count == 2

    def test_an_error_event_before_any_chunk_is_retried(self) -> None:
        server = MockServer(
            sse_answer(sse_event({"error": {"message": "overloaded", "code": 503}})), sse_answer(FULL_STREAM)
        )
        chunks, error = drain(make_client(server))
        assert error is None
        assert text_of(chunks) == "Hello"
        assert server.count == 2

    def test_an_error_event_after_a_chunk_is_raised_not_retried(self) -> None:
        server = MockServer(sse_answer(FIRST_EVENT + sse_event({"error": {"message": "overloaded", "code": 503}})))
        chunks, error = drain(make_client(server))
        assert text_of(chunks) == "Hel"
        assert isinstance(error, ServerError)
        assert server.count == 1

    def test_a_connection_error_is_retried_then_raised(self) -> None:
        server = MockServer(fail_with(httpx.ConnectError, "connection refused"))
        chunks, error = drain(make_client(server, max_retries=2))
        assert chunks == []
        assert isinstance(error, APIConnectionError)
        assert error.attempts == 3
        assert server.count == 3

    def test_a_connection_error_then_a_stream(self) -> None:
        server = MockServer(fail_with(httpx.ConnectError), sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server))
        assert error is None
        assert text_of(chunks) == "Hello"
        assert server.count == 2

    def test_a_body_ending_without_finish_reason_or_done_is_interrupted(self) -> None:
        server = MockServer(sse_answer(FIRST_EVENT + sse_event(chunk({"content": "lo"}, model="m"))))
        chunks, error = drain(make_client(server))
        assert text_of(chunks) == "Hello"
        assert isinstance(error, StreamInterruptedError)
        assert server.count == 1

    def test_an_empty_body_is_interrupted(self) -> None:
        server = MockServer(sse_answer(""))
        chunks, error = drain(make_client(server))
        assert chunks == []
        assert isinstance(error, StreamInterruptedError)
        assert server.count == 1

    @pytest.mark.parametrize("exc_type", [httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout])
    def test_a_break_after_the_first_chunk_is_interrupted_not_retried(
        self, exc_type: type[httpx.TransportError]
    ) -> None:
        server = MockServer(breaking_answer(exc_type), sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server))
        assert text_of(chunks) == "Hel"
        assert isinstance(error, StreamInterruptedError)
        assert isinstance(error.__cause__, (APIConnectionError, APITimeoutError))
        assert server.count == 1

    def test_an_interruption_after_a_retry_counts_both_tries(self) -> None:
        server = MockServer(text_answer(503, "unavailable"), breaking_answer())
        _, error = drain(make_client(server))
        assert isinstance(error, StreamInterruptedError)
        assert server.count == 2
        assert error.attempts == 2

    def test_a_quota_error_on_a_stream_is_not_retried(self) -> None:
        server = MockServer(json_answer(429, BAICHUAN_QUOTA), sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server, "baichuan"))
        assert chunks == []
        assert isinstance(error, QuotaExhaustedError)
        assert server.count == 1

    def test_stopping_early_sends_no_more_requests(self) -> None:
        server = MockServer(sse_answer(FULL_STREAM))
        client = make_client(server)
        for _ in client.stream(stream_request(client)):
            break
        assert server.count == 1


# --- timeouts ----------------------------------------------------------------------------------------


class TestTimeouts:
    def test_a_read_timeout_is_not_retried(self) -> None:
        server = MockServer(fail_with(httpx.ReadTimeout, "timed out"), json_answer(200, COMPLETION))
        client = make_client(server)
        with pytest.raises(APITimeoutError) as caught:
            client.create(client.build_request(HI))
        assert server.count == 1
        assert "Not retried" in str(caught.value)

    def test_a_read_timeout_before_the_first_chunk_is_not_retried(self) -> None:
        server = MockServer(fail_with(httpx.ReadTimeout, "timed out"), sse_answer(FULL_STREAM))
        chunks, error = drain(make_client(server))
        assert chunks == []
        assert isinstance(error, APITimeoutError)
        assert server.count == 1

    def test_a_connect_timeout_is_retried_then_a_connection_error(self) -> None:
        server = MockServer(fail_with(httpx.ConnectTimeout, "timed out"))
        client = make_client(server, timeout=Timeouts(connect=2.5))
        with pytest.raises(APIConnectionError) as caught:
            client.create(client.build_request(HI))
        assert server.count == 3
        assert caught.value.attempts == 3
        assert "2.5s" in str(caught.value)

    def test_the_configured_timeouts_reach_the_requests(self) -> None:
        server = MockServer(json_answer(200, COMPLETION), sse_answer(FULL_STREAM))
        client = make_client(server, timeout=Timeouts(connect=1, read=5, write=2, pool=3, stream_idle=7))
        client.create(client.build_request(HI))
        drain(client)
        plain, streamed = (request.extensions["timeout"] for request in server.requests)
        assert plain == {"connect": 1, "read": 5, "write": 2, "pool": 3}
        assert streamed == {"connect": 1, "read": 7, "write": 2, "pool": 3}

    def test_a_number_sets_read_and_stream_idle(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server, timeout=45)
        client.create(client.build_request(HI))
        assert server.last.extensions["timeout"]["read"] == 45
        assert server.last.extensions["timeout"]["connect"] == 10


# --- the client --------------------------------------------------------------------------------------


class TestClient:
    def test_nothing_is_created_before_the_first_call_and_the_pool_is_reused(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server)
        assert client._http.pools == 0
        client.create(client.build_request(HI))
        pool = client._http._client
        assert isinstance(pool, httpx.Client)
        client.create(client.build_request(HI))
        assert client._http.client is pool
        assert server.count == 2
        client.close()
        assert client._http._client is None

    def test_the_request_headers(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server)
        client.create(client.build_request(HI))
        headers = server.last.headers
        assert headers["Authorization"] == f"Bearer {FAKE_KEY}"
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"].startswith("hostedllm/")
        assert headers["Accept"] != "text/event-stream"
        assert server.last.url == "https://api.novita.ai/v3/openai/chat/completions"

    @pytest.mark.parametrize("provider", ["novita", "baichuan", "nim", "local"])
    def test_streams_ask_for_event_streams(self, provider: str) -> None:
        server = MockServer(sse_answer(FULL_STREAM))
        drain(make_client(server, provider))
        assert server.last.headers["Accept"] == "text/event-stream"

    def test_theturbo_always_sends_accept_json(self) -> None:
        server = MockServer(json_answer(200, COMPLETION), sse_answer(FULL_STREAM))
        client = make_client(server, "theturbo")
        client.create(client.build_request(HI))
        chunks, error = drain(client)
        assert error is None
        assert text_of(chunks) == "Hello"
        assert [request.headers.get_list("Accept") for request in server.requests] == [["application/json"]] * 2

    @pytest.mark.parametrize("stream", [False, True])
    def test_the_body_sent_is_the_built_request(self, stream: bool) -> None:
        server = MockServer(sse_answer(FULL_STREAM) if stream else json_answer(200, COMPLETION))
        client = make_client(server)
        body = client.build_request(
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "珠穆朗玛峰?"}],
            params={"max_tokens": 64, "top_k": 5, "temperature": 0.2},
            stream=stream,
        )
        if stream:
            assert drain(client, body)[1] is None
        else:
            client.create(body)
        sent = server.last.content
        assert sent == encode_body(body)
        assert json.loads(sent) == body
        assert list(json.loads(sent)) == list(body)

    @pytest.mark.parametrize("stream", [False, True])
    def test_a_redirect_is_not_followed(self, stream: bool) -> None:
        server = MockServer(
            lambda request: httpx.Response(302, headers={"Location": "https://evil.example/steal"}),
            json_answer(200, COMPLETION),
        )
        client = make_client(server)
        if stream:
            _, error = drain(client)
        else:
            with pytest.raises(APIError) as caught:
                client.create(client.build_request(HI))
            error = caught.value
        assert type(error) is APIError
        assert error.status_code == 302
        assert "redirect" in str(error)
        assert "https://evil.example/steal" in str(error)
        assert server.count == 1
        assert [request.url.host for request in server.requests] == ["api.novita.ai"]

    def test_repr_does_not_show_the_key(self) -> None:
        client = make_client(MockServer(json_answer(200, COMPLETION)), api_key=SECRET)
        assert SECRET not in repr(client)
        assert "novita" in repr(client)

    @pytest.mark.parametrize(
        ("answer", "stream"),
        [
            pytest.param(
                json_answer(401, {"error": {"message": f"Incorrect API key provided: {SECRET}"}}), False, id="401-json"
            ),
            pytest.param(text_answer(502, f"<html><body>Bearer {SECRET}</body></html>"), False, id="502-html"),
            pytest.param(
                sse_answer(sse_event({"error": {"message": f"key {SECRET} revoked", "code": 401}})),
                True,
                id="stream-error-event",
            ),
            pytest.param(
                json_answer(401, {"error": {"message": f"Incorrect API key provided: {SECRET}"}}), True, id="stream-401"
            ),
            pytest.param(text_answer(200, f"Unauthorized: Bearer {SECRET}"), False, id="200-not-json"),
            pytest.param(sse_answer(sse_event(f"Unauthorized: Bearer {SECRET}")), True, id="stream-not-json"),
        ],
    )
    def test_errors_never_show_the_key(self, answer: Answer, stream: bool) -> None:
        client = make_client(MockServer(answer), api_key=SECRET, max_retries=0)
        if stream:
            _, error = drain(client)
        else:
            with pytest.raises(APIError) as caught:
                client.create(client.build_request(HI))
            error = caught.value
        assert error is not None
        assert SECRET not in str(error)
        assert SECRET not in repr(error)
        assert all(SECRET not in str(arg) for arg in error.args)


class TestBaseURL:
    def test_plain_http_to_a_remote_host_is_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="allow_insecure_http"):
            resolve_base_url(get_provider("novita"), "http://example.com/v1")
        with pytest.raises(ConfigurationError):
            ChatClient("novita", MODELS["novita"], base_url="http://example.com/v1")

    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:1/v1", "https://example.com/v1"]
    )
    def test_loopback_http_and_https_are_accepted(self, url: str) -> None:
        assert resolve_base_url(get_provider("novita"), url) == url

    def test_plain_http_is_accepted_when_allowed(self) -> None:
        assert (
            resolve_base_url(get_provider("novita"), "http://example.com/v1/", allow_insecure_http=True)
            == "http://example.com/v1"
        )

    @pytest.mark.parametrize("url", ["ftp://example.com/v1", "example.com/v1", "https:///v1"])
    def test_not_an_http_url_is_refused(self, url: str) -> None:
        with pytest.raises(ConfigurationError, match="not an http"):
            resolve_base_url(get_provider("novita"), url)

    def test_requests_go_to_the_base_url(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server, base_url="http://example.com/v1/", allow_insecure_http=True)
        client.create(client.build_request(HI))
        assert server.last.url == "http://example.com/v1/chat/completions"

    def test_the_provider_env_var_sets_the_base_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NOVITA_BASE_URL", "https://proxy.internal/openai")
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server)
        client.create(client.build_request(HI))
        assert server.last.url == "https://proxy.internal/openai/chat/completions"
        monkeypatch.setenv("NOVITA_BASE_URL", "http://proxy.internal/openai")
        with pytest.raises(ConfigurationError):
            make_client(server)


class TestKeys:
    @pytest.mark.parametrize(
        ("provider", "env"),
        [
            ("novita", "NOVITA_API_KEY"),
            ("baichuan", "BAICHUAN_API_KEY"),
            ("nim", "NVIDIA_API_KEY"),
            ("theturbo", "THETURBO_API_KEY"),
        ],
    )
    def test_a_missing_key_names_the_env_var_and_openai_key_is_not_used(
        self, monkeypatch: pytest.MonkeyPatch, provider: str, env: str
    ) -> None:
        monkeypatch.delenv(env)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-not-be-used")
        server = MockServer(json_answer(200, COMPLETION))
        with pytest.raises(ConfigurationError, match=env):
            make_client(server, provider)
        assert server.count == 0

    def test_theturbo_does_not_borrow_the_baichuan_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("THETURBO_API_KEY")
        monkeypatch.setenv("BAICHUAN_API_KEY", "baichuan-key")
        with pytest.raises(ConfigurationError, match="THETURBO_API_KEY"):
            make_client(MockServer(json_answer(200, COMPLETION)), "theturbo")

    def test_an_explicit_key_wins_over_the_env_var(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server, api_key="explicit-key")
        client.create(client.build_request(HI))
        assert server.last.headers["Authorization"] == "Bearer explicit-key"

    def test_local_needs_no_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("HOSTEDLLM_LOCAL_API_KEY")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-not-be-used")
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server, "local")
        client.create(client.build_request(HI))
        assert "Authorization" not in server.last.headers
        assert server.last.url == "http://127.0.0.1:8080/v1/chat/completions"

    def test_local_sends_a_key_when_one_is_set(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HOSTEDLLM_LOCAL_API_KEY", "local-key")
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server, "local")
        client.create(client.build_request(HI))
        assert server.last.headers["Authorization"] == "Bearer local-key"


# --- async twins ----------------------------------------------------------------------------------------


class TestAsync:
    async def test_acreate_retries_a_429_then_answers(self) -> None:
        server = MockServer(json_answer(429, BAICHUAN_RATE, {"Retry-After": "0"}), json_answer(200, COMPLETION))
        async with make_client(server, "baichuan") as client:
            answer = await client.acreate(client.build_request(HI))
        assert answer["choices"][0]["message"]["content"] == "Hello!"
        assert server.count == 2

    async def test_acreate_gives_up_after_max_retries(self) -> None:
        server = MockServer(text_answer(502, "bad gateway"))
        client = make_client(server, max_retries=2)
        with pytest.raises(ServerError) as caught:
            await client.acreate(client.build_request(HI))
        assert server.count == 3
        assert caught.value.attempts == 3

    async def test_acreate_does_not_retry_a_quota_error(self) -> None:
        server = MockServer(json_answer(403, NOVITA_BALANCE), json_answer(200, COMPLETION))
        client = make_client(server)
        with pytest.raises(QuotaExhaustedError):
            await client.acreate(client.build_request(HI))
        assert server.count == 1

    async def test_acreate_read_timeout_is_not_retried(self) -> None:
        server = MockServer(fail_with(httpx.ReadTimeout), json_answer(200, COMPLETION))
        client = make_client(server)
        with pytest.raises(APITimeoutError):
            await client.acreate(client.build_request(HI))
        assert server.count == 1

    async def test_acreate_waits_as_asked(self, waits: list[float]) -> None:
        server = MockServer(json_answer(429, BAICHUAN_RATE, {"Retry-After": "3"}), json_answer(200, COMPLETION))
        client = make_client(server, "baichuan", retry_policy=recording(waits))
        await client.acreate(client.build_request(HI))
        assert waits == [3.0]

    async def test_the_async_pool_is_created_lazily_and_reused(self) -> None:
        server = MockServer(json_answer(200, COMPLETION))
        client = make_client(server)
        assert client._http.pools == 0
        await client.acreate(client.build_request(HI))
        pool = client._http.aclient
        assert isinstance(pool, httpx.AsyncClient)
        await client.acreate(client.build_request(HI))
        assert client._http.aclient is pool
        assert client._http._client is None
        assert server.last.headers["Authorization"] == f"Bearer {FAKE_KEY}"
        await client.aclose()
        assert client._http.pools == 0

    async def test_astream_retries_a_500_before_the_stream(self) -> None:
        server = MockServer(text_answer(500, "internal"), sse_answer(FULL_STREAM))
        chunks, error = await adrain(make_client(server))
        assert error is None
        assert text_of(chunks) == "Hello"
        assert chunks[-1]["usage"] == STREAM_USAGE
        assert server.count == 2
        assert server.last.headers["Accept"] == "text/event-stream"

    async def test_astream_connection_error_is_retried_then_raised(self) -> None:
        server = MockServer(fail_with(httpx.ConnectError))
        chunks, error = await adrain(make_client(server, max_retries=2))
        assert chunks == []
        assert isinstance(error, APIConnectionError)
        assert error.attempts == 3
        assert server.count == 3

    async def test_astream_break_after_the_first_chunk_is_interrupted(self) -> None:
        server = MockServer(breaking_answer(), sse_answer(FULL_STREAM))
        chunks, error = await adrain(make_client(server))
        assert text_of(chunks) == "Hel"
        assert isinstance(error, StreamInterruptedError)
        assert server.count == 1

    async def test_astream_body_ending_early_is_interrupted(self) -> None:
        server = MockServer(sse_answer(FIRST_EVENT), sse_answer(FULL_STREAM))
        chunks, error = await adrain(make_client(server))
        assert text_of(chunks) == "Hel"
        assert isinstance(error, StreamInterruptedError)
        assert server.count == 1

    async def test_astream_read_timeout_before_the_first_chunk_is_not_retried(self) -> None:
        server = MockServer(fail_with(httpx.ReadTimeout), sse_answer(FULL_STREAM))
        chunks, error = await adrain(make_client(server))
        assert chunks == []
        assert isinstance(error, APITimeoutError)
        assert server.count == 1
