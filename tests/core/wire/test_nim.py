"""The NVIDIA API catalog's seed models, replayed from documented cassettes."""

from __future__ import annotations

from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.catalog import ModelStatusWarning
from hostedllm.errors import AuthenticationError, ModelNotFoundError, ModelRetiredError

from .helpers import joined_text, usage_chunks

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
