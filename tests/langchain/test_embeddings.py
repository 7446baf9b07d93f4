"""The LangChain embeddings classes: langchain-tests' standard suites for each, query/passage the same
sync and async, batching in order, input refused before sending, typed construction errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from hostedllm.errors import RequestValidationError, UnsupportedParameterError
from hostedllm.testing import FakeEmbeddings
from langchain_hostedllm import (
    BaichuanEmbeddings,
    HostedEmbeddings,
    LocalEmbeddings,
    NIMEmbeddings,
    NovitaEmbeddings,
)

#: (class, model, the provider's key variable)
CLASSES: list[tuple[type[Embeddings], str, str]] = [
    (BaichuanEmbeddings, "Baichuan-Text-Embedding", "BAICHUAN_API_KEY"),
    (NIMEmbeddings, "nvidia/nv-embedqa-e5-v5", "NVIDIA_API_KEY"),
    (NovitaEmbeddings, "baai/bge-m3", "NOVITA_API_KEY"),
    (LocalEmbeddings, "nomic-embed-text-v1.5", "HOSTEDLLM_LOCAL_API_KEY"),  # any id: a local server serves its own
    (HostedEmbeddings, "novita:qwen/qwen3-embedding-0.6b", "NOVITA_API_KEY"),
]


def _standard(kind: type, cls: type[Embeddings], model: str, env_var: str) -> type:
    class Standard(kind):  # type: ignore[misc, valid-type]
        @property
        def embeddings_class(self) -> type[Embeddings]:
            return cls

        @property
        def embedding_model_params(self) -> dict[str, Any]:
            # A fake provider answering in the documented wire format (no network).
            return {"model": model, "api_key": "test-key", **FakeEmbeddings().transports}

        @property
        def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
            return {env_var: "env-key-for-test"}, {"model": model}, {}

    Standard.__name__ = f"Test{kind.__name__.replace('Tests', '')}{cls.__name__}"
    return Standard


for _cls, _model, _env in CLASSES:
    for _kind in (EmbeddingsUnitTests, EmbeddingsIntegrationTests):
        _test = _standard(_kind, _cls, _model, _env)
        globals()[_test.__name__] = _test
del _test


@pytest.mark.parametrize(("cls", "model", "env_var"), CLASSES, ids=[c[0].__name__ for c in CLASSES])
def test_the_key_comes_from_the_providers_variable(
    cls: type[Embeddings], model: str, env_var: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_var, "env-key-for-test")
    embeddings: Any = cls(model=model)
    assert embeddings.api_key.get_secret_value() == "env-key-for-test"
    assert "env-key-for-test" not in repr(embeddings)


class TestQueryAndPassage:
    def test_nim_sends_query_and_passage_the_same_sync_and_async(self) -> None:
        fake = FakeEmbeddings()
        embeddings = NIMEmbeddings(model="nvidia/nv-embedqa-e5-v5", api_key="k", **fake.transports)
        embeddings.embed_query("What is RAG?")
        embeddings.embed_documents(["RAG retrieves passages."])
        asyncio.run(embeddings.aembed_query("What is RAG?"))
        asyncio.run(embeddings.aembed_documents(["RAG retrieves passages."]))
        assert [body["input_type"] for body in fake.requests] == ["query", "passage", "query", "passage"]

    def test_baichuan_has_no_input_type(self) -> None:
        fake = FakeEmbeddings()
        BaichuanEmbeddings(api_key="k", **fake.transports).embed_query("百川")
        assert fake.last == {"model": "Baichuan-Text-Embedding", "input": ["百川"]}


class TestBatching:
    def test_chunk_size_splits_in_order(self) -> None:
        fake = FakeEmbeddings()
        texts = [f"document {i}" + "." * i for i in range(7)]
        vectors = NovitaEmbeddings(model="baai/bge-m3", api_key="k", chunk_size=3, **fake.transports).embed_documents(
            texts
        )
        assert [len(body["input"]) for body in fake.requests] == [3, 3, 1]
        assert [vector[0] for vector in vectors] == [float(len(text)) for text in texts]

    def test_async_concurrency_is_bounded(self) -> None:
        fake = FakeEmbeddings()
        embeddings = NIMEmbeddings(
            model="nvidia/nv-embedqa-e5-v5", api_key="k", batch_size=1, max_concurrency=2, **fake.transports
        )
        vectors = asyncio.run(embeddings.aembed_documents([f"text {i}" for i in range(6)]))
        assert len(vectors) == 6
        assert fake.most_in_flight == 2


class TestBadInput:
    def test_a_single_string_is_refused_before_sending(self) -> None:
        fake = FakeEmbeddings()
        embeddings = NIMEmbeddings(model="nvidia/nv-embedqa-e5-v5", api_key="k", **fake.transports)
        with pytest.raises(RequestValidationError, match="single string"):
            embeddings.embed_documents("one document")  # type: ignore[arg-type]
        assert fake.requests == []

    def test_construction_errors_are_ours(self) -> None:
        with pytest.raises(UnsupportedParameterError, match="does not take dimensions"):
            BaichuanEmbeddings(api_key="k", dimensions=256)
        with pytest.raises(RequestValidationError, match="from 1 to 16"):
            BaichuanEmbeddings(api_key="k", chunk_size=32)
        with pytest.raises(RequestValidationError, match="is a chat model"):
            NIMEmbeddings(model="meta/llama-3.3-70b-instruct", api_key="k")
