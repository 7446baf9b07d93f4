"""Our chat models inside LangChain: an LCEL chain, batch, a RAG chain and a tool-calling agent.

Replayed from SYNTHESIZED cassettes (tests/cassettes/synthesized/langchain/): the answers are the
scripted ones below, in the providers' documented format; the requests are what our classes send.
Regenerate with `pytest tests/langchain/test_in_langchain.py --record-mode=rewrite` (the scripted
provider answers; nothing leaves the process). Assertions read the requests from the cassette,
which replay matches on method, URL and JSON body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_hostedllm import ChatBaichuan, ChatNovita

from ..scripted import ScriptedProvider, completion, tool_call

CASSETTES = Path(__file__).parent.parent / "cassettes" / "synthesized" / "langchain"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


def sent(vcr: Any) -> list[dict[str, Any]]:
    """The request bodies of this test (replay guarantees the live ones matched them)."""
    return [json.loads(request.body) for request in vcr.requests]


PROMPT = ChatPromptTemplate.from_messages([("system", "Answer in one word."), ("user", "{question}")])


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.mark.vcr
def test_lcel_chain(vcr: Any) -> None:
    provider = ScriptedProvider().json(completion("Paris"))
    chain = PROMPT | ChatNovita(model="qwen/qwen-2.5-72b-instruct", **provider.transports) | StrOutputParser()
    assert chain.invoke({"question": "Capital of France?"}) == "Paris"
    assert sent(vcr)[0]["messages"] == [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Capital of France?"},
    ]


@pytest.mark.vcr
def test_batch_with_max_concurrency(vcr: Any) -> None:
    provider = ScriptedProvider()
    for _ in range(5):
        provider.json(completion("ok"))
    chain = PROMPT | ChatNovita(model="qwen/qwen-2.5-72b-instruct", **provider.transports) | StrOutputParser()
    questions = [{"question": f"q{i}"} for i in range(5)]
    assert chain.batch(questions, config={"max_concurrency": 2}) == ["ok"] * 5
    assert sorted(r["messages"][1]["content"] for r in sent(vcr)) == [f"q{i}" for i in range(5)]


@pytest.mark.vcr
def test_rag_chain(vcr: Any) -> None:
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=64))
    store.add_documents(
        [
            Document("Mount Everest is 8,849 metres high."),
            Document("The Nile is about 6,650 km long."),
        ]
    )
    retriever = store.as_retriever(search_kwargs={"k": 1})
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from the context.\n\nContext: {context}"), ("user", "{question}")]
    )

    def join(docs: list[Document]) -> str:
        return "\n".join(doc.page_content for doc in docs)

    provider = ScriptedProvider().json(completion("8,849 metres."))
    chain: Any = (
        {"context": retriever | join, "question": RunnablePassthrough()}
        | prompt
        | ChatBaichuan(model="Baichuan4", **provider.transports)
        | StrOutputParser()
    )
    assert chain.invoke("Mount Everest is 8,849 metres high.") == "8,849 metres."
    system = sent(vcr)[0]["messages"][0]["content"]
    assert "Mount Everest is 8,849 metres high." in system, "the retrieved document reached the model"


@pytest.mark.vcr
def test_agent_tool_round_trip(vcr: Any) -> None:
    provider = (
        ScriptedProvider()
        .json(completion(None, finish_reason="tool_calls", tool_calls=[tool_call("get_weather", '{"city": "Paris"}')]))
        .json(completion("It is sunny in Paris."))
    )
    agent = create_agent(ChatNovita(model="qwen/qwen-2.5-72b-instruct", **provider.transports), tools=[get_weather])
    state = agent.invoke({"messages": [{"role": "user", "content": "Weather in Paris?"}]})
    messages = state["messages"]
    assert isinstance(messages[-1], AIMessage)
    assert messages[-1].content == "It is sunny in Paris."
    tool_result = next(m for m in messages if isinstance(m, ToolMessage))
    assert tool_result.content == "sunny in Paris"
    requests = sent(vcr)
    second = requests[1]["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool"]
    assert second[2] == {"role": "tool", "content": "sunny in Paris", "tool_call_id": "call_1"}
    assert requests[0]["tools"][0]["function"]["name"] == "get_weather"
