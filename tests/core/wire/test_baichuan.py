"""Baichuan's own API, replayed from documented cassettes (tests/cassettes/documented/baichuan)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from hostedllm import ChatClient, EmbeddingsClient, RetryPolicy
from hostedllm.catalog import ModelStatusWarning
from hostedllm.errors import AuthenticationError, QuotaExhaustedError

from .helpers import by_index, documented_answer, joined_text, usage_chunks

ASK = [{"role": "user", "content": "世界第一高峰是"}]
PARAMS = {"temperature": 0.3, "top_p": 0.85, "top_k": 5}
MODELS = [
    "Baichuan4",
    "Baichuan4-Turbo",
    "Baichuan4-Air",
    "Baichuan3-Turbo",
    "Baichuan3-Turbo-128k",
    "Baichuan2-Turbo",
    "Baichuan2-Turbo-192k",
]


def client(model: str = "Baichuan4", **kwargs: Any) -> ChatClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelStatusWarning)  # Baichuan2-Turbo-192k is deprecated
        return ChatClient("baichuan", model, **kwargs)


@pytest.mark.vcr
@pytest.mark.parametrize("model", MODELS)
def test_invoke(model: str, vcr: Any) -> None:
    chat = client(model)
    answer = chat.create(chat.build_request(ASK, params=PARAMS))
    assert answer["model"] == model
    assert answer["choices"][0]["message"]["content"].startswith("世界第一高峰是珠穆朗玛峰")
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert answer["usage"]["total_tokens"] == 24
    cost = chat.estimate_cost(answer["usage"])
    assert cost is not None
    assert cost.currency == "CNY"
    assert vcr.play_count == 1


@pytest.mark.vcr
@pytest.mark.parametrize("model", ["Baichuan2-Turbo", "Baichuan4"])
def test_stream(model: str, vcr: Any) -> None:
    chat = client(model)
    chunks = list(chat.stream(chat.build_request(ASK, params=PARAMS, stream=True)))
    assert joined_text(chunks) == "世界第一高峰是珠穆朗玛峰，海拔8848.86米。"
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes == [None, None, "stop"], "the documented '' finish_reason becomes None"
    (last,) = usage_chunks(chunks)
    assert last is chunks[-1]
    assert last["choices"] == []
    assert last["usage"] == {"prompt_tokens": 4, "completion_tokens": 20, "total_tokens": 24}
    assert vcr.all_played


async def test_async_stream_matches_sync(vcr_cassette_dir: str) -> None:
    import vcr as vcrpy

    chat = client("Baichuan4")
    cassette = f"{vcr_cassette_dir}/test_stream[Baichuan4].yaml"
    with vcrpy.use_cassette(cassette, record_mode="none", match_on=["method", "uri", "body"]):
        chunks = [chunk async for chunk in chat.astream(chat.build_request(ASK, params=PARAMS, stream=True))]
    assert joined_text(chunks) == "世界第一高峰是珠穆朗玛峰，海拔8848.86米。"
    assert chunks[-1]["usage"]["total_tokens"] == 24


@pytest.mark.vcr
def test_knowledge_base_citations(vcr: Any) -> None:
    chat = client()
    retrieval = {"type": "retrieval", "retrieval": {"kb_ids": ["kb-123"], "answer_mode": "knowledge-base-only"}}
    answer: Any = chat.create(chat.build_request(ASK, params=PARAMS, tools=[retrieval]))
    assert answer["knowledge_base"]["cites"][0]["file_id"] == "file-123", "provider extras are kept"


@pytest.mark.vcr
def test_balance_exhausted(vcr: Any) -> None:
    chat = client(retry_policy=RetryPolicy(max_retries=3, initial_backoff=0))
    with pytest.raises(QuotaExhaustedError) as info:
        chat.create(chat.build_request(ASK, params=PARAMS))
    message = str(info.value)
    assert "[baichuan] HTTP 429" in message
    assert "Insufficient account balance" in message
    assert "request id 8f1f3b0ba3c6a1f5d7e2c9a4b6e8d0f1" in message
    assert "top up" in message
    assert vcr.play_count == 1, "an exhausted balance is never retried"


@pytest.mark.vcr
def test_bad_key(vcr: Any) -> None:
    chat = client()
    with pytest.raises(
        AuthenticationError, match=r"\[baichuan\] HTTP 401: Incorrect API key provided.*BAICHUAN_API_KEY"
    ):
        chat.create(chat.build_request(ASK, params=PARAMS))
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_rate_limited_then_answered(vcr: Any) -> None:
    chat = client(retry_policy=RetryPolicy(max_retries=2, initial_backoff=0))
    answer = chat.create(chat.build_request(ASK, params=PARAMS))
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert vcr.play_count == 2


# --- embeddings (Baichuan-Text-Embedding: at most 16 texts a request), from the documented shapes ---

TEXTS = ["百川大模型", "世界第一高峰是珠穆朗玛峰"]


@pytest.mark.vcr
def test_embed(vcr: Any, vcr_cassette_dir: str) -> None:
    result = EmbeddingsClient("baichuan", "Baichuan-Text-Embedding").embed(TEXTS, input_type="query")
    assert result.vectors == by_index(documented_answer(vcr_cassette_dir, "test_embed")), "no input_type sent"
    assert [len(vector) for vector in result.vectors] == [1024, 1024]


@pytest.mark.vcr
def test_embed_batched(vcr: Any, vcr_cassette_dir: str) -> None:
    texts = [f"Passage number {n}." for n in range(17)]
    result = EmbeddingsClient("baichuan", "Baichuan-Text-Embedding").embed(texts)
    first, second = (documented_answer(vcr_cassette_dir, "test_embed_batched", n) for n in (0, 1))
    assert result.vectors == by_index(first) + by_index(second), "16, then 1, in the texts' order"
    assert vcr.all_played


@pytest.mark.vcr
def test_embed_bad_key(vcr: Any) -> None:
    with pytest.raises(AuthenticationError, match=r"\[baichuan\] HTTP 401.*Incorrect API key provided"):
        EmbeddingsClient("baichuan", "Baichuan-Text-Embedding").embed(TEXTS)
    assert vcr.play_count == 1
