"""LlamaIndex LLMs for Baichuan, the NVIDIA API catalog, Novita AI and local OpenAI-compatible servers.

>>> from llama_index.llms.hostedllm import Baichuan
>>> Baichuan(model="Baichuan4", api_key="sk-test").metadata.context_window
32768
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hostedllm.errors import ToolChoiceWarning
    from hostedllm.usage import UsageTotals
    from llama_index.llms.hostedllm.base import HostedLLMBase
    from llama_index.llms.hostedllm.providers import NIM, Baichuan, HostedLLM, Local, Novita
    from llama_index.llms.hostedllm.usage import UsageTracker, track_usage

# Imported on first use, so the package's pytest plugin (llama_index.llms.hostedllm.testing) costs nothing.
_EXPORTS = {
    "NIM": "llama_index.llms.hostedllm.providers",
    "Baichuan": "llama_index.llms.hostedllm.providers",
    "HostedLLM": "llama_index.llms.hostedllm.providers",
    "HostedLLMBase": "llama_index.llms.hostedllm.base",
    "Local": "llama_index.llms.hostedllm.providers",
    "Novita": "llama_index.llms.hostedllm.providers",
    "ToolChoiceWarning": "hostedllm.errors",
    "UsageTotals": "hostedllm.usage",
    "UsageTracker": "llama_index.llms.hostedllm.usage",
    "track_usage": "llama_index.llms.hostedllm.usage",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'llama_index.llms.hostedllm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "NIM",
    "Baichuan",
    "HostedLLM",
    "HostedLLMBase",
    "Local",
    "Novita",
    "ToolChoiceWarning",
    "UsageTotals",
    "UsageTracker",
    "track_usage",
]
