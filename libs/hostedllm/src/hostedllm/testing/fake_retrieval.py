"""Fake embeddings and rerank providers for tests, behind ``httpx.MockTransport`` (no network).

:class:`FakeEmbeddings` answers in the OpenAI-shaped embeddings wire format (the NVIDIA, Baichuan,
Novita and llama.cpp answers all have it). Each text's vector is ``[len(text), position in its
request, 1.0]``, listed in reverse order (so an answer read without ``index`` comes out wrong), with
2 tokens of usage per text. Queue other answers
(an error, a malformed body) with :meth:`FakeEmbeddings.then`. :class:`FakeReranker` answers both
rerank shapes (NVIDIA's ``rankings[].logit``, Novita's ``results[].relevance_score``), scoring each
passage by its length (longer: more relevant).

>>> from hostedllm.embeddings import EmbeddingsClient
>>> fake = FakeEmbeddings()
>>> client = EmbeddingsClient("nim", "nvidia/nv-embedqa-e5-v5", api_key="k", **fake.client_transports)
>>> client.embed(["RAG?"], input_type="query").vectors
[[4.0, 0.0, 1.0]]
>>> fake.last
{'model': 'nvidia/nv-embedqa-e5-v5', 'input': ['RAG?'], 'input_type': 'query'}
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx


def embeddings_answer(inputs: list[str], model: str) -> dict[str, Any]:
    """The answer to an embeddings request for ``inputs`` (see the module docstring for the vectors)."""
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(t)), float(i), 1.0]} for i, t in enumerate(inputs)
    ]
    usage = {"prompt_tokens": 2 * len(inputs), "total_tokens": 2 * len(inputs)}
    return {"object": "list", "data": data[::-1], "model": model, "usage": usage}


@dataclass
class FakeEmbeddings:
    """Answers embeddings requests; records each body (``requests``) and how many were in flight at once."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    sent: list[httpx.Request] = field(default_factory=list)
    queued: list[httpx.Response] = field(default_factory=list)
    #: The most async requests in flight at once (each async answer yields to the loop once).
    most_in_flight: int = 0
    _in_flight: int = 0

    def then(self, response: httpx.Response) -> FakeEmbeddings:
        """Answer the next request with ``response`` instead (in order)."""
        self.queued.append(response)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.sent.append(request)
        if self.queued:
            return self.queued.pop(0)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return httpx.Response(200, json=embeddings_answer(inputs, body.get("model", "")))

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        self._in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            await asyncio.sleep(0.005)
            return self.handle(request)
        finally:
            self._in_flight -= 1

    @property
    def client_transports(self) -> dict[str, Any]:
        """Keyword arguments for :class:`~hostedllm.embeddings.EmbeddingsClient`."""
        return {"transport": httpx.MockTransport(self.handle), "async_transport": httpx.MockTransport(self.ahandle)}

    @property
    def transports(self) -> dict[str, Any]:
        """Keyword arguments for the LangChain and LlamaIndex embeddings classes."""
        return {
            "http_transport": httpx.MockTransport(self.handle),
            "async_http_transport": httpx.MockTransport(self.ahandle),
        }

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


def rerank_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The answer to a rerank request in its own shape: a passage's score is its length, best first."""
    if "passages" in body:  # NVIDIA: query.text, passages[].text -> rankings[].{index, logit}
        texts = [passage["text"] for passage in body["passages"]]
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        usage = {"prompt_tokens": 3 * len(texts), "total_tokens": 3 * len(texts)}
        return {"rankings": [{"index": i, "logit": float(len(texts[i]))} for i in order], "usage": usage}
    texts = list(body["documents"])  # Novita (Cohere-like): query, documents, top_n -> results[]
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))[: body.get("top_n") or len(texts)]
    results = [{"index": i, "relevance_score": len(texts[i]) / 1000, "document": {"text": texts[i]}} for i in order]
    return {
        "id": "rerank-1",
        "results": results,
        "usage": {"prompt_tokens": 3 * len(texts), "total_tokens": 3 * len(texts)},
    }


@dataclass
class FakeReranker(FakeEmbeddings):
    """Answers rerank requests (see :func:`rerank_answer`); records them as :class:`FakeEmbeddings` does.

    >>> from hostedllm.rerank import RerankClient
    >>> fake = FakeReranker()
    >>> client = RerankClient("novita", "baai/bge-reranker-v2-m3", api_key="k", **fake.client_transports)
    >>> [place.index for place in client.rank("RAG?", ["short", "the longest passage", "medium one"]).ranking]
    [1, 2, 0]
    """

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.sent.append(request)
        if self.queued:
            return self.queued.pop(0)
        return httpx.Response(200, json=rerank_answer(body))
