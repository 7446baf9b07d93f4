"""The core rerank call: where each provider's reranker is, both wire shapes, batching merged by score,
top_n applied here, bad input refused before sending, typed errors (framework-free, MockTransport)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hostedllm.errors import (
    MalformedResponseError,
    ModelNotFoundError,
    RequestValidationError,
    UnsupportedParameterError,
)
from hostedllm.rerank import RerankClient
from hostedllm.testing import FakeReranker

NIM_MODEL = "nvidia/llama-nemotron-rerank-1b-v2"
NOVITA_MODEL = "baai/bge-reranker-v2-m3"


def client(fake: FakeReranker, provider: str, model: str, **kwargs: Any) -> RerankClient:
    return RerankClient(provider, model, api_key="test-key", **fake.client_transports, **kwargs)


def passages(count: int) -> list[str]:
    """Passages of distinct lengths in a shuffled order, so the best ones are spread over batches."""
    return ["x" * (1 + (i * 37) % count) for i in range(count)]


class TestWhere:
    def test_nim_hosted_is_one_url_per_model(self) -> None:
        fake = FakeReranker()
        client(fake, "nim", NIM_MODEL).rank("What is RAG?", ["a", "bb"])
        assert (
            str(fake.sent[0].url)
            == "https://ai.api.nvidia.com/v1/retrieval/nvidia/llama-nemotron-rerank-1b-v2/reranking"
        )
        assert fake.last == {
            "model": NIM_MODEL,
            "query": {"text": "What is RAG?"},
            "passages": [{"text": "a"}, {"text": "bb"}],
        }

    def test_the_legacy_nim_reranker_has_its_own_path(self) -> None:
        fake = FakeReranker()
        client(fake, "nim", "nv-rerank-qa-mistral-4b:1").rank("q", ["a"])
        assert str(fake.sent[0].url) == "https://ai.api.nvidia.com/v1/retrieval/nvidia/reranking"

    def test_a_self_hosted_nim_is_ranked_at_its_own_ranking_path_without_top_k(self) -> None:
        fake = FakeReranker()
        result = client(fake, "nim", NIM_MODEL, base_url="http://127.0.0.1:8000/v1", top_n=1).rank("q", ["a", "bbb"])
        assert str(fake.sent[0].url) == "http://127.0.0.1:8000/v1/ranking"
        assert "top_k" not in fake.last
        assert "top_n" not in fake.last
        assert [place.index for place in result.ranking] == [1]

    def test_novita_takes_documents_and_top_n(self) -> None:
        fake = FakeReranker()
        result = client(fake, "novita", NOVITA_MODEL).rank("q", ["a", "ccc", "bb"], top_n=2)
        assert str(fake.sent[0].url) == "https://api.novita.ai/openai/v1/rerank"
        assert fake.last == {"model": NOVITA_MODEL, "query": "q", "documents": ["a", "ccc", "bb"], "top_n": 2}
        assert [(place.index, place.score) for place in result.ranking] == [(1, 0.003), (2, 0.002)]

    def test_truncate_where_taken(self) -> None:
        fake = FakeReranker()
        client(fake, "nim", NIM_MODEL, truncate="END").rank("q", ["a"])
        assert fake.last["truncate"] == "END"
        with pytest.raises(UnsupportedParameterError, match="does not take truncate"):
            client(fake, "novita", NOVITA_MODEL, truncate="END")


class TestBatching:
    def test_batches_are_merged_by_score_and_cut_to_top_n(self) -> None:
        fake = FakeReranker()
        given = passages(70)
        result = client(fake, "nim", NIM_MODEL).rank("q", given, top_n=5)
        assert [len(body["passages"]) for body in fake.requests] == [32, 32, 6]
        best = sorted(range(70), key=lambda i: (-len(given[i]), i))[:5]
        assert [place.index for place in result.ranking] == best
        assert result.tokens is not None
        assert result.tokens.input == 3 * 70

    def test_async_is_the_same_with_bounded_concurrency(self) -> None:
        fake = FakeReranker()
        given = passages(40)
        reranker = client(fake, "nim", NIM_MODEL, batch_size=5, max_concurrency=3)
        result = asyncio.run(reranker.arank("q", given))
        assert len(fake.requests) == 8
        assert fake.most_in_flight == 3
        assert [place.index for place in result.ranking] == sorted(range(40), key=lambda i: (-len(given[i]), i))


class TestBadInput:
    @pytest.mark.parametrize(
        ("query", "given", "fragment"),
        [
            ("", ["a"], "query is empty"),
            ("q", "one passage", "single string"),
            ("q", ["a", " "], r"passages\[1\] is empty"),
        ],
    )
    def test_refused_before_sending(self, query: str, given: Any, fragment: str) -> None:
        fake = FakeReranker()
        with pytest.raises(RequestValidationError, match=fragment):
            client(fake, "nim", NIM_MODEL).rank(query, given)
        assert fake.requests == []

    def test_settings(self) -> None:
        fake = FakeReranker()
        with pytest.raises(RequestValidationError, match="top_n=0 must be a positive integer"):
            client(fake, "nim", NIM_MODEL, top_n=0)
        with pytest.raises(RequestValidationError, match="from 1 to 32"):
            client(fake, "nim", NIM_MODEL, batch_size=33)
        with pytest.raises(RequestValidationError, match="is an embedding model, not a rerank model"):
            client(fake, "nim", "nvidia/nv-embedqa-e5-v5")
        with pytest.raises(RequestValidationError, match="no reranking endpoint"):
            RerankClient("baichuan", "Baichuan-Text-Embedding", api_key="k")

    def test_an_empty_list_sends_nothing(self) -> None:
        fake = FakeReranker()
        assert client(fake, "nim", NIM_MODEL).rank("q", []).ranking == []
        assert fake.requests == []


class TestAnswers:
    @pytest.mark.parametrize(
        ("answer", "fragment"),
        [
            ({"rankings": [{"index": 5, "logit": 1.0}]}, r"rankings\[0\].index"),
            ({"rankings": [{"index": 0, "logit": "high"}]}, r"rankings\[0\].logit is not a number"),
            ({"results": []}, "no 'rankings' list"),
        ],
    )
    def test_malformed(self, answer: dict[str, Any], fragment: str) -> None:
        fake = FakeReranker().then(httpx.Response(200, json=answer))
        with pytest.raises(MalformedResponseError, match=fragment):
            client(fake, "nim", NIM_MODEL).rank("q", ["a"])

    def test_a_404_is_typed(self) -> None:
        fake = FakeReranker().then(
            httpx.Response(404, json={"status": 404, "title": "Not Found", "detail": "Function not found"})
        )
        with pytest.raises(ModelNotFoundError, match=r"\[nim\] HTTP 404"):
            client(fake, "nim", NIM_MODEL).rank("q", ["a"])
