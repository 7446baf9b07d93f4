"""The fields every LangChain class of hostedllm shares: which model, with which key, reached how.

Chat models, the string LLM, embeddings and rerankers take these under the same names and check them
the same way (a bad value is a typed error at construction, no network); the any-provider classes find
their provider in the catalog with :class:`AnyProvider`.

>>> from langchain_hostedllm import HostedEmbeddings
>>> HostedEmbeddings(model="novita:baai/bge-m3", api_key="k").provider
'novita'
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator

from hostedllm.adapter import located_provider, typed_construction_errors, with_located_provider
from hostedllm.transport import Timeouts
from hostedllm.transport.ratelimit import Limiter, RateLimit


class Connection(BaseModel):
    """One provider model and how to reach it; each class names its provider in ``provider_name()``."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, protected_namespaces=())

    model: str = Field(validation_alias=AliasChoices("model", "model_name"))
    """The model id (or an alias) from the catalog, e.g. ``"Baichuan4"``."""
    api_key: SecretStr | None = None
    """The key; read from the provider's own env var (e.g. ``BAICHUAN_API_KEY``) when not given."""
    base_url: str | None = None
    """Override the provider's base URL (also read from e.g. ``BAICHUAN_BASE_URL``)."""
    timeout: float | Timeouts | None = None
    """Seconds to wait for an answer, and between stream chunks (default 120 s / 60 s); a
    :class:`~hostedllm.transport.Timeouts` sets each wait, and ``Timeouts(total=...)`` a deadline for
    the whole call (off by default)."""
    max_retries: int = 2
    """Retries of rate limits, 5xx and connection failures (the only retry layer)."""
    default_headers: dict[str, str] | None = None
    """Extra headers for every request."""
    rate_limit: RateLimit | Limiter | None = None
    """Requests and tokens per minute for the provider account: a ``RateLimit``, or a ``RateLimiter`` shared
    by every model of the account (``hostedllm.transport.ratelimit``); paces each request, retries included."""
    allow_unknown_model: bool = False
    """Use a model id the catalog does not list without the one-time warning (even if strict)."""
    strict_catalog: bool | None = None
    """Refuse model ids the catalog does not list (default: ``$HOSTEDLLM_STRICT_CATALOG``)."""
    allow_insecure_http: bool = False
    """Allow plain ``http`` to a non-loopback host (the key would travel unencrypted)."""
    http_transport: httpx.BaseTransport | None = Field(default=None, exclude=True, repr=False)
    async_http_transport: httpx.AsyncBaseTransport | None = Field(default=None, exclude=True, repr=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with typed_construction_errors():
            super().__init__(*args, **kwargs)

    def provider_name(self) -> str:
        """The provider this instance talks to."""
        raise NotImplementedError


class AnyProvider(BaseModel):
    """For the any-provider classes: ``provider`` from the catalog unless given (``"novita:baai/bge-m3"``
    names both)."""

    provider: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _provider_from_catalog(cls, data: Any) -> Any:
        return with_located_provider(data)

    def provider_name(self) -> str:
        return located_provider(self.provider, type(self).__name__)
