"""LangChain embeddings for Baichuan, the NVIDIA API catalog, Novita AI and local servers.

``embed_query`` sends ``input_type="query"`` and ``embed_documents`` ``"passage"`` wherever the
provider takes it (NVIDIA's asymmetric models need it), the same on the sync and async paths.
Lists longer than the provider takes in one request are split by the core, in order.

>>> from langchain_hostedllm import NIMEmbeddings
>>> NIMEmbeddings(model="nvidia/nv-embedqa-e5-v5", api_key="nvapi-test").client.embedding.max_batch
50
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from pydantic import AliasChoices, Field, PrivateAttr, model_validator

from hostedllm.adapter import EmbeddingOptions
from hostedllm.catalog import ModelEntry
from hostedllm.embeddings import EmbeddingsClient
from langchain_hostedllm.connection import AnyProvider, Connection


class BaseHostedEmbeddings(Connection, Embeddings):
    """Embeddings from one provider model (``provider_name()`` says which provider).

    Parameters:
        model: a catalog id (``hostedllm models --kind embedding``), or one the catalog lacks.
        api_key, base_url: default to the provider's own env vars (e.g. ``NVIDIA_API_KEY``).
        dimensions, truncate: sent with every request where the provider takes them.
        batch_size (alias ``chunk_size``): texts per request, at most the provider's limit (the default).
        max_concurrency: batches in flight at once on the async path.
        timeout, max_retries, default_headers, rate_limit, allow_unknown_model, strict_catalog,
            allow_insecure_http: as for the chat models (:class:`~langchain_hostedllm.connection.Connection`).
    """

    dimensions: int | None = None
    truncate: str | None = None
    batch_size: int | None = Field(default=None, validation_alias=AliasChoices("batch_size", "chunk_size"))
    max_concurrency: int = 4

    _client: EmbeddingsClient | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _set_up_client(self) -> BaseHostedEmbeddings:
        self.api_key = self.client.api_key
        return self

    @property
    def client(self) -> EmbeddingsClient:
        """The core client, created once (no network)."""
        if self._client is None:
            self._client = EmbeddingOptions.from_fields(
                self.__dict__, transport=self.http_transport, async_transport=self.async_http_transport
            ).client(self.provider_name(), self.model)
        return self._client

    @property
    def catalog_entry(self) -> ModelEntry:
        return self.client.model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for documents to be searched (``input_type="passage"`` where the provider takes it)."""
        return self.client.embed(texts, input_type="passage").vectors

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query (``input_type="query"`` where the provider takes it)."""
        return self.client.embed([text], input_type="query").vectors[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return (await self.client.aembed(texts, input_type="passage")).vectors

    async def aembed_query(self, text: str) -> list[float]:
        return (await self.client.aembed([text], input_type="query")).vectors[0]


class BaichuanEmbeddings(BaseHostedEmbeddings):
    """Baichuan's ``Baichuan-Text-Embedding`` (16 texts a request; ``BAICHUAN_API_KEY``)."""

    model: str = Field(default="Baichuan-Text-Embedding", validation_alias=AliasChoices("model", "model_name"))

    def provider_name(self) -> str:
        return "baichuan"


class NIMEmbeddings(BaseHostedEmbeddings):
    """Embedding models of the NVIDIA API catalog and self-hosted NIMs (``NVIDIA_API_KEY``)."""

    def provider_name(self) -> str:
        return "nim"


class NovitaEmbeddings(BaseHostedEmbeddings):
    """Novita AI's embedding models (``NOVITA_API_KEY``)."""

    def provider_name(self) -> str:
        return "novita"


class LocalEmbeddings(BaseHostedEmbeddings):
    """A local OpenAI-compatible server's ``/embeddings`` (``HOSTEDLLM_LOCAL_BASE_URL``).

    The default model is the one ``hostedllm local serve --embedding`` serves: all-MiniLM-L6-v2.
    """

    model: str = Field(default="all-minilm-l6-v2", validation_alias=AliasChoices("model", "model_name"))

    def provider_name(self) -> str:
        return "local"


class HostedEmbeddings(AnyProvider, BaseHostedEmbeddings):
    """Any catalog embedding model: ``HostedEmbeddings(model="novita:baai/bge-m3")``."""
