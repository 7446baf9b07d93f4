"""LangChain's ChatLocal against the real local model server."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from hostedllm.errors import ContextLengthExceededError
from hostedllm.local import LocalServer
from langchain_hostedllm import ChatLocal


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture
def chat(local_server: LocalServer) -> ChatLocal:
    return ChatLocal(model="smollm2-135m-instruct", base_url=local_server.base_url, temperature=0, max_tokens=24)


def test_invoke(chat: ChatLocal) -> None:
    message = chat.invoke("Name a colour.")
    assert isinstance(message.content, str)
    assert message.content
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] > 0
    assert message.response_metadata["model_name"] == "smollm2-135m-instruct"
    assert message.response_metadata["finish_reason"] in ("stop", "length")
    assert message.response_metadata["estimated_cost"]["total"] == 0


async def test_ainvoke(chat: ChatLocal) -> None:
    assert (await chat.ainvoke("Name a colour.")).content


def test_stream(chat: ChatLocal) -> None:
    chunks = list(chat.stream("Say hello."))
    assert len(chunks) > 2
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert isinstance(total, AIMessageChunk)
    assert total.content
    assert total.response_metadata["finish_reason"] in ("stop", "length")
    assert total.usage_metadata is None, "llama.cpp's server sends no usage in streams"


async def test_astream(chat: ChatLocal) -> None:
    text = "".join([chunk.text async for chunk in chat.astream("Say hello.")])
    assert text


def test_batch_with_concurrency(chat: ChatLocal) -> None:
    chain = ChatPromptTemplate.from_messages([("user", "Name a {thing}.")]) | chat | StrOutputParser()
    answers = chain.batch([{"thing": "fruit"}, {"thing": "colour"}, {"thing": "city"}], config={"max_concurrency": 2})
    assert len(answers) == 3
    assert all(isinstance(a, str) and a for a in answers)


def test_max_tokens_ends_with_length(chat: ChatLocal) -> None:
    message = chat.invoke("Write a long story about the sea.", max_tokens=5)
    assert message.response_metadata["finish_reason"] == "length"
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] == 5


def test_stop_reaches_the_server(chat: ChatLocal) -> None:
    message = chat.invoke("Count from 1 to 10, separated by commas.", stop=[","], max_tokens=40)
    assert "," not in message.content


def test_structured_output_through_the_schema_constrained_json_mode(chat: ChatLocal) -> None:
    person = chat.with_structured_output(Person).invoke("Ann is 30 years old. Give her name and age as JSON.")
    assert isinstance(person, Person)


def test_forced_tool_call_and_the_round_trip(chat: ChatLocal) -> None:
    tooled = chat.bind_tools([get_weather], tool_choice="get_weather")
    question = HumanMessage("What is the weather in Paris?")
    call_message = tooled.invoke([question])
    assert isinstance(call_message, AIMessage)
    (call,) = call_message.tool_calls
    assert call["name"] == "get_weather"
    assert isinstance(call["args"].get("city"), str)
    result = ToolMessage(get_weather(call["args"]["city"]), tool_call_id=call["id"])
    answer = chat.bind_tools([get_weather]).invoke([question, call_message, result])
    assert isinstance(answer.content, str)


def test_streamed_forced_tool_call(chat: ChatLocal) -> None:
    chunks: Any = list(chat.bind_tools([get_weather], tool_choice="get_weather").stream("Weather in Rome?"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert [c["name"] for c in total.tool_calls] == ["get_weather"], "the repeated name is sent once"


def test_the_server_serves_the_context_the_profile_reports(chat: ChatLocal) -> None:
    """A prompt the profile says fits is answered; one over the window is our typed error, not a crash."""
    window = chat.profile["max_input_tokens"]
    assert window == 8192, "the catalog's window, which the server runs with"
    fits = "word " * (window // 2)  # about 4,100 tokens: refused when the server ran with 2,048
    assert chat.invoke(fits, max_tokens=4).response_metadata["finish_reason"] in ("stop", "length")
    with pytest.raises(ContextLengthExceededError, match=r"\[local\] HTTP 400: .*maximum context length"):
        chat.invoke("word " * (window + 100))
