"""The secrets suite for the embeddings and rerank classes: the same guarantees as for chat.

With a sentinel key (given as ``api_key=`` or through the provider's env var) it appears in no repr,
str, serialization, error message or traceback (also when the provider echoes it), and in no log
record; a malformed key or credentials in the base URL are refused at construction without showing
them; only the provider's own variable is read; plain http to a remote host is refused. Every class
of both frameworks and the two core clients, sync and async.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.documents import Document
from langchain_core.load import dumps
from llama_index.core.schema import NodeWithScore, TextNode
from llama_index.llms import hostedllm as li

import langchain_hostedllm as lc
from hostedllm import EmbeddingsClient
from hostedllm.errors import AuthenticationError, ConfigurationError, MalformedResponseError
from hostedllm.rerank import RerankClient

from .helpers_secrets import sentinel
from .test_secrets import assert_clean, assert_error_clean, echoing_transport

ENV = {"nim": "NVIDIA_API_KEY", "novita": "NOVITA_API_KEY", "baichuan": "BAICHUAN_API_KEY"}
EMBED = {"nim": "nvidia/nv-embedqa-e5-v5", "novita": "baai/bge-m3", "baichuan": "Baichuan-Text-Embedding"}
RERANK = {"nim": "nvidia/llama-nemotron-rerank-1b-v2", "novita": "baai/bge-reranker-v2-m3"}
TRANSPORTS = ("http_transport", "async_http_transport")


def lc_embeddings(provider: str, **kwargs: Any) -> Any:
    cls = {"nim": lc.NIMEmbeddings, "novita": lc.NovitaEmbeddings, "baichuan": lc.BaichuanEmbeddings}[provider]
    return cls(model=EMBED[provider], **kwargs)


def li_embedding(provider: str, **kwargs: Any) -> Any:
    cls = {"nim": li.NIMEmbedding, "novita": li.NovitaEmbedding, "baichuan": li.BaichuanEmbedding}[provider]
    base = kwargs.pop("base_url", None)
    return cls(model_name=EMBED[provider], **({"api_base": base} if base else {}), **kwargs)


def lc_rerank(provider: str, **kwargs: Any) -> Any:
    return {"nim": lc.NIMRerank, "novita": lc.NovitaRerank}[provider](model=RERANK[provider], **kwargs)


def li_rerank(provider: str, **kwargs: Any) -> Any:
    base = kwargs.pop("base_url", None)
    cls = {"nim": li.NIMRerank, "novita": li.NovitaRerank}[provider]
    return cls(model=RERANK[provider], **({"api_base": base} if base else {}), **kwargs)


def core_embeddings(provider: str, **kwargs: Any) -> Any:
    return EmbeddingsClient(provider, EMBED[provider], **_core_transports(kwargs))


def core_rerank(provider: str, **kwargs: Any) -> Any:
    return RerankClient(provider, RERANK[provider], **_core_transports(kwargs))


def _core_transports(kwargs: dict[str, Any]) -> dict[str, Any]:
    renamed = {"http_transport": "transport", "async_http_transport": "async_transport"}
    return {renamed.get(name, name): value for name, value in kwargs.items()}


#: (name, provider, builder, kind): every retrieval class and client.
CASES: list[tuple[str, str, Callable[..., Any], str]] = [
    *[(f"core-embeddings-{p}", p, core_embeddings, "embed") for p in EMBED],
    *[(f"langchain-embeddings-{p}", p, lc_embeddings, "embed") for p in EMBED],
    *[(f"llamaindex-embedding-{p}", p, li_embedding, "embed") for p in EMBED],
    *[(f"core-rerank-{p}", p, core_rerank, "rerank") for p in RERANK],
    *[(f"langchain-rerank-{p}", p, lc_rerank, "rerank") for p in RERANK],
    *[(f"llamaindex-rerank-{p}", p, li_rerank, "rerank") for p in RERANK],
]
IDS = [case[0] for case in CASES]


def echoing(secret: str, answer: Callable[[str], httpx.Response]) -> dict[str, Any]:
    """The chat suite's key-checking transports, under the adapters' argument names."""
    made = echoing_transport(answer)(secret)
    return {"http_transport": made["sync"], "async_http_transport": made["async"]}


def calls(instance: Any, kind: str) -> dict[str, Callable[[], Any]]:
    """Each way to call ``instance`` (sync and async) with one text or passage."""
    if isinstance(instance, EmbeddingsClient):
        return {"sync": lambda: instance.embed(["hi"]), "async": lambda: asyncio.run(instance.aembed(["hi"]))}
    if isinstance(instance, RerankClient):
        return {"sync": lambda: instance.rank("q", ["p"]), "async": lambda: asyncio.run(instance.arank("q", ["p"]))}
    if kind == "embed" and hasattr(instance, "embed_documents"):
        return {
            "sync": lambda: instance.embed_documents(["hi"]),
            "async": lambda: asyncio.run(instance.aembed_documents(["hi"])),
        }
    if kind == "embed":
        return {
            "sync": lambda: instance.get_text_embedding_batch(["hi"]),
            "async": lambda: asyncio.run(instance.aget_text_embedding_batch(["hi"])),
        }
    if hasattr(instance, "compress_documents"):
        documents = [Document(page_content="p")]
        return {
            "sync": lambda: instance.compress_documents(documents, "q"),
            "async": lambda: asyncio.run(instance.acompress_documents(documents, "q")),
        }
    nodes = [NodeWithScore(node=TextNode(text="p"))]
    return {
        "sync": lambda: instance.postprocess_nodes(nodes, query_str="q"),
        "async": lambda: asyncio.run(instance.apostprocess_nodes(nodes, query_str="q")),
    }


def construct(builder: Callable[..., Any], provider: str, **kwargs: Any) -> Any:
    """Build, and reach the client (which the adapters make at construction; this asserts it)."""
    instance = builder(provider, **kwargs)
    return instance.client if hasattr(instance, "client") else instance


@pytest.fixture
def secret() -> str:
    return sentinel()


def built(
    case: tuple[str, str, Callable[..., Any], str], secret: str, source: str, mp: pytest.MonkeyPatch, **kw: Any
) -> Any:
    _, provider, builder, _ = case
    if source == "env":
        mp.setenv(ENV[provider], secret)
        return builder(provider, **kw)
    return builder(provider, api_key=secret, **kw)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("source", ["argument", "env"])
def test_representations_and_serialization(
    case: tuple[str, str, Callable[..., Any], str], source: str, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = built(case, secret, source, monkeypatch)
    client = instance if isinstance(instance, (EmbeddingsClient, RerankClient)) else instance.client
    assert client.api_key is not None
    assert client.api_key.get_secret_value() == secret, "the sentinel really is the key in use"
    texts: list[object] = [repr(instance), str(instance), repr(client)]
    if hasattr(instance, "model_dump"):
        texts += [instance.model_dump(), instance.model_dump_json()]
    if hasattr(instance, "to_json") and case[0].startswith("langchain"):
        texts.append(dumps(instance))
    if hasattr(instance, "to_dict") and case[0].startswith("llamaindex"):
        texts += [instance.to_dict(), instance.to_json()]
    assert_clean(secret, *texts)


ANSWERS: dict[str, Callable[[str], httpx.Response]] = {
    "401-body": lambda s: httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {s}"}}),
    "401-text": lambda s: httpx.Response(401, text=f"<html><p>Bearer {s} rejected</p></html>"),
    "malformed-200": lambda s: httpx.Response(200, text=f"Unauthorized: Bearer {s}"),
    "200-wrong-shape": lambda s: httpx.Response(200, json={"detail": f"key {s} unknown"}),
}


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("answer", list(ANSWERS))
def test_errors_that_echo_the_key(
    case: tuple[str, str, Callable[..., Any], str], answer: str, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = built(case, secret, "argument", monkeypatch, **echoing(secret, ANSWERS[answer]), max_retries=0)
    for way, call in calls(instance, case[3]).items():
        with pytest.raises((AuthenticationError, MalformedResponseError)) as info:
            call()
        assert_error_clean(secret, info.value)
        assert "[" + case[1] + "]" in str(info.value), way


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_logs_stay_clean(
    case: tuple[str, str, Callable[..., Any], str], secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    answer = ANSWERS["401-body"]
    with caplog.at_level(logging.DEBUG):
        instance = built(case, secret, "argument", pytest.MonkeyPatch(), **echoing(secret, answer), max_retries=1)
        for call in calls(instance, case[3]).values():
            with pytest.raises(AuthenticationError):
                call()
    assert caplog.records, "something was logged, so the check means something"
    assert_clean(secret, *(record.getMessage() for record in caplog.records), *(str(r.args) for r in caplog.records))


BAD_KEYS = {"newline": "sk-abc\ndef", "space-padded": " sk-abc ", "non-latin-1": "sk-ключ", "nul": "sk-\x00abc"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("problem", list(BAD_KEYS))
def test_a_malformed_key_is_refused_at_construction(
    case: tuple[str, str, Callable[..., Any], str], problem: str
) -> None:
    key = BAD_KEYS[problem]
    _, provider, builder, _ = case
    with pytest.raises(ConfigurationError) as info:
        construct(builder, provider, api_key=key)
    assert key.strip() not in str(info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    "url",
    ["https://user:{secret}@example.com/v1", "http://{secret}@127.0.0.1:9/v1"],
)
def test_credentials_in_the_base_url_are_refused_and_not_shown(
    case: tuple[str, str, Callable[..., Any], str], url: str, secret: str
) -> None:
    _, provider, builder, _ = case
    with pytest.raises(ConfigurationError, match="carries a user name or password") as info:
        construct(builder, provider, api_key="k", base_url=url.format(secret=secret))
    assert_error_clean(secret, info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_only_the_providers_own_variable(
    case: tuple[str, str, Callable[..., Any], str], secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, provider, builder, _ = case
    for name in ("OPENAI_API_KEY", *(env for other, env in ENV.items() if other != provider)):
        monkeypatch.setenv(name, secret)
    monkeypatch.delenv(ENV[provider], raising=False)
    with pytest.raises(ConfigurationError, match=ENV[provider]) as info:
        construct(builder, provider)
    assert_error_clean(secret, info.value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_plain_http_to_a_remote_host_is_refused(case: tuple[str, str, Callable[..., Any], str]) -> None:
    _, provider, builder, _ = case
    with pytest.raises(ConfigurationError, match="plain http to a non-loopback host"):
        construct(builder, provider, api_key="k", base_url="http://example.com/v1")
