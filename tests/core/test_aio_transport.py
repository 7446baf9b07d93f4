"""The async transport (aiohttp under ``httpx.AsyncClient``) over real loopback sockets."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from hostedllm import ChatClient
from hostedllm.errors import RateLimitError
from hostedllm.testing.fake import completion, usage_of
from hostedllm.transport.aio import AiohttpTransport

ANSWER = completion("via proxy", model="m", usage=usage_of(1, 2))


class Recorder(BaseHTTPRequestHandler):
    """Answers every POST with a completion and records the request line (a proxy sees absolute URIs)."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Recorder.seen.append(self.path)
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_env_proxy_is_used_by_both_sync_and_async(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As with httpx's own transport: HTTP_PROXY routes the call, for async calls too."""
    monkeypatch.setenv("HTTP_PROXY", proxy)
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
    assert Recorder.seen == ["http://upstream.invalid/v1/chat/completions"] * 2


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


class Compressing(BaseHTTPRequestHandler):
    """A gzip-compressed completion, or (for the prompt "limit") a 429 with its headers."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        limited = request["messages"][0]["content"] == "limit"
        body = json.dumps({"error": {"message": "slow down"}} if limited else ANSWER).encode()
        body = gzip.compress(body)
        self.send_response(429 if limited else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(body)))
        if limited:
            self.send_header("Retry-After", "7")
            self.send_header("X-Request-ID", "req-42")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_async_fast_path_reads_what_the_sync_path_reads() -> None:
    """Async non-streamed calls go straight to aiohttp: a compressed body is decoded, and an error's
    status, request id and Retry-After are read as on the httpx path."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Compressing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        client = ChatClient("local", "m", base_url=url, max_retries=0)
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
    finally:
        server.shutdown()
        server.server_close()
