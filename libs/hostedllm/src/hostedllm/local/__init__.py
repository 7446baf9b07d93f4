"""The embedded default: real small models served on loopback by llama-cpp-python."""

from hostedllm.local.embedding_model import EMBEDDING_MODEL_ID, EmbeddingModelError, embedding_model_path
from hostedllm.local.server import MODEL_ID, LocalServer, LocalServerError, default_model_path

__all__ = [
    "EMBEDDING_MODEL_ID",
    "MODEL_ID",
    "EmbeddingModelError",
    "LocalServer",
    "LocalServerError",
    "default_model_path",
    "embedding_model_path",
]
