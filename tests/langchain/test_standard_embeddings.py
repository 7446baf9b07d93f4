"""langchain-tests' ``EmbeddingsIntegrationTests`` for each provider's embeddings class, over our real
transports, replayed from SYNTHESIZED cassettes (``tests/cassettes/synthesized/<provider>/Test*Embeddings*``).

The cassettes are written by ``tests/cassettes/documented/write_cassettes.py`` (``retrieval.py``) in each
provider's documented embeddings wire format, with scripted vectors; their request side is the body our
class sends (``input_type`` "query" for ``embed_query`` and "passage" for documents on NVIDIA), matched
on replay, so a change in what we send fails here. The same suite runs live on the local model in
``tests/e2e/test_embeddings_local.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_hostedllm import BaichuanEmbeddings, NIMEmbeddings, NovitaEmbeddings

SYNTHESIZED = Path(__file__).parent.parent / "cassettes" / "synthesized"


@pytest.fixture(scope="class")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(SYNTHESIZED / request.cls.provider)


@pytest.mark.vcr
class _Replayed(EmbeddingsIntegrationTests):
    provider: ClassVar[str]
    cls: ClassVar[type[Embeddings]]
    model_id: ClassVar[str]

    @property
    def embeddings_class(self) -> type[Embeddings]:
        return self.cls

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": self.model_id}


class TestNIMEmbeddingsReplayed(_Replayed):
    provider, cls, model_id = "nim", NIMEmbeddings, "nvidia/nv-embedqa-e5-v5"


class TestNovitaEmbeddingsReplayed(_Replayed):
    provider, cls, model_id = "novita", NovitaEmbeddings, "baai/bge-m3"


class TestBaichuanEmbeddingsReplayed(_Replayed):
    provider, cls, model_id = "baichuan", BaichuanEmbeddings, "Baichuan-Text-Embedding"
