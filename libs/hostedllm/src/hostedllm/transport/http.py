"""Pooled httpx clients for one provider endpoint: one attempt per call, errors typed.

The sync ``httpx.Client`` and async ``httpx.AsyncClient`` are created on first use (never in a
constructor) and reused for every call. The transports underneath can be swapped (an
``httpx.MockTransport`` in tests, an aiohttp-backed transport for fan-out) without changing
anything above this module. Retries live one level up, in :mod:`hostedllm.transport.retry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import NamedTuple

import httpcore
import httpx

from hostedllm.errors import APIConnectionError, APIError, APITimeoutError
from hostedllm.provider_errors import clean_field, error_from_response, request_id_from
from hostedllm.providers import ProviderSpec
from hostedllm.streaming.sse import LineDecoder
from hostedllm.transport.aio import TIMEOUT_ERRORS, AiohttpTransport
from hostedllm.transport.deadline import Deadline, within_seconds
from hostedllm.transport.proxy import environment_proxy
from hostedllm.transport.ratelimit import Limiter, estimated_tokens
from hostedllm.transport.retry import parse_retry_after
from hostedllm.transport.timeouts import Timeouts

logger = logging.getLogger("hostedllm")


class HTTPTransport:
    """POST JSON bodies to ``{base_url}{path}`` and return successful responses.

    Any answer but 200 becomes the provider's typed :class:`APIError`; httpx failures become
    :class:`APIConnectionError` or :class:`APITimeoutError`. Redirects are not followed, so the
    ``Authorization`` header never travels to another origin.
    """

    def __init__(
        self,
        spec: ProviderSpec,
        base_url: str,
        headers: Mapping[str, str],
        timeouts: Timeouts,
        *,
        secrets: tuple[str, ...] = (),
        model: str | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        rate_limiter: Limiter | None = None,
    ) -> None:
        self.spec = spec
        #: Paces every send (shared with other clients of the same account); told of each 429's Retry-After.
        self.rate_limiter = rate_limiter
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self._headers = dict(headers)
        self._secrets = secrets
        self._model = model
        self._transport = transport
        self._async_transport = async_transport
        self._verify = verify
        self._forget_pools()
        _LIVE.add(self)

    def _forget_pools(self) -> None:
        """Drop the clients (and their connections) without closing them: on first use, in a copy,
        and in a forked child, whose inherited sockets belong to the parent."""
        self._client: httpx.Client | None = None
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClient] = weakref.WeakKeyDictionary()
        self._outside_loop: _LoopClient | None = None
        self._prepared: dict[tuple[bool, str, bool], _Prepared] = {}

    def __getstate__(self) -> dict[str, object]:
        """Copies and pickles (executors, checkpoints, Ray) leave the connection pools behind."""
        state = self.__dict__.copy()
        for name in ("_client", "_by_loop", "_outside_loop", "_prepared", "_ssl"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._forget_pools()
        _LIVE.add(self)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers=self._headers,
                transport=self._transport,
                verify=self._ssl_context(),
                follow_redirects=False,
                proxy=None if self._transport else environment_proxy(self.base_url),
                trust_env=False,  # the proxy comes from environment_proxy(), as on the async path
            )
        return self._client

    @property
    def aclient(self) -> httpx.AsyncClient:
        """The async client for the running event loop: pooled connections belong to the loop that
        opened them, so each live loop (a second ``asyncio.run``, a loop in another thread) has its own."""
        return self._loop_client().client

    @property
    def pools(self) -> int:
        """How many connection pools are open: the sync one, and one per live event loop."""
        loops = len(self._by_loop) + (self._outside_loop is not None)
        return (self._client is not None) + loops

    def _loop_client(self) -> _LoopClient:
        loop = _running_loop()
        found = self._outside_loop if loop is None else self._by_loop.get(loop)
        if found is None:
            transport = self._async_transport or AiohttpTransport(verify=self._ssl_context())
            client = httpx.AsyncClient(
                headers=self._headers, transport=transport, follow_redirects=False, trust_env=False
            )
            found = _LoopClient(client, transport if isinstance(transport, AiohttpTransport) else None)
            if loop is None:
                self._outside_loop = found
            else:
                self._by_loop[loop] = found
        return found

    def _ssl_context(self) -> ssl.SSLContext:
        """One TLS context for the sync and async clients (loading the CA bundle costs ~20 ms)."""
        context = self.__dict__.get("_ssl")
        if context is None:
            context = self.__dict__["_ssl"] = httpx.create_ssl_context(verify=self._verify)
        return context

    def post(
        self, path: str, body: bytes, deadline: Deadline | None = None, headers: Mapping[str, str] | None = None
    ) -> bytes:
        """One non-streamed POST (``headers``: this request's own, added to the client's); its answer's body
        (an answer but 200 raises)."""
        client = self.client  # the pool first: a slot is taken only when the request can leave at once
        self._pace(body, deadline)
        request = self._request(client, path, body, stream=False, deadline=deadline, headers=headers)
        if deadline is None:
            with self._errors():
                response = self.client.send(request)
            self._raise_for_status(response.status_code, response.headers, response.read())
            return response.content
        with self._errors(deadline):
            response = self.client.send(request, stream=True)
            try:
                with _reads_limited(response, deadline.remaining):
                    content = response.read()
            finally:
                response.close()
        self._raise_for_status(response.status_code, response.headers, content)
        return content

    async def apost(self, path: str, body: bytes, headers: Mapping[str, str] | None = None) -> bytes:
        """:meth:`post` on the async path."""
        client, aio = self._loop_client()  # the pool first: a slot is taken only when the request can leave at once
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(estimated_tokens(body))
        if aio is not None:  # our aiohttp transport: straight to it, without httpx's client
            url, _, prepared, timeout = self._prepare(client, path, stream=False)
            logger.debug("POST %s (%d bytes, stream=False)", url, len(body))
            with self._errors():
                sent = prepared if headers is None else {**prepared, **headers}
                status, answer_headers, content = await aio.post(url, sent, body, timeout)
            self._raise_for_status(status, answer_headers, content)
            return content
        request = self._request(client, path, body, stream=False, headers=headers)
        with self._errors():
            response = await client.send(request)
        self._raise_for_status(response.status_code, response.headers, await response.aread())
        return response.content

    @contextmanager
    def stream(
        self, path: str, body: bytes, deadline: Deadline | None = None, headers: Mapping[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """One streamed POST; the response is closed when the block ends."""
        client = self.client
        self._pace(body, deadline)
        request = self._request(client, path, body, stream=True, deadline=deadline, headers=headers)
        with self._errors(deadline):
            response = self.client.send(request, stream=True)
        try:
            with _reads_limited(response, deadline.remaining if deadline else None):
                if response.status_code != 200:
                    with self._errors(deadline):
                        content = response.read()
                    self._raise_for_status(response.status_code, response.headers, content)
                yield response
        finally:
            response.close()

    @asynccontextmanager
    async def astream(
        self, path: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        client = self.aclient
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(estimated_tokens(body))
        request = self._request(client, path, body, stream=True, headers=headers)
        with self._errors():
            response = await client.send(request, stream=True)
        try:
            if response.status_code != 200:
                with self._errors():
                    content = await response.aread()
                self._raise_for_status(response.status_code, response.headers, content)
            yield response
        finally:
            await response.aclose()

    def iter_lines(self, response: httpx.Response, deadline: Deadline | None = None) -> Iterator[str]:
        """The response's lines, with httpx failures typed (a cut connection, an idle timeout)."""
        decoder = LineDecoder()
        with self._errors(deadline):
            for data in response.iter_bytes():
                yield from decoder.feed(data)
        yield from decoder.flush()

    async def aiter_lines(self, response: httpx.Response) -> AsyncIterator[str]:
        decoder = LineDecoder()
        with self._errors():
            async for data in response.aiter_bytes():
                for line in decoder.feed(data):
                    yield line
        for line in decoder.flush():
            yield line

    def finish(self, response: httpx.Response, lines: Iterator[str]) -> None:
        """Read the rest of a stream's body after ``[DONE]``, waiting at most :data:`FINISH_WAIT` s
        for each piece: a body that ends returns its connection to the pool; one the server holds
        open is closed instead of holding the caller until the idle timeout."""
        with contextlib.suppress(APIError), _reads_limited(response, lambda: FINISH_WAIT):
            for _ in lines:
                pass

    async def afinish(self, lines: AsyncIterator[str]) -> None:
        """:meth:`finish` on the async path."""

        async def read_to_end() -> None:
            async for _ in lines:
                pass

        with contextlib.suppress(APIError, *TIMEOUT_ERRORS):
            await within_seconds(read_to_end(), FINISH_WAIT)

    def get_json(self, path: str) -> object:
        """A GET returning JSON (used by explicit model discovery only)."""
        request = self.client.build_request(
            "GET", self.base_url + path, timeout=self.timeouts.for_request(stream=False)
        )
        with self._errors():
            response = self.client.send(request)
        content = response.read()
        self._raise_for_status(response.status_code, response.headers, content)
        return response.json()

    async def aget_json(self, path: str) -> object:
        """:meth:`get_json` on the async path."""
        request = self.aclient.build_request(
            "GET", self.base_url + path, timeout=self.timeouts.for_request(stream=False)
        )
        with self._errors():
            response = await self.aclient.send(request)
            content = await response.aread()
        self._raise_for_status(response.status_code, response.headers, content)
        return response.json()

    @contextmanager
    def _errors(self, deadline: Deadline | None = None) -> Iterator[None]:
        """Translate httpx failures into typed errors (a timeout once ``deadline`` has passed: its error)."""
        try:
            yield
        except httpx.TimeoutException as exc:
            if deadline is not None and deadline.remaining() <= 0:
                raise deadline.error(self.spec.name) from None
            raise self._timeout_error(exc) from None
        except httpx.HTTPError as exc:
            raise APIConnectionError(
                f"could not complete the request to {self.base_url}: {type(exc).__name__}: {exc}",
                provider=self.spec.name,
                hint="Check the network and the base URL; the request is retried up to max_retries times.",
            ) from None

    def _timeout_error(self, exc: httpx.TimeoutException) -> APIError:
        if isinstance(exc, httpx.ConnectTimeout):
            return APIConnectionError(
                f"connecting to {self.base_url} timed out after {self.timeouts.connect:g}s",
                provider=self.spec.name,
                hint="Check the network and the base URL; the request is retried up to max_retries times.",
            )
        return APITimeoutError(
            f"no answer within the timeout ({type(exc).__name__})",
            provider=self.spec.name,
            hint=(
                f"The read timeout is {self.timeouts.read:g}s and the stream idle timeout "
                f"{self.timeouts.stream_idle:g}s; raise `timeout` for long generations. Not retried."
            ),
        )

    def _request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        path: str,
        body: bytes,
        *,
        stream: bool,
        deadline: Deadline | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """The POST, built from a URL and headers prepared once per client: what ``build_request``
        would merge on every call (about a tenth of a call's CPU) is the same each time."""
        url, raw, _, timeout = self._prepare(client, path, stream=stream)
        if headers:
            raw = [*raw, *((name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items())]
        if deadline is not None:  # no single wait may outlast the call
            left = max(deadline.remaining(), 0.001)
            timeout = {name: left if value is None else min(value, left) for name, value in timeout.items()}
        logger.debug("POST %s (%d bytes, stream=%s)", url, len(body), stream)
        return httpx.Request("POST", url, headers=raw, content=body, extensions={"timeout": timeout})

    def _prepare(self, client: httpx.Client | httpx.AsyncClient, path: str, *, stream: bool) -> _Prepared:
        key = (isinstance(client, httpx.AsyncClient), path, stream)
        prepared = self._prepared.get(key)
        if prepared is None:
            model = client.build_request("POST", self.base_url + path, content=b"", headers=self._accept(stream))
            raw = [(name, value) for name, value in model.headers.raw if name.lower() != b"content-length"]
            text = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}  # as aiohttp takes them
            timeout = self.timeouts.for_request(stream=stream).as_dict()
            prepared = self._prepared[key] = (model.url, raw, text, timeout)
        return prepared

    def _accept(self, stream: bool) -> dict[str, str] | None:
        if stream and "Accept" not in self.spec.default_headers:
            return {"Accept": "text/event-stream"}
        return None

    def settle(self, body: bytes, total_tokens: int | None) -> None:
        """Tell the rate limiter how many tokens the request with ``body`` really used (from its answer)."""
        if self.rate_limiter is not None and total_tokens is not None:
            self.rate_limiter.settle(estimated_tokens(body), total_tokens)

    def _pace(self, body: bytes, deadline: Deadline | None) -> None:
        """Wait for the rate limiter's slot (refused at once if the slot is past the total deadline)."""
        if self.rate_limiter is None:
            return
        delay = self.rate_limiter.reserve(estimated_tokens(body))
        if deadline is not None and delay > deadline.remaining():
            raise deadline.error(self.spec.name)
        if delay > 0:
            time.sleep(delay)

    def _raise_for_status(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        logger.debug("HTTP %d from %s", status, self.base_url)
        if status == 200:
            return
        if status == 429 and self.rate_limiter is not None:
            wait = parse_retry_after(headers)
            if wait is not None:
                self.rate_limiter.pause(wait)
        if status < 400:
            message, hint = self._unexpected(status, headers)
            raise APIError(message, provider=self.spec.name, status_code=status, hint=hint)
        raise error_from_response(
            self.spec,
            status,
            headers,
            content,
            model=self._model,
            secrets=self._secrets,
            retry_after=parse_retry_after(headers),
        )

    def _unexpected(self, status: int, headers: Mapping[str, str]) -> tuple[str, str]:
        """The message and hint for a 2xx/3xx answer that is not a chat-completions 200."""
        if status == 202:
            request_id = clean_field(request_id_from(self.spec, headers), self._secrets) or "unknown"
            return (
                f"the request was queued for asynchronous processing (request id {request_id})",
                "Asynchronous (polled) results are not supported; retry later or use a model served synchronously.",
            )
        if 300 <= status < 400:
            location = clean_field(headers.get("location"), self._secrets, limit=200) or "elsewhere"
            return (
                f"unexpected redirect to {location}; redirects are not followed, so the key stays with this origin",
                "Set base_url to the endpoint's final address.",
            )
        return f"unexpected HTTP {status} without a chat-completions answer", "Check the base URL."

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close this loop's connections (each other loop's close when that loop ends)."""
        loop = _running_loop()
        found = self._by_loop.pop(loop, None) if loop is not None else None
        outside, self._outside_loop = self._outside_loop, None  # made outside any loop: no connections yet
        for pair in (found, outside):
            if pair is not None:
                await pair.client.aclose()


@contextmanager
def _reads_limited(response: httpx.Response, limit: Callable[[], float] | None) -> Iterator[None]:
    """Bound each socket read of ``response``'s body by ``limit()`` seconds (at or below 0: a read
    timeout at once), on httpcore's connection (the ``network_stream`` extension; with another
    transport nothing changes). The connection's own reads are restored when the block ends, before
    it goes back to the pool."""
    stream = response.extensions.get("network_stream") if limit is not None else None
    read = getattr(stream, "read", None)
    if limit is None or read is None:
        yield
        return

    def limited_read(max_bytes: int, timeout: float | None = None) -> bytes:
        left = limit()
        if left <= 0:
            raise httpcore.ReadTimeout("the time allowed has passed")
        return read(max_bytes, left if timeout is None else min(timeout, left))  # type: ignore[no-any-return]

    own = vars(stream)
    outer = own.get("read")  # a limit already set on this body (the deadline, under the [DONE] grace)
    own["read"] = limited_read
    try:
        yield
    finally:
        if outer is None:
            del own["read"]
        else:
            own["read"] = outer


#: Seconds to wait for a stream's body to end after ``[DONE]`` (servers end it at once).
FINISH_WAIT = 0.25


class _LoopClient(NamedTuple):
    """One event loop's async client, and our aiohttp transport under it (``None``: another transport)."""

    client: httpx.AsyncClient
    aio: AiohttpTransport | None


#: Every transport alive in this process, so a forked child can drop the parent's connections.
_LIVE: weakref.WeakSet[HTTPTransport] = weakref.WeakSet()


def _forget_pools_after_fork() -> None:
    for transport in list(_LIVE):
        transport._forget_pools()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


#: A POST's URL, headers (without Content-Length; raw for httpx, text for aiohttp) and timeout
#: extension, prepared once per client kind.
_Prepared = tuple[httpx.URL, list[tuple[bytes, bytes]], dict[str, str], dict[str, float | None]]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
