"""The embedded default: a real small model served on loopback by llama-cpp-python."""

from hostedllm.local.server import MODEL_ID, LocalServer, LocalServerError, default_model_path

__all__ = ["MODEL_ID", "LocalServer", "LocalServerError", "default_model_path"]
