"""LangChain rerankers (document compressors) for the NVIDIA API catalog and Novita AI.

``compress_documents`` returns the documents best first, at most ``top_n``, each a copy with
``metadata["relevance_score"]`` set to the provider's score; long lists are batched by the core and
merged by score. Use them in ``ContextualCompressionRetriever(base_compressor=..., base_retriever=...)``.

>>> from langchain_hostedllm import NIMRerank
>>> NIMRerank(model="nvidia/llama-nemotron-rerank-1b-v2", api_key="nvapi-test").client.path
'/nvidia/llama-nemotron-rerank-1b-v2/reranking'
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import AliasChoices, Field, PrivateAttr, model_validator

from hostedllm.adapter import RerankOptions
from hostedllm.rerank import RerankClient, Reranked
from langchain_hostedllm.connection import AnyProvider, Connection


class BaseHostedRerank(Connection, BaseDocumentCompressor):
    """Rerank documents with one provider model (``provider_name()`` says which provider).

    Parameters:
        model: a catalog reranker (``hostedllm models --kind rerank``), or an id it lacks.
        api_key, base_url: default to the provider's own env vars; a ``base_url`` of your own is a
            self-hosted server (NIM: its ``/ranking``).
        top_n: how many documents to keep (default 5; ``None`` keeps all, reordered).
        truncate: where the provider takes it (NVIDIA: ``"NONE"`` or ``"END"``).
        batch_size, max_concurrency: passages per request (at most the provider's limit) and requests
            in flight.
        timeout, max_retries, default_headers, rate_limit, allow_unknown_model, strict_catalog,
            allow_insecure_http: as for the chat models (:class:`~langchain_hostedllm.connection.Connection`).
    """

    top_n: int | None = 5
    truncate: str | None = None
    batch_size: int | None = None
    max_concurrency: int = 4

    _client: RerankClient | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _set_up_client(self) -> BaseHostedRerank:
        self.api_key = self.client.api_key
        return self

    @property
    def client(self) -> RerankClient:
        """The core client, created once (no network)."""
        if self._client is None:
            self._client = RerankOptions.from_fields(
                self.__dict__, transport=self.http_transport, async_transport=self.async_http_transport
            ).client(self.provider_name(), self.model)
        return self._client

    def compress_documents(
        self, documents: Sequence[Document], query: str, callbacks: Callbacks | None = None
    ) -> Sequence[Document]:
        """The documents best first, at most ``top_n``, with ``metadata["relevance_score"]``."""
        if not documents:
            return []
        return _ranked(documents, self.client.rank(query, [doc.page_content for doc in documents]))

    async def acompress_documents(
        self, documents: Sequence[Document], query: str, callbacks: Callbacks | None = None
    ) -> Sequence[Document]:
        if not documents:
            return []
        return _ranked(documents, await self.client.arank(query, [doc.page_content for doc in documents]))


def _ranked(documents: Sequence[Document], result: Reranked) -> list[Document]:
    """Copies of the documents in ranking order, each with its score (the inputs are left unchanged)."""
    ranked = []
    for place in result.ranking:
        document = documents[place.index]
        metadata = {**document.metadata, "relevance_score": place.score}
        ranked.append(document.model_copy(update={"metadata": metadata}))
    return ranked


class NIMRerank(BaseHostedRerank):
    """NVIDIA's rerankers: hosted (``NVIDIA_API_KEY``) or a self-hosted NIM (``base_url``)."""

    model: str = Field(
        default="nvidia/llama-nemotron-rerank-1b-v2", validation_alias=AliasChoices("model", "model_name")
    )

    def provider_name(self) -> str:
        return "nim"


class NovitaRerank(BaseHostedRerank):
    """Novita AI's rerankers (``NOVITA_API_KEY``)."""

    model: str = Field(default="baai/bge-reranker-v2-m3", validation_alias=AliasChoices("model", "model_name"))

    def provider_name(self) -> str:
        return "novita"


class HostedRerank(AnyProvider, BaseHostedRerank):
    """Any catalog reranker: ``HostedRerank(model="novita:baai/bge-reranker-v2-m3")``."""
