"""The core embeddings call: request shape per provider, batching in order, async concurrency, usage,
bad input refused before sending, typed errors (framework-free, over httpx.MockTransport)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hostedllm.embeddings import EmbeddingsClient
from hostedllm.errors import (
    AuthenticationError,
    MalformedResponseError,
    RequestValidationError,
    UnsupportedParameterError,
)
from hostedllm.testing import FakeEmbeddings
from hostedllm.transport import RetryPolicy

NIM_MODEL = "nvidia/nv-embedqa-e5-v5"
BAICHUAN_MODEL = "Baichuan-Text-Embedding"


class EmbeddingServer(FakeEmbeddings):
    """The public fake, with the request paths and a client factory."""

    def __init__(self, *scripted: httpx.Response) -> None:
        super().__init__(queued=list(scripted))

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return self.requests

    @property
    def paths(self) -> list[str]:
        return [request.url.path for request in self.sent]

    def client(self, provider: str, model: str, **kwargs: Any) -> EmbeddingsClient:
        return EmbeddingsClient(provider, model, api_key="test-key", **self.client_transports, **kwargs)


def texts(count: int) -> list[str]:
    return [f"text number {i}" + "!" * i for i in range(count)]


class TestRequest:
    def test_nim_sends_input_type_truncate_and_dimensions(self) -> None:
        server = EmbeddingServer()
        client = server.client("nim", "nvidia/llama-nemotron-embed-1b-v2", truncate="END", dimensions=384)
        client.embed(["What is RAG?"], input_type="query")
        assert server.bodies == [
            {
                "model": "nvidia/llama-nemotron-embed-1b-v2",
                "input": ["What is RAG?"],
                "input_type": "query",
                "truncate": "END",
                "dimensions": 384,
            }
        ]
        assert server.paths == ["/v1/embeddings"]

    def test_baichuan_takes_no_input_type(self) -> None:
        server = EmbeddingServer()
        server.client("baichuan", BAICHUAN_MODEL).embed(["百川"], input_type="passage")
        assert server.bodies == [{"model": BAICHUAN_MODEL, "input": ["百川"]}]
        assert server.paths == ["/v1/embeddings"]

    def test_novita_path_is_under_its_openai_base(self) -> None:
        server = EmbeddingServer()
        server.client("novita", "baai/bge-m3").embed(["hello"])
        assert server.paths == ["/v3/openai/embeddings"]


class TestBatching:
    def test_baichuan_splits_by_16_and_keeps_order(self) -> None:
        server = EmbeddingServer()
        given = texts(40)
        result = server.client("baichuan", BAICHUAN_MODEL).embed(given)
        assert [len(body["input"]) for body in server.bodies] == [16, 16, 8]
        assert [vector[0] for vector in result.vectors] == [float(len(text)) for text in given]
        assert result.tokens is not None
        assert (result.tokens.input, result.tokens.total) == (80, 80)

    def test_batch_size_is_bounded_by_the_provider(self) -> None:
        with pytest.raises(RequestValidationError, match="from 1 to 16"):
            EmbeddingServer().client("baichuan", BAICHUAN_MODEL, batch_size=17)

    async def test_async_batches_in_order_with_bounded_concurrency(self) -> None:
        server = EmbeddingServer()
        given = texts(23)
        client = server.client("nim", NIM_MODEL, batch_size=2, max_concurrency=3)
        result = await client.aembed(given, input_type="passage")
        assert len(server.bodies) == 12
        assert all(body["input_type"] == "passage" for body in server.bodies)
        assert [vector[0] for vector in result.vectors] == [float(len(text)) for text in given]
        assert server.most_in_flight == 3

    def test_an_empty_list_sends_nothing(self) -> None:
        server = EmbeddingServer()
        assert server.client("nim", NIM_MODEL).embed([]).vectors == []
        assert server.bodies == []


class TestBadInput:
    @pytest.mark.parametrize(
        ("given", "fragment"),
        [
            ("just one string", "single string"),
            (["fine", ""], r"texts\[1\] is empty"),
            (["fine", "   "], r"texts\[1\] is empty"),
            (["fine", 5], r"texts\[1\] is a int"),
        ],
    )
    def test_texts(self, given: Any, fragment: str) -> None:
        server = EmbeddingServer()
        with pytest.raises(RequestValidationError, match=fragment):
            server.client("nim", NIM_MODEL).embed(given)
        assert server.bodies == []

    def test_a_text_clearly_over_the_window_names_the_input_and_the_excess(self) -> None:
        server = EmbeddingServer()
        long_text = "word " * 2_000  # about 2,000 tokens, the window is 512
        with pytest.raises(RequestValidationError, match=r"texts\[1\] is about 2,\d{3} tokens, over .* 512 by about"):
            server.client("baichuan", BAICHUAN_MODEL).embed(["short", long_text])
        assert server.bodies == []
        with pytest.raises(RequestValidationError, match="truncate='END'"):
            server.client("nim", NIM_MODEL).embed([long_text])
        server.client("nim", NIM_MODEL, truncate="END").embed([long_text])
        assert len(server.bodies) == 1

    def test_parameters_the_provider_does_not_take(self) -> None:
        with pytest.raises(UnsupportedParameterError, match="does not take dimensions"):
            EmbeddingServer().client("baichuan", BAICHUAN_MODEL, dimensions=256)
        with pytest.raises(UnsupportedParameterError, match="does not take truncate"):
            EmbeddingServer().client("novita", "baai/bge-m3", truncate="END")
        with pytest.raises(RequestValidationError, match="'NONE', 'START', 'END'"):
            EmbeddingServer().client("nim", NIM_MODEL, truncate="MIDDLE")
        with pytest.raises(RequestValidationError, match="input_type='question'"):
            EmbeddingServer().client("nim", NIM_MODEL).embed(["hi"], input_type="question")  # type: ignore[arg-type]

    def test_dimensions_beyond_the_models_vectors(self) -> None:
        with pytest.raises(RequestValidationError, match="more than nvidia/nv-embedqa-e5-v5 returns"):
            EmbeddingServer().client("nim", NIM_MODEL, dimensions=4096)

    def test_a_chat_model_is_refused_and_an_unlisted_id_is_an_embedding_model(self) -> None:
        with pytest.raises(RequestValidationError, match="is a chat model, not an embedding model"):
            EmbeddingServer().client("nim", "meta/llama-3.3-70b-instruct")
        client = EmbeddingServer().client("nim", "someone/new-embedder", allow_unknown_model=True)
        assert (client.model.kind, client.model.context_window) == ("embedding", None)

    def test_a_provider_without_embeddings(self) -> None:
        with pytest.raises(RequestValidationError, match="no embeddings endpoint"):
            EmbeddingsClient("theturbo", "Baichuan4", api_key="test")


class TestAnswers:
    @pytest.mark.parametrize(
        ("answer", "fragment"),
        [
            ({"data": []}, "0 vectors for 1 texts"),
            ({"object": "list"}, "no vectors for 1 texts"),
            ({"data": [{"index": 3, "embedding": [0.1]}]}, r"data\[0\].index"),
            ({"data": [{"index": 0, "embedding": ["x"]}]}, r"data\[0\].embedding is not a list of numbers"),
            ({"data": [{"index": 0, "embedding": None}]}, r"data\[0\].embedding"),
        ],
    )
    def test_malformed(self, answer: dict[str, Any], fragment: str) -> None:
        server = EmbeddingServer(httpx.Response(200, json=answer))
        with pytest.raises(MalformedResponseError, match=fragment):
            server.client("nim", NIM_MODEL).embed(["hi"])

    def test_errors_are_typed_and_retries_are_the_one_layer(self) -> None:
        server = EmbeddingServer(
            httpx.Response(401, json={"status": 401, "title": "Unauthorized", "detail": "Authentication failed"})
        )
        with pytest.raises(AuthenticationError, match=r"\[nim\] HTTP 401"):
            server.client("nim", NIM_MODEL).embed(["hi"])
        server = EmbeddingServer(httpx.Response(503, json={"error": {"message": "busy"}}))
        fast = RetryPolicy(max_retries=2, initial_backoff=0.001, jitter=0)
        assert server.client("nim", NIM_MODEL, retry_policy=fast).embed(["hi"]).vectors == [[2.0, 0.0, 1.0]]
        assert len(server.bodies) == 2

    def test_local_vectors_are_scaled_to_unit_length_and_provider_vectors_kept(self) -> None:
        # llama.cpp's server skips the model's Normalize step (the local spec's quirk); providers' are as sent.
        answer = {"data": [{"index": 0, "embedding": [3.0, 4.0]}, {"index": 1, "embedding": [0.0, 0.0]}]}
        local = EmbeddingServer(httpx.Response(200, json=answer)).client("local", "all-minilm-l6-v2")
        assert local.embed(["a", "b"]).vectors == [[0.6, 0.8], [0.0, 0.0]]
        nim = EmbeddingServer(httpx.Response(200, json=answer)).client("nim", NIM_MODEL)
        assert nim.embed(["a", "b"]).vectors == [[3.0, 4.0], [0.0, 0.0]]

    def test_the_key_is_sent_only_as_a_bearer_header(self) -> None:
        server = EmbeddingServer()
        EmbeddingsClient("nim", NIM_MODEL, api_key="nvapi-secret", **server.client_transports).embed(["hi"])
        assert server.sent[0].headers["authorization"] == "Bearer nvapi-secret"
        assert "nvapi-secret" not in server.sent[0].content.decode()


def test_usage_and_cost_at_the_catalog_price() -> None:
    server = EmbeddingServer()
    client = server.client("novita", "qwen/qwen3-embedding-0.6b")
    result = client.embed(texts(3))
    assert result.tokens is not None
    assert (result.tokens.input, result.tokens.output, result.tokens.total) == (6, None, 6)
    cost = client.estimate_cost(result.tokens)
    price = client.model.price
    assert cost is not None
    assert price is not None
    assert price.input is not None
    assert cost.total == pytest.approx(6 * price.input / 1_000_000)
