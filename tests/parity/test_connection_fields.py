"""Every class of both frameworks (chat model or LLM, embeddings, reranker) takes the connection settings
under the same names and hands them to its core client unchanged: one ``Connection`` base per framework."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hostedllm.transport.ratelimit import RateLimit, RateLimiter

SETTINGS: dict[str, Any] = {
    "api_key": "nvapi-test",
    "base_url": "http://127.0.0.1:9/v1",
    "timeout": 5.0,
    "max_retries": 0,
    "default_headers": {"X-Team": "search"},
    "rate_limit": RateLimit(requests_per_minute=60),
    "allow_unknown_model": True,
}


RERANKER = "nim:nvidia/llama-nemotron-rerank-1b-v2"


def langchain_classes() -> dict[str, Callable[..., Any]]:
    from langchain_hostedllm import (
        ChatHosted,
        ChatNIM,
        Hosted,
        HostedEmbeddings,
        HostedRerank,
        NIMEmbeddings,
        NIMRerank,
    )

    return {
        "ChatNIM": lambda **kw: ChatNIM(model="meta/llama-3.3-70b-instruct", **kw).client(),
        "ChatHosted": lambda **kw: ChatHosted(model="nim:meta/llama-3.3-70b-instruct", **kw).client(),
        "Hosted": lambda **kw: Hosted(model="nim:meta/llama-3.3-70b-instruct", **kw).client(),
        "NIMEmbeddings": lambda **kw: NIMEmbeddings(model="nvidia/nv-embedqa-e5-v5", **kw).client,
        "HostedEmbeddings": lambda **kw: HostedEmbeddings(model="nim:nvidia/nv-embedqa-e5-v5", **kw).client,
        "NIMRerank (LangChain)": lambda **kw: NIMRerank(**kw).client,
        "HostedRerank (LangChain)": lambda **kw: HostedRerank(model=RERANKER, **kw).client,
    }  # fmt: skip


def llamaindex_classes() -> dict[str, Callable[..., Any]]:
    from llama_index.llms.hostedllm import NIM, HostedEmbedding, HostedLLM, HostedRerank, NIMEmbedding, NIMRerank

    return {
        "NIM": lambda **kw: NIM(model="meta/llama-3.3-70b-instruct", **kw).client,
        "HostedLLM": lambda **kw: HostedLLM(model="nim:meta/llama-3.3-70b-instruct", **kw).client,
        "NIMEmbedding": lambda **kw: NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", **kw).client,
        "HostedEmbedding": lambda **kw: HostedEmbedding(model_name="nim:nvidia/nv-embedqa-e5-v5", **kw).client,
        "NIMRerank (LlamaIndex)": lambda **kw: NIMRerank(**kw).client,
        "HostedRerank (LlamaIndex)": lambda **kw: HostedRerank(model=RERANKER, **kw).client,
    }  # fmt: skip


CLASSES = {**langchain_classes(), **llamaindex_classes()}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_the_same_settings_reach_the_core_client(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)
    client = CLASSES[name](**SETTINGS)
    assert client.api_key.get_secret_value() == "nvapi-test"
    assert client.base_url == "http://127.0.0.1:9/v1"
    assert client.timeouts.read == 5.0
    assert client.retry_policy.max_retries == 0
    assert isinstance(client._http.rate_limiter, RateLimiter)
    assert client._http.rate_limiter.limit == RateLimit(requests_per_minute=60)
    request = client._http._headers
    assert request["X-Team"] == "search"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_bad_setting_is_a_typed_error_naming_it(name: str) -> None:
    from hostedllm.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="is not an http"):
        CLASSES[name](**{**SETTINGS, "base_url": "ftp://127.0.0.1/v1"})
