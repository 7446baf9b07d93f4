"""LlamaIndex rerankers (node postprocessors) for the NVIDIA API catalog and Novita AI.

They return the nodes best first, at most ``top_n``, scored by the provider, and emit LlamaIndex's
reranking events (``ReRankStartEvent``/``ReRankEndEvent`` and a ``RERANKING`` callback event):
``index.as_query_engine(node_postprocessors=[NIMRerank(top_n=3)])``.

>>> from llama_index.llms.hostedllm import NIMRerank
>>> NIMRerank(api_key="nvapi-test").client.path
'/nvidia/llama-nemotron-rerank-1b-v2/reranking'
"""

from __future__ import annotations

from typing import Any

from llama_index.core.bridge.pydantic import Field, PrivateAttr, model_validator
from llama_index.core.callbacks import CBEventType, EventPayload
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported, untyped
from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle

from hostedllm.adapter import RerankOptions
from hostedllm.errors import RequestValidationError
from hostedllm.rerank import RerankClient, Reranked
from llama_index.llms.hostedllm.connection import AnyProvider, Connection

dispatcher = get_dispatcher(__name__)


class BaseHostedRerank(Connection, BaseNodePostprocessor):
    """Rerank nodes with one provider model (``provider_name()`` says which provider).

    Parameters:
        model: a catalog reranker (``hostedllm models --kind rerank``), or an id it lacks.
        top_n: how many nodes to keep (default 5).
        api_key, api_base (or ``base_url``): default to the provider's own env vars; an ``api_base`` of your
            own is a self-hosted server (NIM: its ``/ranking``).
        truncate, batch_size, max_concurrency: as for the embeddings.
        timeout, max_retries, default_headers, rate_limit, allow_unknown_model, strict_catalog,
            allow_insecure_http: as for the LLM classes (:class:`~llama_index.llms.hostedllm.connection.Connection`).
    """

    model: str = Field(description="The reranking model.")
    top_n: int = Field(default=5, description="How many nodes to keep, best first.")
    truncate: str | None = Field(default=None, description="NONE or END, where the provider takes it.")
    batch_size: int | None = Field(default=None, description="Passages per request (default: the provider's limit).")
    max_concurrency: int = Field(default=4, description="Requests in flight at once on the async path.")

    _client: RerankClient | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return cls.__name__

    @model_validator(mode="after")
    def _set_up(self) -> BaseHostedRerank:
        self.api_key = self.client.api_key
        return self

    @property
    def client(self) -> RerankClient:
        """The core client, created once (no network)."""
        if self._client is None:
            self._client = RerankOptions.from_fields(
                self.__dict__,
                base_url=self.api_base,
                transport=self.http_transport,
                async_transport=self.async_http_transport,
            ).client(self.provider_name(), self.model)
        return self._client

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        query = self._start(nodes, query_bundle)
        if not nodes:
            return self._end([])
        with self.callback_manager.event(CBEventType.RERANKING, payload=self._payload(nodes, query)) as event:
            ranked = _ranked(nodes, self.client.rank(query, _texts(nodes), top_n=self.top_n))
            event.on_end(payload={EventPayload.NODES: ranked})
        return self._end(ranked)

    async def _apostprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        query = self._start(nodes, query_bundle)
        if not nodes:
            return self._end([])
        with self.callback_manager.event(CBEventType.RERANKING, payload=self._payload(nodes, query)) as event:
            ranked = _ranked(nodes, await self.client.arank(query, _texts(nodes), top_n=self.top_n))
            event.on_end(payload={EventPayload.NODES: ranked})
        return self._end(ranked)

    def _start(self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None) -> str:
        if query_bundle is None:
            raise RequestValidationError(f"{type(self).__name__} needs the query: pass query_bundle (or query_str).")
        dispatcher.event(ReRankStartEvent(query=query_bundle, nodes=nodes, top_n=self.top_n, model_name=self.model))
        return query_bundle.query_str

    def _end(self, ranked: list[NodeWithScore]) -> list[NodeWithScore]:
        dispatcher.event(ReRankEndEvent(nodes=ranked))
        return ranked

    def _payload(self, nodes: list[NodeWithScore], query: str) -> dict[str, Any]:
        return {
            EventPayload.NODES: nodes,
            EventPayload.MODEL_NAME: self.model,
            EventPayload.QUERY_STR: query,
            EventPayload.TOP_K: self.top_n,
        }


def _texts(nodes: list[NodeWithScore]) -> list[str]:
    return [node.node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]


def _ranked(nodes: list[NodeWithScore], result: Reranked) -> list[NodeWithScore]:
    """New ``NodeWithScore``s in ranking order, scored by the provider (the inputs are left unchanged)."""
    return [NodeWithScore(node=nodes[place.index].node, score=place.score) for place in result.ranking]


class NIMRerank(BaseHostedRerank):
    """NVIDIA's rerankers: hosted (``NVIDIA_API_KEY``) or a self-hosted NIM (``api_base``)."""

    model: str = Field(default="nvidia/llama-nemotron-rerank-1b-v2", description="The reranking model.")

    def provider_name(self) -> str:
        return "nim"


class NovitaRerank(BaseHostedRerank):
    """Novita AI's rerankers (``NOVITA_API_KEY``)."""

    model: str = Field(default="baai/bge-reranker-v2-m3", description="The reranking model.")

    def provider_name(self) -> str:
        return "novita"


class HostedRerank(AnyProvider, BaseHostedRerank):
    """Any catalog reranker: ``HostedRerank(model="novita:baai/bge-reranker-v2-m3")``."""
