"""An httpx async transport over aiohttp: httpx's API, aiohttp's cost per request.

httpx's own async pool spends about 1.1 ms of CPU per call at 64 concurrent calls on the bench
machine, most of it in pool bookkeeping that grows with the number of connections; aiohttp's
connector about 0.09 ms (bare clients, ``bench/results.md``). Streams go through
``httpx.AsyncClient`` with this transport under it; a non-streamed call goes straight to
:meth:`AiohttpTransport.post` (httpx's client and response models cost about a third of such a call,
README "Performance"). Custom transports and ``httpx.MockTransport`` in tests keep httpx's path.

One transport serves one event loop; its session is closed when that loop shuts down (through
the loop's async-generator finaliser, so ``asyncio.run`` leaves no "Unclosed client session").
Proxies come from :func:`~hostedllm.transport.proxy.environment_proxy`, as for the sync client,
read once per host (aiohttp's own per-request lookup costs two thread hops and also reads .netrc).

>>> transport = AiohttpTransport()
>>> transport.ssl_context.verify_mode.name
'CERT_REQUIRED'
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from hostedllm.errors import ConfigurationError
from hostedllm.transport.proxy import environment_proxy

if TYPE_CHECKING:
    import aiohttp

#: aiohttp's timeouts: on Python 3.10 ``asyncio.TimeoutError`` is not yet the built-in ``TimeoutError``.
TIMEOUT_ERRORS = (TimeoutError, asyncio.TimeoutError)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Send httpx requests with an ``aiohttp.ClientSession`` (created on first use, in its loop)."""

    def __init__(self, *, verify: bool | ssl.SSLContext = True, limits: httpx.Limits = DEFAULT_LIMITS) -> None:
        self.ssl_context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        self._limits = limits
        self._session: aiohttp.ClientSession | None = None
        self._closer: AsyncIterator[None] | None = None
        self._proxies: dict[tuple[str, str], tuple[str | None, aiohttp.BasicAuth | None]] = {}
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        session = self._session or await self._open()
        timeout = request.extensions.get("timeout", {})
        proxy, proxy_auth = self.proxy_for(request.url)
        try:
            response = await session.request(
                request.method,
                str(request.url),
                headers=request.headers,
                data=request.content or None,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes Content-Encoding itself
                proxy=proxy,
                proxy_auth=proxy_auth,
                timeout=self._timeout(timeout),
            )
        except (aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError, *TIMEOUT_ERRORS) as exc:
            raise _as_httpx_error(exc, request) from exc
        _end_body_when_connection_closes(response)
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_ResponseBody(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def post(
        self, url: httpx.URL, headers: Mapping[str, str], body: bytes, timeout: Mapping[str, float | None]
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One POST's status, headers (case-insensitive) and body, decoded and read whole, without
        httpx's client and models around it: the non-streamed async hot path (there httpx's
        ``AsyncClient.send`` and ``Response`` cost about a third of a call's CPU).
        Failures are the httpx exceptions :meth:`handle_async_request` raises."""
        import aiohttp

        session = self._session or await self._open()
        proxy, proxy_auth = self.proxy_for(url)
        try:
            response = await session.request(
                "POST",
                str(url),
                headers=headers,
                data=body,
                allow_redirects=False,
                proxy=proxy,
                proxy_auth=proxy_auth,
                timeout=self._timeout(timeout),
            )
            _end_body_when_connection_closes(response)
            try:
                content = await response.read()  # Content-Encoding decoded by aiohttp here
            finally:
                response.release()
        except (aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError, *TIMEOUT_ERRORS) as exc:
            raise _as_httpx_error(exc, None) from exc
        return response.status, response.headers, content

    def _timeout(self, timeout: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        found = self._timeouts.get(key)
        if found is None:
            import aiohttp

            found = self._timeouts[key] = aiohttp.ClientTimeout(sock_connect=key[0], sock_read=key[1], connect=key[2])
        return found

    def proxy_for(self, url: httpx.URL) -> tuple[str | None, aiohttp.BasicAuth | None]:
        """The proxy the environment sets for ``url`` (:func:`~hostedllm.transport.proxy.environment_proxy`,
        as for the sync client), its credentials apart; ``(None, None)``: none."""
        key = (url.scheme, url.host)
        found = self._proxies.get(key)
        if found is None:
            found = self._proxies[key] = _aiohttp_proxy(environment_proxy(str(url)))
        return found

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        limits = self._limits
        connector = aiohttp.TCPConnector(
            ssl=self.ssl_context,
            limit=limits.max_connections or 0,
            keepalive_timeout=limits.keepalive_expiry or 0,
        )
        # trust_env=False: proxies come from proxy_for(), once per host, and .netrc is not read (as in httpx).
        self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        self._closer = self._close_when_loop_ends()
        await anext(self._closer)  # registers with the running loop's shutdown_asyncgens()
        return self._session

    async def _close_when_loop_ends(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            self._closer = None  # it holds the loop's finaliser, and so the loop: let both go
            await self.aclose()


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import aiohttp

        try:
            async for data in self._response.content.iter_any():
                yield data
        except (aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError, *TIMEOUT_ERRORS) as exc:
            raise _as_httpx_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()  # back to the pool if the body was read, else the connection is closed


def _aiohttp_proxy(proxy: str | None) -> tuple[str | None, aiohttp.BasicAuth | None]:
    if proxy is None:
        return None, None
    url = httpx.URL(proxy)
    if url.scheme not in ("http", "https"):
        raise ConfigurationError(
            f"The environment's proxy for this request is a {url.scheme} proxy; the async path (aiohttp) "
            "speaks HTTP proxies only. Set HTTPS_PROXY to an HTTP proxy, or pass "
            "async_transport=httpx.AsyncHTTPTransport(proxy=...) (needs httpx[socks])."
        )
    if not url.userinfo:
        return proxy, None
    import aiohttp

    return str(url.copy_with(username=None, password=None)), aiohttp.BasicAuth(url.username, url.password)


#: The body being read on each pooled connection (see :func:`_end_body_when_connection_closes`).
_reading: weakref.WeakKeyDictionary[object, aiohttp.StreamReader] = weakref.WeakKeyDictionary()


def _end_body_when_connection_closes(response: aiohttp.ClientResponse) -> None:
    """Make a body read fail, not wait forever, when its connection closes before the body ends.

    aiohttp (3.14 and before) closes the connection on a corrupt chunked body (a chunk-size line that
    is not hexadecimal) without telling the body's reader, and drops the read timeout with it: the
    read would never return. One callback per connection ends the current body with a
    ``ClientPayloadError`` (our :class:`httpx.ReadError`) when the connection closes first.
    """
    connection = response.connection
    protocol = connection.protocol if connection is not None else None
    if protocol is None:
        return  # the body is already complete, or the connection already gone (aiohttp raises then)
    if protocol not in _reading:
        if not hasattr(protocol, "closed"):  # aiohttp before 3.13 has no closed future: hook connection_lost
            _call_when_lost(protocol)
        elif protocol.closed is None:
            return
        else:
            protocol.closed.add_done_callback(functools.partial(_connection_closed, weakref.ref(protocol)))
    _reading[protocol] = response.content


def _call_when_lost(protocol: Any) -> None:
    """Run :func:`_body_cut_short` after the protocol's own ``connection_lost`` (aiohttp 3.10 to 3.12)."""
    lost = protocol.connection_lost
    owner = weakref.ref(protocol)

    def connection_lost(exc: BaseException | None) -> None:
        try:
            lost(exc)
        finally:
            _body_cut_short(owner)

    protocol.connection_lost = connection_lost


def _connection_closed(protocol: weakref.ref[object], closed: asyncio.Future[None]) -> None:
    if not closed.cancelled():
        closed.exception()  # retrieved: a connection reset is not logged as "never retrieved"
    _body_cut_short(protocol)


def _body_cut_short(protocol: weakref.ref[object]) -> None:
    """End the body still being read on ``protocol``'s connection, now closed, with a payload error."""
    import aiohttp

    owner = protocol()
    body = _reading.pop(owner, None) if owner is not None else None
    if body is not None and not body.is_eof() and body.exception() is None:
        body.set_exception(aiohttp.ClientPayloadError("the connection closed before the body ended"))


def _as_httpx_error(exc: Exception, request: httpx.Request | None) -> httpx.TransportError:
    """The httpx exception httpx's own transport would raise for the same failure."""
    import aiohttp

    message = str(exc) or type(exc).__name__
    error: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        error = httpx.ConnectTimeout
    elif isinstance(exc, TIMEOUT_ERRORS):
        error = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error = httpx.ConnectError
    elif isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        error = httpx.ReadError
    else:
        error = httpx.RemoteProtocolError
    return error(message, request=request)
