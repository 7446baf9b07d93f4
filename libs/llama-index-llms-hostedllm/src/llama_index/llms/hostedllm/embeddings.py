"""LlamaIndex embeddings for Baichuan, the NVIDIA API catalog, Novita AI and local servers.

Queries are sent with ``input_type="query"`` and texts with ``"passage"`` wherever the provider takes
it, on the sync and async paths alike (NVIDIA's own LlamaIndex class sends ``passage`` for sync
queries). ``embed_batch_size`` defaults to the provider's limit per request.

>>> from llama_index.llms.hostedllm import NIMEmbedding
>>> NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", api_key="nvapi-test").embed_batch_size
50
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field, PrivateAttr, model_validator

from hostedllm.adapter import EmbeddingOptions, with_located_provider
from hostedllm.embeddings import EmbeddingsClient
from llama_index.llms.hostedllm.connection import AnyProvider, Connection


class BaseHostedEmbedding(Connection, BaseEmbedding):
    """Embeddings from one provider model (``provider_name()`` says which provider).

    Parameters:
        model_name (or ``model``): a catalog id (``hostedllm models --kind embedding``) or one it lacks.
        api_key, api_base (or ``base_url``): default to the provider's own env vars (e.g. ``NVIDIA_API_KEY``).
        dimensions, truncate: sent with every request where the provider takes them.
        embed_batch_size: texts per request (default: the provider's limit).
        max_concurrency: requests in flight at once on the async path.
        timeout, max_retries, default_headers, rate_limit, allow_unknown_model, strict_catalog,
            allow_insecure_http: as for the LLM classes (:class:`~llama_index.llms.hostedllm.connection.Connection`).
    """

    dimensions: int | None = Field(default=None, description="Shorter vectors, where the provider takes it.")
    truncate: str | None = Field(default=None, description="NONE, START or END, where the provider takes it.")
    max_concurrency: int = Field(default=4, description="Requests in flight at once on the async path.")

    _client: EmbeddingsClient | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return cls.__name__

    @model_validator(mode="before")
    @classmethod
    def _model_alias(cls, data: Any) -> Any:
        return _model_as_model_name(data)

    @model_validator(mode="after")
    def _set_up(self) -> BaseHostedEmbedding:
        self.api_key = self.client.api_key
        if "embed_batch_size" not in self.model_fields_set:
            self.embed_batch_size = self.client.embedding.max_batch
        return self

    @property
    def client(self) -> EmbeddingsClient:
        """The core client, created once (no network)."""
        if self._client is None:
            self._client = EmbeddingOptions.from_fields(
                self.__dict__,
                base_url=self.api_base,
                transport=self.http_transport,
                async_transport=self.async_http_transport,
            ).client(self.provider_name(), self.model_name)
        return self._client

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.client.embed([query], input_type="query").vectors[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return (await self.client.aembed([query], input_type="query")).vectors[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.client.embed([text], input_type="passage").vectors[0]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self.client.aembed([text], input_type="passage")).vectors[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.client.embed(texts, input_type="passage").vectors

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return (await self.client.aembed(texts, input_type="passage")).vectors


class BaichuanEmbedding(BaseHostedEmbedding):
    """Baichuan's ``Baichuan-Text-Embedding`` (16 texts a request; ``BAICHUAN_API_KEY``)."""

    model_name: str = Field(default="Baichuan-Text-Embedding", description="The embedding model.")

    def provider_name(self) -> str:
        return "baichuan"


class NIMEmbedding(BaseHostedEmbedding):
    """Embedding models of the NVIDIA API catalog and self-hosted NIMs (``NVIDIA_API_KEY``)."""

    def provider_name(self) -> str:
        return "nim"


class NovitaEmbedding(BaseHostedEmbedding):
    """Novita AI's embedding models (``NOVITA_API_KEY``)."""

    def provider_name(self) -> str:
        return "novita"


class LocalEmbedding(BaseHostedEmbedding):
    """A local OpenAI-compatible server's ``/embeddings`` (``HOSTEDLLM_LOCAL_BASE_URL``).

    The default model is the one ``hostedllm local serve --embedding`` serves: all-MiniLM-L6-v2.
    """

    model_name: str = Field(default="all-minilm-l6-v2", description="The embedding model the server loaded.")

    def provider_name(self) -> str:
        return "local"


class HostedEmbedding(AnyProvider, BaseHostedEmbedding):
    """Any catalog embedding model: ``HostedEmbedding(model_name="novita:baai/bge-m3")``."""

    @model_validator(mode="before")
    @classmethod
    def _provider_from_catalog(cls, data: Any) -> Any:
        return with_located_provider(_model_as_model_name(data), key="model_name")


def _model_as_model_name(data: Any) -> Any:
    """``model=`` (as the LLM classes take it) read as LlamaIndex's ``model_name``."""
    if isinstance(data, dict) and "model" in data and "model_name" not in data:
        return {("model_name" if key == "model" else key): value for key, value in data.items()}
    return data
