"""The async transport (aiohttp under ``httpx.AsyncClient``, and straight for non-streamed calls) over
real loopback sockets."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator

import httpx
import pytest

from hostedllm import ChatClient
from hostedllm.errors import RateLimitError
from hostedllm.testing.fake import completion, usage_of
from hostedllm.transport.aio import AiohttpTransport

from ..loopback import LoopbackServer, Seen, loopback

ANSWER = completion("via proxy", model="m", usage=usage_of(1, 2))


def as_proxy(seen: Seen) -> tuple[int, dict[str, str], bytes]:
    """Answers every POST with a completion (a proxy sees absolute URIs: ``seen.path`` keeps them)."""
    return 200, {"content-type": "application/json"}, json.dumps(ANSWER).encode()


@pytest.fixture
def proxy() -> Iterator[LoopbackServer]:
    with loopback(as_proxy) as server:
        yield server


def test_env_proxy_is_used_by_both_sync_and_async(proxy: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with httpx's own transport: HTTP_PROXY routes the call, for async calls too."""
    monkeypatch.setenv("HTTP_PROXY", proxy.origin)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = ChatClient(
        "novita",
        "qwen/qwen-2.5-72b-instruct",
        api_key="k",
        base_url="http://upstream.invalid/v1",
        allow_insecure_http=True,
        max_retries=0,
    )
    request = client.build_request([{"role": "user", "content": "Hi"}])
    assert client.create(request)["choices"][0]["message"]["content"] == "via proxy"
    assert asyncio.run(client.acreate(request))["choices"][0]["message"]["content"] == "via proxy"
    assert [seen.path for seen in proxy.seen] == ["http://upstream.invalid/v1/chat/completions"] * 2


def test_no_proxy_and_the_per_host_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    transport = AiohttpTransport()
    assert transport.proxy_for(httpx.URL("https://api.novita.ai/v3/openai"))[0] == "http://proxy.example:3128"
    assert transport.proxy_for(httpx.URL("https://internal.example/v1")) == (None, None)
    monkeypatch.delenv("HTTPS_PROXY")  # read once per host, like httpx reads it once per client
    assert transport.proxy_for(httpx.URL("https://api.novita.ai/other"))[0] == "http://proxy.example:3128"


def test_the_session_is_closed_when_its_event_loop_ends() -> None:
    """``asyncio.run`` shuts the loop down: the session goes with it, so no "Unclosed client session"."""
    transport = AiohttpTransport()

    async def open_one() -> object:
        return await transport._open()

    session = asyncio.run(open_one())
    assert getattr(session, "closed", False)
    assert transport._session is None


def compressing(seen: Seen) -> tuple[int, dict[str, str], bytes]:
    """A gzip-compressed completion, or (for the prompt "limit") a 429 with its headers."""
    limited = json.loads(seen.body)["messages"][0]["content"] == "limit"
    body = gzip.compress(json.dumps({"error": {"message": "slow down"}} if limited else ANSWER).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    if limited:
        headers.update({"Retry-After": "7", "X-Request-ID": "req-42"})
    return (429 if limited else 200), headers, body


def test_the_async_fast_path_reads_what_the_sync_path_reads() -> None:
    """Async non-streamed calls go straight to aiohttp: a compressed body is decoded, and an error's
    status, request id and Retry-After are read as on the httpx path."""
    with loopback(compressing) as server:
        client = ChatClient("local", "m", base_url=server.url(), max_retries=0)
        request = client.build_request([{"role": "user", "content": "hi"}])
        limited = client.build_request([{"role": "user", "content": "limit"}])

        async def both() -> tuple[object, BaseException]:
            answer = await client.acreate(request)
            try:
                await client.acreate(limited)
            except RateLimitError as error:
                return answer, error
            raise AssertionError("the 429 was not raised")

        answer, async_error = asyncio.run(both())
        assert answer == client.create(request) == ANSWER
        with pytest.raises(RateLimitError) as sync_error:
            client.create(limited)
        for error in (async_error, sync_error.value):
            assert isinstance(error, RateLimitError)
            assert (error.status_code, error.request_id, error.retry_after) == (429, "req-42", 7.0)
