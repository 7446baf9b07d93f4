"""One provider endpoint as every client uses it: the key, the base URL, the timeouts, the retry
policy and the pooled transport, resolved once (no network).

>>> from hostedllm.providers import get_provider
>>> endpoint = Endpoint.open(get_provider("local"), "smollm2-135m-instruct")
>>> endpoint.base_url, endpoint.timeouts.read
('http://127.0.0.1:8080/v1', 120.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from hostedllm.providers import ProviderSpec
from hostedllm.settings import request_headers, resolve_api_key, resolve_base_url
from hostedllm.transport import HTTPTransport, RetryPolicy, Timeouts
from hostedllm.transport.ratelimit import Limiter, RateLimit, RateLimiter


@dataclass(frozen=True)
class Endpoint:
    """What :class:`~hostedllm.client.ChatClient` and :class:`~hostedllm.embeddings.EmbeddingsClient` share."""

    api_key: SecretStr | None
    base_url: str
    timeouts: Timeouts
    retry_policy: RetryPolicy
    #: The values never to show (the key), for redacting error messages.
    secrets: tuple[str, ...]
    http: HTTPTransport

    @classmethod
    def open(
        cls,
        spec: ProviderSpec,
        model_id: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        timeout: float | Timeouts | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        allow_insecure_http: bool = False,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        rate_limit: RateLimit | Limiter | None = None,
    ) -> Endpoint:
        """Resolve and check the settings (a bad key, header or URL is a ``ConfigurationError`` here)."""
        key = resolve_api_key(spec, api_key)
        url = resolve_base_url(spec, base_url, allow_insecure_http=allow_insecure_http)
        timeouts = Timeouts.from_value(timeout)
        secret = key.get_secret_value() if key else None
        secrets = (secret,) if secret else ()
        http = HTTPTransport(
            spec,
            url,
            request_headers(spec, key, default_headers),
            timeouts,
            secrets=secrets,
            model=model_id,
            transport=transport,
            async_transport=async_transport,
            verify=verify,
            rate_limiter=RateLimiter(rate_limit) if isinstance(rate_limit, RateLimit) else rate_limit,
        )
        return cls(key, url, timeouts, retry_policy or RetryPolicy(max_retries=max_retries), secrets, http)
