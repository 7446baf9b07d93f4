"""LangChain chat models for Baichuan, the NVIDIA API catalog, Novita AI and local servers.

>>> from langchain_hostedllm import ChatBaichuan
>>> ChatBaichuan(model="Baichuan4", api_key="sk-test").profile["max_input_tokens"]
32768
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostedllm.lazy import lazy_exports

if TYPE_CHECKING:
    from hostedllm.usage import UsageTotals
    from langchain_hostedllm.callbacks import UsageTracker, track_usage
    from langchain_hostedllm.chat_models import (
        BaseChatHosted,
        ChatBaichuan,
        ChatHosted,
        ChatLocal,
        ChatNIM,
        ChatNovita,
    )
    from langchain_hostedllm.embeddings import (
        BaichuanEmbeddings,
        BaseHostedEmbeddings,
        HostedEmbeddings,
        LocalEmbeddings,
        NIMEmbeddings,
        NovitaEmbeddings,
    )
    from langchain_hostedllm.llms import Hosted, HostedLLM
    from langchain_hostedllm.rerank import BaseHostedRerank, HostedRerank, NIMRerank, NovitaRerank

# Imported on first use, so the package's pytest plugin (langchain_hostedllm.testing) costs nothing.
_EXPORTS = {
    "BaseChatHosted": "langchain_hostedllm.chat_models",
    "ChatBaichuan": "langchain_hostedllm.chat_models",
    "ChatHosted": "langchain_hostedllm.chat_models",
    "ChatLocal": "langchain_hostedllm.chat_models",
    "ChatNIM": "langchain_hostedllm.chat_models",
    "ChatNovita": "langchain_hostedllm.chat_models",
    "BaichuanEmbeddings": "langchain_hostedllm.embeddings",
    "BaseHostedEmbeddings": "langchain_hostedllm.embeddings",
    "HostedEmbeddings": "langchain_hostedllm.embeddings",
    "LocalEmbeddings": "langchain_hostedllm.embeddings",
    "NIMEmbeddings": "langchain_hostedllm.embeddings",
    "NovitaEmbeddings": "langchain_hostedllm.embeddings",
    "BaseHostedRerank": "langchain_hostedllm.rerank",
    "HostedRerank": "langchain_hostedllm.rerank",
    "NIMRerank": "langchain_hostedllm.rerank",
    "NovitaRerank": "langchain_hostedllm.rerank",
    "Hosted": "langchain_hostedllm.llms",
    "HostedLLM": "langchain_hostedllm.llms",
    "UsageTotals": "hostedllm.usage",
    "UsageTracker": "langchain_hostedllm.callbacks",
    "track_usage": "langchain_hostedllm.callbacks",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "BaichuanEmbeddings",
    "BaseChatHosted",
    "BaseHostedEmbeddings",
    "BaseHostedRerank",
    "ChatBaichuan",
    "ChatHosted",
    "ChatLocal",
    "ChatNIM",
    "ChatNovita",
    "Hosted",
    "HostedEmbeddings",
    "HostedLLM",
    "HostedRerank",
    "LocalEmbeddings",
    "NIMEmbeddings",
    "NIMRerank",
    "NovitaEmbeddings",
    "NovitaRerank",
    "UsageTotals",
    "UsageTracker",
    "track_usage",
]
