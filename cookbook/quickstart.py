"""Quickstart: one script, a real model, no key needed.

With no provider key set, it starts the embedded local model (SmolLM2-135M-Instruct behind
llama.cpp's server on loopback) and shows, through LangChain's ``ChatLocal`` and LlamaIndex's
``Local``: a streamed answer printed token by token, an LCEL chain, a structured extraction into a
pydantic model and a forced tool call; then it stops the server. With ``NOVITA_API_KEY``,
``BAICHUAN_API_KEY`` or ``NVIDIA_API_KEY`` set, the same steps run against that provider.

    python cookbook/quickstart.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms import hostedllm as li
from pydantic import BaseModel, Field

from hostedllm.local import LocalServer
from langchain_hostedllm import BaseChatHosted, ChatBaichuan, ChatLocal, ChatNIM, ChatNovita

#: Provider key -> (LangChain class, LlamaIndex class, model), tried in this order.
PROVIDERS: list[tuple[str, type[BaseChatHosted], type[li.HostedLLMBase], str]] = [
    ("NOVITA_API_KEY", ChatNovita, li.Novita, "qwen/qwen-2.5-72b-instruct"),
    ("BAICHUAN_API_KEY", ChatBaichuan, li.Baichuan, "Baichuan4-Turbo"),
    ("NVIDIA_API_KEY", ChatNIM, li.NIM, "meta/llama-3.3-70b-instruct"),
]


class City(BaseModel):
    """A city and the country it is in."""

    city: str = Field(description="the city's name")
    country: str = Field(description="the country's name")


def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"Sunny and 22 °C in {city}."


@contextmanager
def models() -> Iterator[tuple[BaseChatHosted, li.HostedLLMBase]]:
    """A provider's models if its key is set, else the local model on a server started here."""
    for env, chat_cls, llama_cls, model in PROVIDERS:
        if os.environ.get(env):
            print(f"Using {model} ({env} is set).\n")
            yield chat_cls(model=model, max_tokens=200), llama_cls(model=model, max_tokens=200)
            return
    print("No provider key set: starting the local model (SmolLM2-135M-Instruct on llama.cpp) ...")
    with LocalServer() as server:
        print(f"Listening at {server.base_url}\n")
        settings: dict[str, Any] = {"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 60}
        yield ChatLocal(base_url=server.base_url, **settings), li.Local(api_base=server.base_url, **settings)
    print("\nLocal server stopped.")


def main() -> None:
    with models() as (chat, llm):
        print("1. A streamed answer, token by token (LangChain):")
        for chunk in chat.stream("In one sentence, why is the sky blue?"):
            print(chunk.text, end="", flush=True)

        print("\n\n2. An LCEL chain, prompt | model | parser:")
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
