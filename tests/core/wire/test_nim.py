"""The NVIDIA API catalog's seed models, replayed from documented cassettes."""

from __future__ import annotations

from typing import Any

import pytest

from hostedllm import ChatClient, EmbeddingsClient
from hostedllm.catalog import ModelStatusWarning
from hostedllm.errors import AuthenticationError, BadRequestError, ModelNotFoundError, ModelRetiredError
from hostedllm.rerank import Ranked, RerankClient

from .helpers import by_index, documented_answer, joined_text, usage_chunks

ASK = [{"role": "user", "content": "What is the highest mountain in the world?"}]
PARAMS = {"temperature": 0.5, "top_p": 1, "max_tokens": 1024}


def baichuan2() -> ChatClient:
    with pytest.warns(ModelStatusWarning, match="baichuan2-13b-chat on nim is deprecated"):
        return ChatClient("nim", "baichuan-inc/baichuan2-13b-chat")


def llama2() -> ChatClient:
    with pytest.warns(ModelStatusWarning, match="llama2-70b on nim was retired"):
        return ChatClient("nim", "meta/llama2-70b")


@pytest.mark.vcr
def test_baichuan2_13b_chat_invoke(vcr: Any) -> None:
    chat = baichuan2()
    answer = chat.create(chat.build_request(ASK, params=PARAMS))
    assert answer["choices"][0]["message"]["content"].startswith("The highest mountain in the world is Mount Everest")
    assert answer["usage"]["completion_tokens"] == 18
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_baichuan2_13b_chat_stream(vcr: Any) -> None:
    chat = baichuan2()
    chunks = list(chat.stream(chat.build_request(ASK, params=PARAMS, stream=True)))
    assert joined_text(chunks) == "Mount Everest, 8,849 m."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert usage_chunks(chunks) == [], "this Triton endpoint reports no usage in streams"


@pytest.mark.vcr
def test_baichuan2_13b_chat_bad_key(vcr: Any) -> None:
    chat = baichuan2()
    with pytest.raises(AuthenticationError) as info:
        chat.create(chat.build_request(ASK, params=PARAMS))
    message = str(info.value)
    assert "[nim] HTTP 403: Forbidden: Authorization failed" in message
    assert "request id 3c4e2f10-7a7b-4c1e-9d7f-0b1c2d3e4f5a" in message
    assert "NVIDIA_API_KEY" in message
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_llama2_70b_invoke(vcr: Any) -> None:
    chat = llama2()
    answer = chat.create(chat.build_request(ASK, params=PARAMS))
    assert answer["model"] == "meta/llama2-70b"
    assert answer["choices"][0]["message"]["content"] == "Mount Everest is the highest mountain in the world."


@pytest.mark.vcr
def test_llama2_70b_stream(vcr: Any) -> None:
    chat = llama2()
    chunks = list(chat.stream(chat.build_request(ASK, params=PARAMS, stream=True)))
    assert joined_text(chunks) == "Mount Everest."
    quirky = [c["choices"][0]["logprobs"] for c in chunks if c["choices"][0].get("logprobs")]
    assert quirky, "completion-style logprobs pass through untouched for adapters to ignore"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


@pytest.mark.vcr
def test_llama2_70b_gone(vcr: Any) -> None:
    chat = llama2()
    with pytest.raises(
        ModelRetiredError, match=r"\[nim\] HTTP 410: Gone: The model 'meta/llama2-70b' has reached its end of life"
    ):
        chat.create(chat.build_request(ASK, params=PARAMS))
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_llama2_70b_not_found_for_account(vcr: Any) -> None:
    chat = llama2()
    with pytest.raises(ModelNotFoundError, match=r"Not found for account.*hostedllm models --provider nim"):
        chat.create(chat.build_request(ASK, params=PARAMS))
    assert vcr.play_count == 1


# --- embeddings (nv-embedqa-e5-v5) and reranking (llama-nemotron-rerank-1b-v2), from the documented shapes ---

PASSAGES = [
    "The H100 SXM has 3.35 TB/s of GPU memory bandwidth.",
    "Paris is the capital of France.",
    "The A100 80GB has 2.0 TB/s of GPU memory bandwidth.",
]
QUERY = "What is the GPU memory bandwidth of H100 SXM?"
EMBED_MODEL, RERANK_MODEL = "nvidia/nv-embedqa-e5-v5", "nvidia/llama-nemotron-rerank-1b-v2"


@pytest.mark.vcr
def test_embed(vcr: Any, vcr_cassette_dir: str) -> None:
    client = EmbeddingsClient("nim", EMBED_MODEL)
    result = client.embed(PASSAGES, input_type="passage")
    answer = documented_answer(vcr_cassette_dir, "test_embed")
    assert [item["index"] for item in answer["data"]] == [2, 1, 0], "the answer lists them out of order"
    assert result.vectors == by_index(answer)
    assert [len(vector) for vector in result.vectors] == [1024] * 3
    assert result.tokens is not None
    assert result.tokens.input == answer["usage"]["prompt_tokens"]


@pytest.mark.vcr
def test_embed_query(vcr: Any) -> None:
    (vector,) = EmbeddingsClient("nim", EMBED_MODEL).embed([QUERY], input_type="query").vectors
    assert len(vector) == 1024


@pytest.mark.vcr
def test_embed_batched(vcr: Any, vcr_cassette_dir: str) -> None:
    texts = [f"Passage number {n}." for n in range(53)]
    result = EmbeddingsClient("nim", EMBED_MODEL).embed(texts, input_type="passage")
    first, second = (documented_answer(vcr_cassette_dir, "test_embed_batched", n) for n in (0, 1))
    assert result.vectors == by_index(first) + by_index(second), "two requests (50 + 3), in the texts' order"
    assert result.tokens is not None
    assert result.tokens.input == first["usage"]["prompt_tokens"] + second["usage"]["prompt_tokens"]
    assert vcr.all_played


@pytest.mark.vcr
def test_embed_too_long(vcr: Any) -> None:
    # Within our estimate's margin, so it is sent; the provider's 400 becomes a typed error, not retried.
    with pytest.raises(BadRequestError, match=r"\[nim\] HTTP 400: Bad Request: Input length 602 exceeds .* 512"):
        EmbeddingsClient("nim", EMBED_MODEL).embed(["word " * 400], input_type="passage")
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_rerank(vcr: Any) -> None:
    client = RerankClient("nim", RERANK_MODEL)
    result = client.rank(QUERY, PASSAGES, top_n=2)
    assert result.ranking == [Ranked(0, 7.421875), Ranked(2, -1.1328125)], "best first, cut to top_n here"
    assert result.tokens is not None
    assert result.tokens.input == 51


async def test_async_rerank_matches_sync(vcr_cassette_dir: str) -> None:
    import vcr as vcrpy

    with vcrpy.use_cassette(
        f"{vcr_cassette_dir}/test_rerank.yaml", record_mode="none", match_on=["method", "uri", "body"]
    ):
        result = await RerankClient("nim", RERANK_MODEL).arank(QUERY, PASSAGES)
    assert [place.index for place in result.ranking] == [0, 2, 1]


@pytest.mark.vcr
def test_rerank_bad_key(vcr: Any) -> None:
    with pytest.raises(AuthenticationError, match=r"\[nim\] HTTP 403: Forbidden: Authorization failed.*NVIDIA_API_KEY"):
        RerankClient("nim", RERANK_MODEL).rank(QUERY, PASSAGES)
    assert vcr.play_count == 1
