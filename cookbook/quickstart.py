"""Quickstart: one script, a real model, no key needed.

Shows, through LangChain (``ChatLocal``, ``ChatNovita``, ...) and LlamaIndex (``Local``, ...): a
streamed answer printed token by token, then its usage and estimated cost; an LCEL chain; a
structured extraction into a pydantic model; a forced tool call; and a LlamaIndex stream.

Switch provider with the one ``MODEL`` line below. ``"auto"`` (the default) takes the first
provider whose key is set (``NOVITA_API_KEY``, ``BAICHUAN_API_KEY``, ``NVIDIA_API_KEY``), else the
embedded local model (SmolLM2-135M-Instruct behind llama.cpp's server on loopback, started and
stopped here). Nothing is replayed: every answer is generated live, locally or by the provider.

    python cookbook/quickstart.py

The other recipes reuse :func:`connect` from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms import hostedllm as li
from pydantic import BaseModel, Field

from hostedllm.catalog import default_catalog, estimate_cost
from hostedllm.local import LocalServer
from langchain_hostedllm import BaseChatHosted, ChatBaichuan, ChatHosted, ChatLocal, ChatNIM, ChatNovita

# Switch provider by editing this one line: "auto", or any catalog model as "provider:model", e.g.
# "novita:qwen/qwen-2.5-72b-instruct", "baichuan:Baichuan4-Turbo", "nim:meta/llama-3.3-70b-instruct",
# "local:smollm2-135m-instruct" (`hostedllm models` lists them all).
MODEL = "auto"

#: What "auto" picks, in order: the first whose key is set, else the local model.
AUTO = [
    ("NOVITA_API_KEY", "novita:qwen/qwen-2.5-72b-instruct"),
    ("BAICHUAN_API_KEY", "baichuan:Baichuan4-Turbo"),
    ("NVIDIA_API_KEY", "nim:meta/llama-3.3-70b-instruct"),
]
LOCAL = "local:smollm2-135m-instruct"


#: Each provider's own classes (typed fields for its parameters); any other provider gets ChatHosted/HostedLLM.
CLASSES: dict[str, tuple[type[BaseChatHosted], type[li.BaseHostedLLM]]] = {
    "baichuan": (ChatBaichuan, li.Baichuan),
    "nim": (ChatNIM, li.NIM),
    "novita": (ChatNovita, li.Novita),
    "local": (ChatLocal, li.Local),
}


@dataclass(frozen=True)
class Connection:
    """One catalog model, reachable now: makes LangChain and LlamaIndex models for it."""

    model: str
    """``provider:model``."""
    base_url: str | None = None
    """Where the local server listens; ``None`` for a provider's own URL."""

    @property
    def provider(self) -> str:
        return self.model.partition(":")[0]

    def chat(self, **settings: Any) -> BaseChatHosted:
        """A LangChain chat model for this model (``ChatNovita``, ``ChatLocal``, ...)."""
        provider, _, model = self.model.partition(":")
        if provider not in CLASSES:
            return ChatHosted(model=self.model, base_url=self.base_url, **settings)
        return CLASSES[provider][0](model=model, base_url=self.base_url, **settings)

    def llm(self, **settings: Any) -> li.BaseHostedLLM:
        """A LlamaIndex LLM for this model (``Novita``, ``Local``, ...)."""
        provider, _, model = self.model.partition(":")
        if provider not in CLASSES:
            return li.HostedLLM(model=self.model, api_base=self.base_url, **settings)
        return CLASSES[provider][1](model=model, api_base=self.base_url, **settings)


@contextmanager
def connect(model: str = "auto") -> Iterator[Connection]:
    """``model`` ready to call; for the local model, a server started here and stopped on exit."""
    if model == "auto":
        model = next((name for env, name in AUTO if os.environ.get(env)), LOCAL)
    entry = default_catalog().get(model)
    if entry.provider != "local":
        print(f"Using {entry.key} (live, {entry.provider}).\n")
        yield Connection(entry.key)
        return
    print("No provider key set: starting the local model (SmolLM2-135M-Instruct on llama.cpp) ...")
    with LocalServer() as server:
        print(f"Listening at {server.base_url}\n")
        yield Connection(entry.key, server.base_url)
    print("\nLocal server stopped.")


class City(BaseModel):
    """A city and the country it is in."""

    city: str = Field(description="the city's name")
    country: str = Field(description="the country's name")


def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"Sunny and 22 °C in {city}."


def usage_line(message: AIMessageChunk | None, chat: BaseChatHosted) -> str:
    """The usage of a streamed answer (on its last chunk) and its estimated cost."""
    usage = message.usage_metadata if message is not None else None
    if not usage:
        return "Usage: none in this stream (llama.cpp's server reports usage only without streaming)."
    text = f"Usage: {usage['input_tokens']} input + {usage['output_tokens']} output tokens"
    cost = message.response_metadata.get("estimated_cost") if message is not None else None
    if cost is None:  # not from the response: ask the catalog (None where it has no price)
        found = estimate_cost(
            chat.catalog_entry, {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"]}
        )
        cost = {"total": found.total, "currency": found.currency} if found else None
    return text + (f"; estimated cost {cost['total']:.6f} {cost['currency']}" if cost else "; no catalog price")


def main() -> None:
    with connect(MODEL) as connection:
        chat = connection.chat(temperature=0, max_tokens=100)
        llm = connection.llm(temperature=0, max_tokens=100)

        print("1. A streamed answer, token by token (LangChain):")
        answer: AIMessageChunk | None = None
        for chunk in chat.stream("In one sentence, why is the sky blue?"):
            print(chunk.text, end="", flush=True)
            answer = chunk if answer is None else answer + chunk  # the last chunk brings the usage
        print("\n" + usage_line(answer, chat))

        print("\n2. An LCEL chain, prompt | model | parser:")
        prompt = ChatPromptTemplate.from_messages([("system", "Answer in a few words."), ("user", "{question}")])
        print((prompt | chat | StrOutputParser()).invoke({"question": "What is the capital of France?"}))

        print("\n3. Structured extraction into a pydantic model:")
        found = chat.with_structured_output(City).invoke("Extract the city and country: I live in Lyon, France.")
        print(repr(found))

        print("\n4. A tool call:")
        caps = chat.catalog_entry.capabilities
        choice = "get_weather" if "function" in caps.tool_choice else "auto"  # Baichuan cannot force a tool
        message = chat.bind_tools([get_weather], tool_choice=choice).invoke("What is the weather in Paris?")
        for call in message.tool_calls:
            print(f"{call['name']}({call['args']}) -> {get_weather(**call['args'])}")
        if not message.tool_calls:
            print(f"(no tool call; the model answered: {message.content})")

        print("\n5. The same model through LlamaIndex, streamed:")
        for response in llm.stream_chat([ChatMessage(role=MessageRole.USER, content="Name three rivers.")]):
            print(response.delta or "", end="", flush=True)
        print()


if __name__ == "__main__":
    main()
