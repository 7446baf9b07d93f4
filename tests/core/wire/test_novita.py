"""qwen/qwen-2-72b-instruct on Novita (retired since, so every client warns), replayed from its documented examples."""

from __future__ import annotations

from typing import Any

import pytest

from hostedllm import ChatClient, EmbeddingsClient, RetryPolicy
from hostedllm.catalog import ModelStatusWarning
from hostedllm.errors import QuotaExhaustedError
from hostedllm.rerank import Ranked, RerankClient

from .helpers import by_index, documented_answer, joined_text, usage_chunks

ASK = [{"role": "system", "content": "Act like you are a helpful assistant."}, {"role": "user", "content": "Hi there!"}]
MODEL = "qwen/qwen-2-72b-instruct"


def qwen2(**options: Any) -> ChatClient:
    with pytest.warns(ModelStatusWarning, match="qwen-2-72b-instruct on novita was retired on 2025-02-06"):
        return ChatClient("novita", MODEL, **options)


@pytest.mark.vcr
def test_invoke(vcr: Any) -> None:
    chat = qwen2()
    answer: Any = chat.create(chat.build_request(ASK, params={"max_tokens": 512}))
    choice = answer["choices"][0]
    assert choice["message"]["content"].startswith("Hello! It's nice to meet you.")
    assert choice["content_filter_results"]["hate"] == {"filtered": False}, "unknown keys are kept"
    assert answer["system_fingerprint"] == ""
    cost = chat.estimate_cost(answer["usage"])
    assert cost is not None
    assert cost.total == pytest.approx(86 * 0.39 / 1_000_000)


@pytest.mark.vcr
def test_stream(vcr: Any) -> None:
    chat = qwen2()
    request = chat.build_request(ASK, params={"max_tokens": 512}, stream=True)
    assert request["stream_options"] == {"include_usage": True}
    chunks = list(chat.stream(request))
    assert joined_text(chunks) == "n, need assistance wi just want to chat?"
    assert chunks[0]["model"] == "meta-llama/llama-3.1-8b-instruct", "the server-reported model is kept as sent"
    (usage,) = usage_chunks(chunks)
    assert usage is chunks[-1]
    assert usage["usage"]["total_tokens"] == 55
    assert all("usage" not in c for c in chunks[:-1]), "the documented null usage on content chunks is dropped"


async def test_async_invoke(vcr_cassette_dir: str) -> None:
    import vcr as vcrpy

    chat = qwen2()
    with vcrpy.use_cassette(
        f"{vcr_cassette_dir}/test_invoke.yaml", record_mode="none", match_on=["method", "uri", "body"]
    ):
        answer = await chat.acreate(chat.build_request(ASK, params={"max_tokens": 512}))
    assert answer["usage"]["prompt_tokens"] == 46


@pytest.mark.vcr
def test_balance_exhausted(vcr: Any) -> None:
    chat = qwen2(retry_policy=RetryPolicy(max_retries=3, initial_backoff=0))
    with pytest.raises(
        QuotaExhaustedError, match=r"\[novita\] HTTP 403: NOT_ENOUGH_BALANCE: Not enough balance.*top up"
    ):
        chat.create(chat.build_request(ASK, params={"max_tokens": 512}))
    assert vcr.play_count == 1


# --- embeddings (baai/bge-m3) and reranking (baai/bge-reranker-v2-m3), from the documented shapes ---

PASSAGES = [
    "The H100 SXM has 3.35 TB/s of GPU memory bandwidth.",
    "Paris is the capital of France.",
    "The A100 80GB has 2.0 TB/s of GPU memory bandwidth.",
]
QUERY = "What is the GPU memory bandwidth of H100 SXM?"


@pytest.mark.vcr
def test_embed(vcr: Any, vcr_cassette_dir: str) -> None:
    client = EmbeddingsClient("novita", "baai/bge-m3")
    result = client.embed(PASSAGES, input_type="passage")  # Novita takes no input_type: not sent
    answer = documented_answer(vcr_cassette_dir, "test_embed")
    assert result.vectors == by_index(answer)
    cost = client.estimate_cost(result.tokens)
    assert cost is not None
    assert client.model.price is not None
    assert cost.total == pytest.approx(answer["usage"]["prompt_tokens"] * client.model.price.input / 1_000_000)


@pytest.mark.vcr
def test_embed_balance_exhausted(vcr: Any) -> None:
    client = EmbeddingsClient("novita", "baai/bge-m3", retry_policy=RetryPolicy(max_retries=3, initial_backoff=0))
    with pytest.raises(QuotaExhaustedError, match=r"\[novita\] HTTP 403: NOT_ENOUGH_BALANCE"):
        client.embed(PASSAGES)
    assert vcr.play_count == 1, "an empty balance is not retried"


@pytest.mark.vcr
def test_rerank(vcr: Any) -> None:
    result = RerankClient("novita", "baai/bge-reranker-v2-m3").rank(QUERY, PASSAGES, top_n=2)  # top_n is sent
    assert result.ranking == [Ranked(0, 0.9978), Ranked(2, 0.0413)]
    assert result.tokens is not None
    assert result.tokens.input == 63


async def test_async_embed_matches_sync(vcr_cassette_dir: str) -> None:
    import vcr as vcrpy

    with vcrpy.use_cassette(
        f"{vcr_cassette_dir}/test_embed.yaml", record_mode="none", match_on=["method", "uri", "body"]
    ):
        result = await EmbeddingsClient("novita", "baai/bge-m3").aembed(PASSAGES)
    assert result.vectors == by_index(documented_answer(vcr_cassette_dir, "test_embed"))
