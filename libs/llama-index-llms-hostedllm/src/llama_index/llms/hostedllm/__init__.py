"""LlamaIndex LLMs for Baichuan, the NVIDIA API catalog, Novita AI and local OpenAI-compatible servers.

>>> from llama_index.llms.hostedllm import Baichuan
>>> Baichuan(model="Baichuan4", api_key="sk-test").metadata.context_window
32768
"""

from hostedllm.errors import ToolChoiceWarning
from hostedllm.usage import UsageTotals
from llama_index.llms.hostedllm.base import NIM, Baichuan, HostedLLM, HostedLLMBase, Local, Novita
from llama_index.llms.hostedllm.usage import UsageTracker, track_usage

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
