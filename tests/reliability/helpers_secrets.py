"""Helpers for the bad-input, secrets and fuzz suites: a request-counting transport, and one table of
the five providers' classes in both adapters (the loopback server is ``tests/loopback.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from langchain_hostedllm import ChatBaichuan, ChatHosted, ChatLocal, ChatNIM, ChatNovita
from llama_index.llms.hostedllm import NIM, Baichuan, Local, Novita
from llama_index.llms.hostedllm import HostedLLM as LIHostedLLM

from ..scripted import FakeProvider

PROVIDERS = ("baichuan", "nim", "novita", "local", "theturbo")


@dataclass(frozen=True)
class Target:
    """One provider model, reachable through the core client and both adapters."""

    provider: str
    model: str
    langchain: Callable[..., Any]
    llamaindex: Callable[..., Any]
    tools: bool = True

    def lc(self, **kwargs: Any) -> Any:
        return self.langchain(**{"model": self.model, **kwargs})

    def li(self, **kwargs: Any) -> Any:
        return self.llamaindex(**{"model": self.model, **kwargs})


TARGETS: dict[str, Target] = {
    "baichuan": Target("baichuan", "Baichuan4", ChatBaichuan, Baichuan),
    "nim": Target("nim", "meta/llama-3.3-70b-instruct", ChatNIM, NIM),
    "novita": Target("novita", "qwen/qwen-2.5-72b-instruct", ChatNovita, Novita),
    "local": Target("local", "smollm2-135m-instruct", ChatLocal, Local),
    "theturbo": Target(
        "theturbo",
        "Baichuan4",
        partial(ChatHosted, provider="theturbo"),
        partial(LIHostedLLM, provider="theturbo"),
        tools=False,
    ),
}


def sentinel() -> str:
    """A key that cannot occur by chance anywhere else."""
    return "sk-SENTINEL-" + uuid.uuid4().hex


class CountingTransport(FakeProvider):
    """The public fake provider, answering every request with a valid completion (or a valid stream,
    as asked), so a request that slips through shows up as a count, not as an error."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.answers:
            self.reply("Hi")
        return super().handle(request)

    @property
    def count(self) -> int:
        return len(self.sent)
