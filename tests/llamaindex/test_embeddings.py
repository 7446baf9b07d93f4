"""The LlamaIndex embeddings classes: query/passage the same sync and async (NVIDIA's own class sends
``passage`` for sync queries), LlamaIndex's batching and the provider's, order kept, typed errors,
and a VectorStoreIndex built and queried through them (offline, a fake provider)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding

from hostedllm.errors import RequestValidationError, UnsupportedParameterError
from hostedllm.testing import FakeEmbeddings
from llama_index.llms.hostedllm import (
    BaichuanEmbedding,
    HostedEmbedding,
    LocalEmbedding,
    NIMEmbedding,
    NovitaEmbedding,
)

CLASSES: list[tuple[type[BaseEmbedding], str, str, int]] = [
    (BaichuanEmbedding, "Baichuan-Text-Embedding", "BAICHUAN_API_KEY", 16),
    (NIMEmbedding, "nvidia/nv-embedqa-e5-v5", "NVIDIA_API_KEY", 50),
    (NovitaEmbedding, "baai/bge-m3", "NOVITA_API_KEY", 64),
    (LocalEmbedding, "nomic-embed-text-v1.5", "HOSTEDLLM_LOCAL_API_KEY", 64),
    (HostedEmbedding, "novita:qwen/qwen3-embedding-0.6b", "NOVITA_API_KEY", 64),
]
IDS = [c[0].__name__ for c in CLASSES]


@pytest.mark.parametrize(("cls", "model", "env_var", "batch"), CLASSES, ids=IDS)
def test_every_class_embeds_sync_and_async_in_order(
    cls: type[BaseEmbedding], model: str, env_var: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_var, "env-key-for-test")
    fake = FakeEmbeddings()
    embedding: Any = cls(model_name=model, **fake.transports)
    assert embedding.api_key.get_secret_value() == "env-key-for-test"
    assert "env-key-for-test" not in repr(embedding)
    assert embedding.embed_batch_size == batch
    texts = [f"passage {i}" + "." * i for i in range(batch + 3)]
    vectors = embedding.get_text_embedding_batch(texts)
    lengths = [vector[0] / vector[2] for vector in vectors]  # the fake's [len, pos, 1], scaled by the local spec
    assert lengths == pytest.approx([len(text) for text in texts])
    assert [len(body["input"]) for body in fake.requests] == [batch, 3]
    query = asyncio.run(embedding.aget_query_embedding("what?"))
    assert query[0] / query[2] == pytest.approx(5.0)
    query = embedding.get_query_embedding("why?")
    assert query[0] / query[2] == pytest.approx(4.0)


def test_nim_query_and_passage_are_the_same_sync_and_async() -> None:
    fake = FakeEmbeddings()
    embedding = NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", api_key="k", **fake.transports)
    embedding.get_query_embedding("q")
    embedding.get_text_embedding("p")
    asyncio.run(embedding.aget_query_embedding("q"))
    asyncio.run(embedding.aget_text_embedding("p"))
    embedding.get_text_embedding_batch(["p1", "p2"])
    asyncio.run(embedding.aget_text_embedding_batch(["p1", "p2"]))
    assert [body["input_type"] for body in fake.requests] == [
        "query",
        "passage",
        "query",
        "passage",
        "passage",
        "passage",
    ]


def test_a_vector_index_retrieves_through_it() -> None:
    fake = FakeEmbeddings()
    embedding = NovitaEmbedding(model_name="baai/bge-m3", api_key="k", **fake.transports)
    documents = [Document(text="short"), Document(text="a much longer document about retrieval")]
    index = VectorStoreIndex.from_documents(documents, embed_model=embedding)
    nodes = index.as_retriever(similarity_top_k=1).retrieve("a query of about this size....")
    assert len(nodes) == 1
    assert any(body["input"] == ["a query of about this size...."] for body in fake.requests)


def test_bad_settings_are_our_typed_errors() -> None:
    with pytest.raises(UnsupportedParameterError, match="does not take dimensions"):
        BaichuanEmbedding(api_key="k", dimensions=256)
    with pytest.raises(RequestValidationError, match="is a chat model"):
        NIMEmbedding(model_name="meta/llama-3.3-70b-instruct", api_key="k")
    fake = FakeEmbeddings()
    embedding = NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", api_key="k", **fake.transports)
    with pytest.raises(RequestValidationError, match="is empty"):
        embedding.get_text_embedding("")
    assert fake.requests == []


def test_importable_where_llamaindex_users_look() -> None:
    from llama_index.embeddings import hostedllm as embeddings
    from llama_index.llms import hostedllm
    from llama_index.postprocessor import hostedllm_rerank

    for name in embeddings.__all__:
        assert getattr(embeddings, name) is getattr(hostedllm, name)
    for name in hostedllm_rerank.__all__:
        assert getattr(hostedllm_rerank, name) is getattr(hostedllm, name)
    assert embeddings.NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", api_key="k").embed_batch_size == 50


@pytest.mark.parametrize(("cls", "model", "env_var", "batch"), CLASSES, ids=IDS)
def test_the_basembedding_contract(
    cls: type[BaseEmbedding], model: str, env_var: str, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What LlamaIndex itself relies on: its events and callbacks, a serializable config, a class name."""
    from llama_index.core.callbacks import CallbackManager, CBEventType, LlamaDebugHandler
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

    seen: list[Any] = []

    class Collect(BaseEventHandler):
        def handle(self, event: Any, **kwargs: Any) -> None:
            seen.append(event)

    monkeypatch.setenv(env_var, "env-key-for-test")
    debug = LlamaDebugHandler()
    embedding: Any = cls(model_name=model, callback_manager=CallbackManager([debug]), **FakeEmbeddings().transports)
    handler = Collect()
    get_dispatcher().add_event_handler(handler)
    try:
        vectors = embedding.get_text_embedding_batch(["one", "two", "three"])
    finally:
        get_dispatcher().event_handlers.remove(handler)
    starts = [e for e in seen if isinstance(e, EmbeddingStartEvent)]
    ends = [e for e in seen if isinstance(e, EmbeddingEndEvent)]
    assert starts
    assert ends
    model_id = model.rsplit(":", 1)[-1]  # HostedEmbedding's "provider:model" becomes provider= and model_name=
    assert starts[0].model_dict["model_name"] == model_id
    assert "api_key" not in starts[0].model_dict, "the event carries the config, never the key"
    assert ends[-1].embeddings == vectors
    (pair,) = debug.get_event_pairs(CBEventType.EMBEDDING)
    assert pair[-1].payload is not None
    assert len(pair[-1].payload["embeddings"]) == 3
    config = embedding.to_dict()
    assert config["class_name"] == cls.class_name()
    assert config["model_name"] == model_id
    assert "env-key-for-test" not in embedding.to_json()
