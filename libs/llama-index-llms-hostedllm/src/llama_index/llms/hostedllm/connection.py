"""The fields every LlamaIndex class of hostedllm shares: with which key, reached how.

LLMs, embeddings and rerankers take these under the same names (``api_base``, or ``base_url`` as the
LangChain classes call it) and check them the same way (a bad value is a typed error at construction, no
network); the any-provider classes find their provider in the catalog with :class:`AnyProvider`.

>>> from llama_index.llms.hostedllm import HostedEmbedding
>>> HostedEmbedding(model_name="novita:baai/bge-m3", api_key="k", base_url="http://127.0.0.1:8000/v3").api_base
'http://127.0.0.1:8000/v3'
"""

from __future__ import annotations

from typing import Any

import httpx
from llama_index.core.bridge.pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic import AliasChoices

from hostedllm.adapter import located_provider, typed_construction_errors, with_located_provider
from hostedllm.transport import Timeouts
from hostedllm.transport.ratelimit import Limiter, RateLimit


class Connection(BaseModel):
    """How to reach one provider model; each class names its provider in ``provider_name()``."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, protected_namespaces=())

    api_key: SecretStr | None = Field(
        default=None, exclude=True, description="The key; the provider's env var when not given (never serialized)."
    )
    api_base: str | None = Field(
        default=None,
        validation_alias=AliasChoices("api_base", "base_url"),
        description="Override the provider's base URL (also read from e.g. NOVITA_BASE_URL).",
    )
    timeout: float | Timeouts | None = Field(
        default=None,
        description="Seconds to wait for an answer or a stream chunk; Timeouts(total=...) also bounds the whole call.",
    )
    max_retries: int = Field(default=2, description="Retries of rate limits, 5xx and connection failures.")
    default_headers: dict[str, str] | None = Field(default=None, description="Extra headers for every request.")
    rate_limit: RateLimit | Limiter | None = Field(
        default=None,
        description="Requests and tokens per minute for the provider account (a RateLimit, or a RateLimiter "
        "shared by every model of the account); paces each request, retries included.",
    )
    allow_unknown_model: bool = Field(
        default=False, description="Use a model id the catalog does not list without the one-time warning."
    )
    strict_catalog: bool | None = Field(
        default=None, description="Refuse model ids the catalog does not list (default $HOSTEDLLM_STRICT_CATALOG)."
    )
    allow_insecure_http: bool = Field(default=False, description="Allow plain http to a non-loopback host.")
    http_transport: httpx.BaseTransport | None = Field(default=None, exclude=True)
    async_http_transport: httpx.AsyncBaseTransport | None = Field(default=None, exclude=True)

    def __init__(self, **kwargs: Any) -> None:
        with typed_construction_errors():
            super().__init__(**kwargs)

    def provider_name(self) -> str:
        """The provider this instance talks to."""
        raise NotImplementedError


class AnyProvider(BaseModel):
    """For the any-provider classes: ``provider`` from the catalog unless given (``"novita:baai/bge-m3"``
    names both)."""

    provider: str | None = Field(default=None, description="The provider; found in the catalog when omitted.")

    @model_validator(mode="before")
    @classmethod
    def _provider_from_catalog(cls, data: Any) -> Any:
        return with_located_provider(data)

    def provider_name(self) -> str:
        return located_provider(self.provider, type(self).__name__)
