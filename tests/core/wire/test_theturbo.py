"""Baichuan models through the Zenlayer gateway, replayed from documented cassettes."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.errors import AuthenticationError

from .helpers import joined_text

ASK = [{"role": "user", "content": "Hello, can you explain quantum mechanics to me?"}]
PARAMS = {"temperature": 0.7, "max_tokens": 1024}


@pytest.mark.vcr
@pytest.mark.parametrize(
    "model",
    [
        "Baichuan4",
        "Baichuan3-Turbo",
        "Baichuan3-Turbo-128k",
        "Baichuan2-Turbo",
        "Baichuan2-Turbo-192k",
        "Baichuan2-53B",
    ],
)
def test_invoke(model: str, vcr: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # still listed by the gateway: no status warning
        chat = ChatClient("theturbo", model)
    answer = chat.create(chat.build_request(ASK, params=PARAMS))
    assert answer["model"] == model
    assert answer["choices"][0]["message"]["content"].startswith("Quantum mechanics is a branch of physics")
    assert answer["usage"] == {"prompt_tokens": 10, "completion_tokens": 30, "total_tokens": 40}
    assert chat.estimate_cost(answer["usage"]) is None, "the gateway publishes no prices"
    assert vcr.play_count == 1


@pytest.mark.vcr
def test_stream(vcr: Any) -> None:
    chat = ChatClient("theturbo", "Baichuan4")
    chunks = list(chat.stream(chat.build_request(ASK, params=PARAMS, stream=True)))
    assert joined_text(chunks) == "Quantum mechanics is a branch of physics."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "stream_options" not in chat.build_request(ASK, stream=True), "usage in streams is not documented"


@pytest.mark.vcr
def test_bad_key(vcr: Any) -> None:
    chat = ChatClient("theturbo", "Baichuan4")
    with pytest.raises(AuthenticationError, match="THETURBO_API_KEY"):
        chat.create(chat.build_request(ASK, params=PARAMS))


def test_temperature_range_is_the_gateways() -> None:
    chat = ChatClient("theturbo", "Baichuan4")
    assert chat.build_request(ASK, params={"temperature": 1.5, "n": 2})["temperature"] == 1.5
