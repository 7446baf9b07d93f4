"""Every provider's embeddings and rerank classes, in both frameworks, sync and async, replayed from the
documented cassettes the core's wire tests use (tests/cassettes/documented/<provider>/test_embed*.yaml,
test_rerank.yaml): the same request bodies, and the same vectors and order as the core makes of them.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
import yaml
from langchain_core.documents import Document
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.llms import hostedllm as li

import langchain_hostedllm as lc

DOCUMENTED = Path(__file__).parent.parent / "cassettes" / "documented"
PASSAGES = [
    "The H100 SXM has 3.35 TB/s of GPU memory bandwidth.",
    "Paris is the capital of France.",
    "The A100 80GB has 2.0 TB/s of GPU memory bandwidth.",
]
QUERY = "What is the GPU memory bandwidth of H100 SXM?"
#: provider -> (LangChain class, LlamaIndex class, model, the texts its test_embed cassette embeds)
EMBEDDINGS: dict[str, tuple[Any, Any, str, list[str]]] = {
    "nim": (lc.NIMEmbeddings, li.NIMEmbedding, "nvidia/nv-embedqa-e5-v5", PASSAGES),
    "novita": (lc.NovitaEmbeddings, li.NovitaEmbedding, "baai/bge-m3", PASSAGES),
    "baichuan": (
        lc.BaichuanEmbeddings,
        li.BaichuanEmbedding,
        "Baichuan-Text-Embedding",
        ["百川大模型", "世界第一高峰是珠穆朗玛峰"],
    ),
}
#: provider -> (LangChain class, LlamaIndex class, model, the documented places best first as (index, score))
RERANKERS: dict[str, tuple[Any, Any, str, list[tuple[int, float]]]] = {
    "nim": (lc.NIMRerank, li.NIMRerank, "nvidia/llama-nemotron-rerank-1b-v2", [(0, 7.421875), (2, -1.1328125)]),
    "novita": (lc.NovitaRerank, li.NovitaRerank, "baai/bge-reranker-v2-m3", [(0, 0.9978), (2, 0.0413)]),
}


def replayed(provider: str, name: str, call: Callable[[], Any]) -> Any:
    """``call()`` with ``documented/<provider>/<name>.yaml`` standing in for the network; every answer played once."""
    path = DOCUMENTED / provider / f"{name}.yaml"
    with vcrpy.use_cassette(
        str(path), record_mode="none", match_on=["method", "uri", "body"], allow_playback_repeats=False
    ) as cassette:
        result = asyncio.run(call()) if inspect.iscoroutinefunction(call) else call()
        assert cassette.all_played
    return result


def documented_vectors(provider: str, name: str) -> list[list[float]]:
    interaction = yaml.safe_load((DOCUMENTED / provider / f"{name}.yaml").read_text(encoding="utf-8"))
    answer = json.loads(interaction["interactions"][0]["response"]["body"]["string"])
    return [item["embedding"] for item in sorted(answer["data"], key=lambda item: item["index"])]


@pytest.mark.parametrize("provider", list(EMBEDDINGS))
@pytest.mark.parametrize("path", ["sync", "async"])
def test_langchain_embeddings(provider: str, path: str) -> None:
    cls, _, model, texts = EMBEDDINGS[provider]
    embeddings = cls(model=model)

    async def documents_async() -> list[list[float]]:
        return list(await embeddings.aembed_documents(texts))

    vectors = replayed(
        provider, "test_embed", documents_async if path == "async" else lambda: embeddings.embed_documents(texts)
    )
    assert vectors == documented_vectors(provider, "test_embed")


@pytest.mark.parametrize("provider", list(EMBEDDINGS))
@pytest.mark.parametrize("path", ["sync", "async"])
def test_llamaindex_embeddings(provider: str, path: str) -> None:
    _, cls, model, texts = EMBEDDINGS[provider]
    embedding = cls(model_name=model)

    async def batch_async() -> list[list[float]]:
        return list(await embedding.aget_text_embedding_batch(texts))

    vectors = replayed(
        provider, "test_embed", batch_async if path == "async" else lambda: embedding.get_text_embedding_batch(texts)
    )
    assert vectors == documented_vectors(provider, "test_embed")


@pytest.mark.parametrize("path", ["sync", "async"])
def test_nim_queries_are_sent_as_queries_in_both_frameworks(path: str) -> None:
    expected = documented_vectors("nim", "test_embed_query")[0]
    langchain = lc.NIMEmbeddings(model="nvidia/nv-embedqa-e5-v5")
    llama_index = li.NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5")
    if path == "sync":
        calls: list[Callable[[], Any]] = [
            lambda: langchain.embed_query(QUERY),
            lambda: llama_index.get_query_embedding(QUERY),
        ]
    else:

        async def langchain_async() -> list[float]:
            return await langchain.aembed_query(QUERY)

        async def llama_index_async() -> list[float]:
            return await llama_index.aget_query_embedding(QUERY)

        calls = [langchain_async, llama_index_async]
    for call in calls:  # the cassette's body says input_type "query": a "passage" would not match
        assert replayed("nim", "test_embed_query", call) == expected


@pytest.mark.parametrize("provider", list(RERANKERS))
@pytest.mark.parametrize("path", ["sync", "async"])
def test_langchain_rerankers(provider: str, path: str) -> None:
    cls, _, model, places = RERANKERS[provider]
    reranker = cls(model=model, top_n=2)
    documents = [Document(page_content=text, metadata={"n": n}) for n, text in enumerate(PASSAGES)]

    async def compress_async() -> list[Document]:
        return list(await reranker.acompress_documents(documents, QUERY))

    kept = replayed(
        provider,
        "test_rerank",
        compress_async if path == "async" else lambda: list(reranker.compress_documents(documents, QUERY)),
    )
    assert [(doc.metadata["n"], doc.metadata["relevance_score"]) for doc in kept] == places
    assert all("relevance_score" not in doc.metadata for doc in documents), "the inputs are left as they were"


@pytest.mark.parametrize("provider", list(RERANKERS))
@pytest.mark.parametrize("path", ["sync", "async"])
def test_llamaindex_rerankers(provider: str, path: str) -> None:
    _, cls, model, places = RERANKERS[provider]
    reranker = cls(model=model, top_n=2)
    nodes = [NodeWithScore(node=TextNode(text=text, id_=str(n)), score=0.5) for n, text in enumerate(PASSAGES)]

    async def postprocess_async() -> list[NodeWithScore]:
        return list(await reranker.apostprocess_nodes(nodes, QueryBundle(QUERY)))

    kept = replayed(
        provider,
        "test_rerank",
        postprocess_async if path == "async" else lambda: reranker.postprocess_nodes(nodes, query_str=QUERY),
    )
    assert [(int(hit.node.node_id), hit.score) for hit in kept] == places
