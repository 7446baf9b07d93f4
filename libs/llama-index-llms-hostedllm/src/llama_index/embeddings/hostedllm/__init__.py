"""hostedllm's LlamaIndex embeddings where LlamaIndex users look for them (``llama_index.embeddings.<name>``).

The classes live in :mod:`llama_index.llms.hostedllm.embeddings`; this is the same objects.

>>> from llama_index.embeddings.hostedllm import NIMEmbedding
>>> NIMEmbedding(model_name="nvidia/nv-embedqa-e5-v5", api_key="test").embed_batch_size
50
"""

from llama_index.llms.hostedllm.embeddings import (
    BaichuanEmbedding,
    BaseHostedEmbedding,
    HostedEmbedding,
    LocalEmbedding,
    NIMEmbedding,
    NovitaEmbedding,
)

__all__ = [
    "BaichuanEmbedding",
    "BaseHostedEmbedding",
    "HostedEmbedding",
    "LocalEmbedding",
    "NIMEmbedding",
    "NovitaEmbedding",
]
