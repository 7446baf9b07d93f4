"""The LangChain rerankers: best first with relevance_score, top_n, batches merged, inputs untouched,
the same sync and async, where each provider's reranker is, typed errors (offline: FakeReranker)."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document

from hostedllm.errors import RequestValidationError, UnsupportedParameterError
from hostedllm.testing import FakeReranker
from langchain_hostedllm import HostedRerank, NIMRerank, NovitaRerank


def documents(count: int) -> list[Document]:
    return [Document(page_content="x" * (1 + (i * 37) % count), metadata={"n": i}) for i in range(count)]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("cls", [NIMRerank, NovitaRerank], ids=["nim", "novita"])
def test_best_first_with_scores_cut_to_top_n(cls: type, mode: str) -> None:
    fake = FakeReranker()
    reranker = cls(api_key="k", top_n=3, **fake.transports)
    given = documents(70)
    if mode == "sync":
        ranked = reranker.compress_documents(given, "which is longest?")
    else:
        ranked = asyncio.run(reranker.acompress_documents(given, "which is longest?"))
    best = sorted(range(70), key=lambda i: (-len(given[i].page_content), i))[:3]
    assert [doc.metadata["n"] for doc in ranked] == best
    assert all(isinstance(doc.metadata["relevance_score"], float) for doc in ranked)
    assert all("relevance_score" not in doc.metadata for doc in given), "the inputs are left unchanged"
    assert len(fake.requests) == (3 if cls is NIMRerank else 2)  # NIM takes 32 a request, Novita 64


def test_no_documents_no_request() -> None:
    fake = FakeReranker()
    assert NIMRerank(api_key="k", **fake.transports).compress_documents([], "q") == []
    assert fake.requests == []


def test_a_self_hosted_nim_and_any_catalog_reranker() -> None:
    fake = FakeReranker()
    NIMRerank(api_key="k", base_url="http://127.0.0.1:8000/v1", **fake.transports).compress_documents(documents(2), "q")
    assert str(fake.sent[0].url) == "http://127.0.0.1:8000/v1/ranking"
    hosted = HostedRerank(model="novita:qwen/qwen3-reranker-8b", api_key="k")
    assert (hosted.provider, hosted.client.model.id) == ("novita", "qwen/qwen3-reranker-8b")


def test_bad_settings_are_our_typed_errors() -> None:
    with pytest.raises(UnsupportedParameterError, match="does not take truncate"):
        NovitaRerank(api_key="k", truncate="END")
    with pytest.raises(RequestValidationError, match="top_n=0"):
        NIMRerank(api_key="k", top_n=0)
    with pytest.raises(RequestValidationError, match="not a rerank model"):
        NIMRerank(model="nvidia/nv-embedqa-e5-v5", api_key="k")
