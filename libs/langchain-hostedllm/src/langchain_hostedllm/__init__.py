"""LangChain chat models for Baichuan, the NVIDIA API catalog, Novita AI and local servers.

>>> from langchain_hostedllm import ChatBaichuan
>>> ChatBaichuan(model="Baichuan4", api_key="sk-test").profile["max_input_tokens"]
32768
"""

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
from langchain_hostedllm.llms import Hosted, HostedLLM

__all__ = [
    "BaseChatHosted",
    "ChatBaichuan",
    "ChatHosted",
    "ChatLocal",
    "ChatNIM",
    "ChatNovita",
    "Hosted",
    "HostedLLM",
    "UsageTotals",
    "UsageTracker",
    "track_usage",
]
