"""Replays of REAL recordings of the local model server (tests/cassettes/recorded/local/).

Recorded from SmolLM2-135M-Instruct on llama-cpp-python 0.3.36 with `make record-local`, which
starts the server on a free port; the port is rewritten to 8080 in the cassettes, so replay needs
no server. These keep llama.cpp's real wire format (its stream without usage, its repeated
tool-call ids and names) in the fast tier.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from pydantic import BaseModel

from hostedllm.local import LocalServer
from langchain_hostedllm import ChatLocal
from llama_index.llms.hostedllm import Local

RECORDING = os.environ.get("HOSTEDLLM_RECORD_LOCAL") == "1"
REPLAY_URL = "http://127.0.0.1:8080/v1"
SETTINGS: dict[str, Any] = {"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 40}


class City(BaseModel):
    """A city and its country."""

    city: str
    country: str


def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(Path(__file__).parents[1] / "cassettes" / "recorded" / "local")


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    scrub = vcr_config["before_record_request"]

    def fixed_port(request: Any) -> Any:
        parts = urlsplit(request.uri)
        request.uri = urlunsplit(parts._replace(netloc="127.0.0.1:8080"))
        return scrub(request)

    return {**vcr_config, "before_record_request": fixed_port}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if not RECORDING:
        yield REPLAY_URL
        return
    with LocalServer() as server:
        yield server.base_url


@pytest.mark.vcr
def test_invoke(base_url: str) -> None:
    message = ChatLocal(base_url=base_url, **SETTINGS).invoke("What is the capital of France?")
    assert isinstance(message.content, str)
    assert message.content
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] > 0
    assert message.response_metadata["finish_reason"] in ("stop", "length")


@pytest.mark.vcr
def test_stream_has_no_usage(base_url: str) -> None:
    chunks = list(ChatLocal(base_url=base_url, **SETTINGS).stream("Say hello."))
    assert len(chunks) > 2
    assert all(chunk.usage_metadata is None for chunk in chunks), "llama.cpp sends no usage in streams"
    assert chunks[-1].chunk_position == "last"


@pytest.mark.vcr
def test_structured_output(base_url: str) -> None:
    found = (
        ChatLocal(base_url=base_url, **SETTINGS)
        .with_structured_output(City)
        .invoke("Extract the city and country: I live in Lyon, France.")
    )
    assert found == City(city="Lyon", country="France")


@pytest.mark.vcr
def test_streamed_forced_tool_call(base_url: str) -> None:
    chat = ChatLocal(base_url=base_url, **SETTINGS).bind_tools([get_weather], tool_choice="get_weather")
    chunks: Any = list(chat.stream("What is the weather in Paris?"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    (call,) = total.tool_calls
    assert call["name"] == "get_weather", "the id and name llama.cpp repeats in every delta are merged once"
    assert "Paris" in call["args"]["city"]


@pytest.mark.vcr
def test_llamaindex_stream(base_url: str) -> None:
    llm = Local(api_base=base_url, **SETTINGS)
    chunks = list(llm.stream_chat([ChatMessage(role=MessageRole.USER, content="Say hello.")]))
    assert chunks[-1].message.content == "".join(c.delta or "" for c in chunks)
