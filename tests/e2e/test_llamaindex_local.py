"""LlamaIndex's Local against the real local model server."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from hostedllm.errors import ContextLengthExceededError
from hostedllm.local import LocalServer
from llama_index.llms.hostedllm import Local

HELLO = [ChatMessage(role=MessageRole.USER, content="Say hello.")]


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@pytest.fixture
def llm(local_server: LocalServer) -> Local:
    return Local(model="smollm2-135m-instruct", api_base=local_server.base_url, temperature=0, max_tokens=24)


def test_chat_and_complete(llm: Local) -> None:
    response = llm.chat(HELLO)
    assert response.message.content
    assert response.additional_kwargs["prompt_tokens"] > 0
    assert llm.complete("Name a colour.").text


async def test_achat_and_acomplete(llm: Local) -> None:
    assert (await llm.achat(HELLO)).message.content
    assert (await llm.acomplete("Name a colour.")).text


def test_stream_chat(llm: Local) -> None:
    chunks = list(llm.stream_chat(HELLO))
    assert len(chunks) > 2
    assert chunks[-1].message.content == "".join(c.delta or "" for c in chunks)


async def test_astream_complete(llm: Local) -> None:
    gen = await llm.astream_complete("Say hello.")
    chunks = [c async for c in gen]
    assert chunks[-1].text


def test_structured_predict(llm: Local) -> None:
    person = llm.structured_predict(Person, PromptTemplate("Give the name and age as JSON: {text}"), text="Ann is 30")
    assert isinstance(person, Person)


def test_required_tool_call(llm: Local) -> None:
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    tool = FunctionTool.from_defaults(fn=get_weather)
    response = llm.chat_with_tools([tool], user_msg="What is the weather in Paris?", tool_required=True)
    (call,) = llm.get_tool_calls_from_response(response)
    assert call.tool_name == "get_weather"
    assert isinstance(call.tool_kwargs.get("city"), str)


def test_the_server_serves_the_context_the_metadata_reports(llm: Local) -> None:
    """A prompt the metadata says fits is answered; one over the window is our typed error, not a crash."""
    window = llm.metadata.context_window
    assert window == 8192, "the catalog's window, which the server runs with"
    assert llm.complete("word " * (window // 2), max_tokens=4).raw["choices"]
    with pytest.raises(ContextLengthExceededError):
        llm.complete("word " * (window + 100))
