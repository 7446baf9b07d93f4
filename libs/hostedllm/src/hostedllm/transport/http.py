"""Pooled httpx clients for one provider endpoint: one attempt per call, errors typed.

The sync ``httpx.Client`` and async ``httpx.AsyncClient`` are created on first use (never in a
constructor) and reused for every call. The transports underneath can be swapped (an
``httpx.MockTransport`` in tests, an aiohttp-backed transport for fan-out) without changing
anything above this module. Retries live one level up, in :mod:`hostedllm.transport.retry`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager

import httpx

from hostedllm.errors import APIConnectionError, APIError, APITimeoutError
from hostedllm.provider_errors import clean_field, error_from_response, request_id_from
from hostedllm.providers import ProviderSpec
from hostedllm.streaming.sse import LineDecoder
from hostedllm.transport.aio import AiohttpTransport
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
    ) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self._headers = dict(headers)
        self._secrets = secrets
        self._model = model
        self._transport = transport
        self._async_transport = async_transport
        self._verify = verify
        self._client: httpx.Client | None = None
        self._aclient: httpx.AsyncClient | None = None
        self._aio: AiohttpTransport | None = None  # under _aclient when it is ours: the fast path
        self._aclient_loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._prepared: dict[tuple[bool, str, bool], _Prepared] = {}

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers=self._headers, transport=self._transport, verify=self._verify, follow_redirects=False
            )
        return self._client

    @property
    def aclient(self) -> httpx.AsyncClient:
        """The async client for the running event loop: pooled connections belong to the loop that
        opened them, so a new loop (a second ``asyncio.run``) gets a new client."""
        loop = _running_loop()
        if self._aclient is None or self._aclient_loop_now() is not loop:
            transport = self._async_transport or AiohttpTransport(verify=self._verify)
            self._aio = transport if isinstance(transport, AiohttpTransport) else None
            self._aclient = httpx.AsyncClient(
                headers=self._headers, transport=transport, verify=self._verify, follow_redirects=False
            )
            self._aclient_loop = None if loop is None else weakref.ref(loop)
        return self._aclient

    def _aclient_loop_now(self) -> asyncio.AbstractEventLoop | None:
        return None if self._aclient_loop is None else self._aclient_loop()

    def post(self, path: str, body: bytes) -> bytes:
        """One non-streamed POST; its answer's body (an answer but 200 raises)."""
        request = self._request(self.client, path, body, stream=False)
        with self._errors():
            response = self.client.send(request)
        self._raise_for_status(response.status_code, response.headers, response.read())
        return response.content

    async def apost(self, path: str, body: bytes) -> bytes:
        """:meth:`post` on the async path."""
        client = self.aclient
        if self._aio is not None:  # our aiohttp transport: straight to it, without httpx's client
            url, _, headers, timeout = self._prepare(client, path, stream=False)
            logger.debug("POST %s (%d bytes, stream=False)", url, len(body))
            with self._errors():
                status, answer_headers, content = await self._aio.post(url, headers, body, timeout)
            self._raise_for_status(status, answer_headers, content)
            return content
        request = self._request(client, path, body, stream=False)
        with self._errors():
            response = await self.aclient.send(request)
        self._raise_for_status(response.status_code, response.headers, await response.aread())
        return response.content

    @contextmanager
    def stream(self, path: str, body: bytes) -> Iterator[httpx.Response]:
        """One streamed POST; the response is closed when the block ends."""
        request = self._request(self.client, path, body, stream=True)
        with self._errors():
            response = self.client.send(request, stream=True)
        try:
            if response.status_code != 200:
                with self._errors():
                    content = response.read()
                self._raise_for_status(response.status_code, response.headers, content)
            yield response
        finally:
            response.close()

    @asynccontextmanager
    async def astream(self, path: str, body: bytes) -> AsyncIterator[httpx.Response]:
        request = self._request(self.aclient, path, body, stream=True)
        with self._errors():
            response = await self.aclient.send(request, stream=True)
        try:
            if response.status_code != 200:
                with self._errors():
                    content = await response.aread()
                self._raise_for_status(response.status_code, response.headers, content)
            yield response
        finally:
            await response.aclose()

    def iter_lines(self, response: httpx.Response) -> Iterator[str]:
        """The response's lines, with httpx failures typed (a cut connection, an idle timeout)."""
        decoder = LineDecoder()
        with self._errors():
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
    def _errors(self) -> Iterator[None]:
        """Translate httpx failures into typed errors."""
        try:
            yield
        except httpx.TimeoutException as exc:
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
        self, client: httpx.Client | httpx.AsyncClient, path: str, body: bytes, *, stream: bool
    ) -> httpx.Request:
        """The POST, built from a URL and headers prepared once per client: what ``build_request``
        would merge on every call (about a tenth of a call's CPU) is the same each time."""
        url, headers, _, timeout = self._prepare(client, path, stream=stream)
        logger.debug("POST %s (%d bytes, stream=%s)", url, len(body), stream)
        return httpx.Request("POST", url, headers=headers, content=body, extensions={"timeout": timeout})

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

    def _raise_for_status(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        logger.debug("HTTP %d from %s", status, self.base_url)
        if status == 200:
            return
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
        client, self._aclient = self._aclient, None
        owner = self._aclient_loop  # None: made outside any loop, so it holds no connections yet
        if client is not None and (owner is None or owner() is _running_loop()):
            await client.aclose()  # a client from a loop that has ended cannot be closed from this one


#: A POST's URL, headers (without Content-Length; raw for httpx, text for aiohttp) and timeout
#: extension, prepared once per client kind.
_Prepared = tuple[httpx.URL, list[tuple[bytes, bytes]], dict[str, str], dict[str, float | None]]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
