"""``ChatClient``: chat completions for one provider model, sync and async, streamed or not.

This is what the LangChain and LlamaIndex adapters call. Construction does no network I/O: it
resolves the model in the catalog (warning once if it is deprecated, retired or not listed), lays
what the user knows on top (capabilities, context window, max output, price), and resolves the
key and the base URL. Connections are opened on the first call and pooled for the client's lifetime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import httpx
from pydantic import SecretStr

from hostedllm.catalog import (
    Catalog,
    Cost,
    ModelEntry,
    Price,
    default_catalog,
    estimate_cost,
    warn_if_inactive,
    with_overrides,
)
from hostedllm.endpoint import Endpoint
from hostedllm.errors import RequestValidationError
from hostedllm.images import asset_headers
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.request import build_request, encode_body
from hostedllm.responses import parse_completion
from hostedllm.streaming import ChunkStream, aiter_sse_data, iter_sse_data
from hostedllm.thinking import thought_without_answer, warn_if_out_of_budget
from hostedllm.tokens import Tokens
from hostedllm.transport import (
    RetryPolicy,
    Timeouts,
    acall_with_retries,
    astream_with_retries,
    call_with_retries,
    stream_with_retries,
)
from hostedllm.transport.deadline import Deadline, iterate_within, within
from hostedllm.transport.ratelimit import Limiter, RateLimit
from hostedllm.wire_types import ChatCompletion, ChatCompletionChunk

CHAT_PATH = "/chat/completions"


class ChatClient:
    """Validated chat-completions requests to one provider model, with pooled connections and retries.

    >>> client = ChatClient("local", "smollm2-135m-instruct")
    >>> client.build_request([{"role": "user", "content": "Hi"}], params={"max_tokens": 8})
    {'model': 'smollm2-135m-instruct', 'messages': [{'role': 'user', 'content': 'Hi'}], 'max_tokens': 8}

    Parameters:
        provider: ``"baichuan"``, ``"nim"``, ``"novita"``, ``"theturbo"``, ``"local"`` or a spec.
        model: a catalog id or alias; an id the catalog lacks is sent as given, after one
            :class:`~hostedllm.catalog.UnknownModelWarning` (none with ``allow_unknown_model=True``).
        api_key, base_url: default to the provider's own env vars (e.g. ``NOVITA_API_KEY``).
        timeout, max_retries, retry_policy: the one retry layer (rate limits, 5xx, connection errors).
        strict_catalog: refuse ids the catalog lacks (default ``$HOSTEDLLM_STRICT_CATALOG``).
        capabilities, context_window, max_output_tokens, price: what you know about the model, laid
            over the catalog for this client, e.g. ``capabilities={"tools": True}``; every check honours it.
        allow_insecure_http, default_headers, verify: connection settings.
        rate_limit: a :class:`~hostedllm.transport.ratelimit.RateLimit` for this client, or a
            :class:`~hostedllm.transport.ratelimit.RateLimiter` shared by every client of the account.
        catalog, transport, async_transport: another catalog, or httpx transports (tests use
            ``httpx.MockTransport``).
    """

    def __init__(
        self,
        provider: str | ProviderSpec,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeout: float | Timeouts | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        allow_unknown_model: bool = False,
        strict_catalog: bool | None = None,
        capabilities: Mapping[str, Any] | None = None,
        context_window: int | None = None,
        max_output_tokens: int | None = None,
        price: Price | Mapping[str, Any] | None = None,
        allow_insecure_http: bool = False,
        default_headers: Mapping[str, str] | None = None,
        catalog: Catalog | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        rate_limit: RateLimit | Limiter | None = None,
    ) -> None:
        self.spec = get_provider(provider)
        self.catalog = catalog or default_catalog()
        entry = self.catalog.resolve(self.spec.name, model, allow_unknown=allow_unknown_model, strict=strict_catalog)
        if entry.kind != "chat":
            raise RequestValidationError(
                f"{entry.id} on {entry.provider} is a {entry.kind} model, not a chat model; pick a chat model "
                f"(`hostedllm models --provider {entry.provider} --kind chat`)."
            )
        self.model = with_overrides(
            entry,
            capabilities=capabilities,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            price=price,
        )
        warn_if_inactive(self.model)
        endpoint = Endpoint.open(
            self.spec,
            self.model.id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            allow_insecure_http=allow_insecure_http,
            default_headers=default_headers,
            transport=transport,
            async_transport=async_transport,
            verify=verify,
            rate_limit=rate_limit,
        )
        self.api_key, self.base_url, self.timeouts = endpoint.api_key, endpoint.base_url, endpoint.timeouts
        self.retry_policy = endpoint.retry_policy
        self._transports = (transport, async_transport)
        self._secrets, self._http = endpoint.secrets, endpoint.http

    def __getstate__(self) -> dict[str, Any]:
        """Pickles (executors, checkpoints, Ray) carry the settings, not the connection pools (see
        :class:`~hostedllm.transport.HTTPTransport`) nor the packaged catalog, which the receiving
        process loads itself."""
        state = self.__dict__.copy()
        if state["catalog"] is default_catalog():
            state["catalog"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.catalog is None:
            self.catalog = default_catalog()

    def __repr__(self) -> str:
        return f"ChatClient(provider={self.spec.name!r}, model={self.model.id!r}, base_url={self.base_url!r})"

    def build_request(self, messages: Sequence[Mapping[str, Any]], **options: Any) -> dict[str, Any]:
        """The validated request body; see :func:`hostedllm.request.build_request` for ``options``."""
        return build_request(self.model, messages, **options)

    def create(self, request: Mapping[str, Any]) -> ChatCompletion:
        """Send a non-streamed request and return the answer."""
        body, headers = self._encode(request, stream=False)

        deadline = Deadline.start(self.timeouts.total)

        def attempt() -> ChatCompletion:
            content = self._http.post(CHAT_PATH, body, deadline, headers)
            return parse_completion(self.spec, content, model=self.model.id, secrets=self._secrets)

        return self._checked(call_with_retries(attempt, self.retry_policy, deadline), request, body)

    async def acreate(self, request: Mapping[str, Any]) -> ChatCompletion:
        body, headers = self._encode(request, stream=False)

        async def attempt() -> ChatCompletion:
            content = await self._http.apost(CHAT_PATH, body, headers)
            return parse_completion(self.spec, content, model=self.model.id, secrets=self._secrets)

        deadline = Deadline.start(self.timeouts.total)
        if deadline is None:
            return self._checked(await acall_with_retries(attempt, self.retry_policy), request, body)
        answer = await within(acall_with_retries(attempt, self.retry_policy, deadline), deadline, self.spec.name)
        return self._checked(answer, request, body)

    def _checked(self, answer: ChatCompletion, request: Mapping[str, Any], body: bytes) -> ChatCompletion:
        """``answer``, after warning if its first choice spent the whole budget thinking (and telling the
        rate limiter the tokens it really used)."""
        self._settle(body, answer.get("usage"))
        choices = answer["choices"]
        if choices and choices[0].get("finish_reason") == "length" and thought_without_answer(choices[0]):
            warn_if_out_of_budget(self.model, request, stacklevel=4)
        return answer

    def stream(self, request: Mapping[str, Any]) -> Iterator[ChatCompletionChunk]:
        """Send a streamed request; yield normalised chunks, usage last (once)."""
        body, headers = self._encode(request, stream=True)
        deadline = Deadline.start(self.timeouts.total)

        def attempt() -> Iterator[ChatCompletionChunk]:
            chunks = self._chunk_stream()
            with self._http.stream(CHAT_PATH, body, deadline, headers) as response:
                lines = self._http.iter_lines(response, deadline)
                for payload in iter_sse_data(lines):
                    chunk = chunks.feed(payload)
                    if chunk is not None:
                        yield chunk
                    elif chunks.done:  # complete, whether or not the server ends the body
                        self._http.finish(response, lines)
                        break
            last = chunks.close()
            if chunks.thought_without_answer:
                warn_if_out_of_budget(self.model, request)
            if last is not None:
                self._settle(body, last.get("usage"))
                yield last

        return stream_with_retries(attempt, self.retry_policy, deadline)

    def astream(self, request: Mapping[str, Any]) -> AsyncIterator[ChatCompletionChunk]:
        body, headers = self._encode(request, stream=True)

        async def attempt() -> AsyncIterator[ChatCompletionChunk]:
            chunks = self._chunk_stream()
            async with self._http.astream(CHAT_PATH, body, headers) as response:
                lines = self._http.aiter_lines(response)
                async for payload in aiter_sse_data(lines):
                    chunk = chunks.feed(payload)
                    if chunk is not None:
                        yield chunk
                    elif chunks.done:
                        await self._http.afinish(lines)
                        break
            last = chunks.close()
            if chunks.thought_without_answer:
                warn_if_out_of_budget(self.model, request)
            if last is not None:
                self._settle(body, last.get("usage"))
                yield last

        deadline = Deadline.start(self.timeouts.total)
        chunks = astream_with_retries(attempt, self.retry_policy, deadline)
        return chunks if deadline is None else iterate_within(chunks, deadline, self.spec.name)

    def estimate_cost(self, usage: Tokens | Mapping[str, Any] | None) -> Cost | None:
        """The cost of ``usage`` (:class:`~hostedllm.tokens.Tokens` or a usage dict) at this model's
        catalog price (``None`` if it has none)."""
        return estimate_cost(self.model, usage)

    def available_models(self) -> list[ModelEntry]:
        """What the provider serves now, with the catalog's facts where it has them (one ``GET /models``)."""
        from hostedllm.catalog.discovery import available_models

        return available_models(
            self.spec, api_key=self.api_key, base_url=self.base_url, catalog=self.catalog, transport=self._transports[0]
        )

    async def aavailable_models(self) -> list[ModelEntry]:
        """:meth:`available_models` on the async path."""
        from hostedllm.catalog.discovery import aavailable_models

        return await aavailable_models(
            self.spec, api_key=self.api_key, base_url=self.base_url, catalog=self.catalog, transport=self._transports[1]
        )

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _settle(self, body: bytes, usage: Any) -> None:
        """Tell the rate limiter the tokens the request with ``body`` really used."""
        tokens = Tokens.from_usage(usage) if self._http.rate_limiter is not None else None
        if tokens is not None:
            self._http.settle(body, tokens.total)

    def _chunk_stream(self) -> ChunkStream:
        return ChunkStream(self.spec, model=self.model.id, secrets=self._secrets)

    def _encode(self, request: Mapping[str, Any], *, stream: bool) -> tuple[bytes, dict[str, str] | None]:
        """The request's body, and the headers it needs besides the client's (the assets it references)."""
        if bool(request.get("stream")) is not stream:
            how = "stream()/astream()" if request.get("stream") else "create()/acreate()"
            raise RequestValidationError(
                f"This request was built with stream={bool(request.get('stream'))}; send it with {how}."
            )
        body = encode_body(request)
        return body, asset_headers(self.spec, body)
