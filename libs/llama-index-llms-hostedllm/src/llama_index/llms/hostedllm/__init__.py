"""LlamaIndex LLMs for Baichuan, the NVIDIA API catalog, Novita AI and local OpenAI-compatible servers.

>>> from llama_index.llms.hostedllm import Baichuan
>>> Baichuan(model="Baichuan4", api_key="sk-test").metadata.context_window
32768
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostedllm.lazy import lazy_exports

if TYPE_CHECKING:
    from hostedllm.errors import ToolChoiceWarning
    from hostedllm.usage import UsageTotals
    from llama_index.llms.hostedllm.base import BaseHostedLLM, HostedLLMBase
    from llama_index.llms.hostedllm.embeddings import (
        BaichuanEmbedding,
        BaseHostedEmbedding,
        HostedEmbedding,
        LocalEmbedding,
        NIMEmbedding,
        NovitaEmbedding,
    )
    from llama_index.llms.hostedllm.providers import NIM, Baichuan, HostedLLM, Local, Novita
    from llama_index.llms.hostedllm.rerank import BaseHostedRerank, HostedRerank, NIMRerank, NovitaRerank
    from llama_index.llms.hostedllm.usage import UsageTracker, track_usage

# Imported on first use, so the package's pytest plugin (llama_index.llms.hostedllm.testing) costs nothing.
_EXPORTS = {
    "NIM": "llama_index.llms.hostedllm.providers",
    "Baichuan": "llama_index.llms.hostedllm.providers",
    "HostedLLM": "llama_index.llms.hostedllm.providers",
    "BaseHostedLLM": "llama_index.llms.hostedllm.base",
    "HostedLLMBase": "llama_index.llms.hostedllm.base",
    "Local": "llama_index.llms.hostedllm.providers",
    "Novita": "llama_index.llms.hostedllm.providers",
    "BaichuanEmbedding": "llama_index.llms.hostedllm.embeddings",
    "BaseHostedEmbedding": "llama_index.llms.hostedllm.embeddings",
    "HostedEmbedding": "llama_index.llms.hostedllm.embeddings",
    "LocalEmbedding": "llama_index.llms.hostedllm.embeddings",
    "NIMEmbedding": "llama_index.llms.hostedllm.embeddings",
    "NovitaEmbedding": "llama_index.llms.hostedllm.embeddings",
    "BaseHostedRerank": "llama_index.llms.hostedllm.rerank",
    "HostedRerank": "llama_index.llms.hostedllm.rerank",
    "NIMRerank": "llama_index.llms.hostedllm.rerank",
    "NovitaRerank": "llama_index.llms.hostedllm.rerank",
    "ToolChoiceWarning": "hostedllm.errors",
    "UsageTotals": "hostedllm.usage",
    "UsageTracker": "llama_index.llms.hostedllm.usage",
    "track_usage": "llama_index.llms.hostedllm.usage",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "NIM",
    "Baichuan",
    "BaichuanEmbedding",
    "BaseHostedEmbedding",
    "BaseHostedLLM",
    "BaseHostedRerank",
    "HostedEmbedding",
    "HostedLLM",
    "HostedLLMBase",
    "HostedRerank",
    "Local",
    "LocalEmbedding",
    "NIMEmbedding",
    "NIMRerank",
    "Novita",
    "NovitaEmbedding",
    "NovitaRerank",
    "ToolChoiceWarning",
    "UsageTotals",
    "UsageTracker",
    "track_usage",
]
