"""``thinking=`` in both frameworks: a field on every class and a per-call argument, sent as each model's
own knob by the core (tests/core/test_thinking.py), sync and async, invoke and stream; refused before
anything is sent where no switch is known."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from hostedllm.errors import RequestValidationError
from hostedllm.testing import FakeProvider
from langchain_hostedllm import ChatNIM, ChatNovita, Hosted
from llama_index.llms.hostedllm import NIM, Novita

KIMI = "moonshotai/kimi-k2.6"
HI = [ChatMessage(role="user", content="Hi")]


def sent(fake: FakeProvider) -> Any:
    return fake.last.get("chat_template_kwargs")


@pytest.mark.parametrize("way", ["invoke", "stream", "ainvoke", "astream"])
def test_langchain_field_and_per_call(way: str) -> None:
    fake = FakeProvider().reply("Hi").reply("Hi")
    chat = ChatNIM(model=KIMI, api_key="k", thinking=False, **fake.transports)

    def call(**kwargs: Any) -> None:
        if way == "invoke":
            chat.invoke("Hi", **kwargs)
        elif way == "stream":
            list(chat.stream("Hi", **kwargs))
        elif way == "ainvoke":
            asyncio.run(chat.ainvoke("Hi", **kwargs))
        else:

            async def drain() -> None:
                async for _ in chat.astream("Hi", **kwargs):
                    pass

            asyncio.run(drain())

    call()
    assert sent(fake) == {"thinking": False}
    call(thinking=True)  # per call, over the field
    assert sent(fake) == {"thinking": True}


def test_langchain_bind_and_the_string_llm() -> None:
    fake = FakeProvider().reply("Hi").reply("Hi")
    ChatNovita(model="zai-org/glm-4.5", api_key="k", **fake.transports).bind(thinking=False).invoke("Hi")
    assert fake.last["enable_thinking"] is False
    Hosted(model="novita:zai-org/glm-4.5", api_key="k", thinking=True, **fake.transports).invoke("Hi")
    assert fake.last["enable_thinking"] is True


@pytest.mark.parametrize("way", ["chat", "stream_chat", "achat", "astream_chat"])
def test_llamaindex_field_and_per_call(way: str) -> None:
    fake = FakeProvider().reply("Hi").reply("Hi")
    llm = NIM(model=KIMI, api_key="k", thinking=True, **fake.transports)

    def call(**kwargs: Any) -> None:
        if way == "chat":
            llm.chat(HI, **kwargs)
        elif way == "stream_chat":
            list(llm.stream_chat(HI, **kwargs))
        elif way == "achat":
            asyncio.run(llm.achat(HI, **kwargs))
        else:

            async def drain() -> None:
                async for _ in await llm.astream_chat(HI, **kwargs):
                    pass

            asyncio.run(drain())

    call()
    assert sent(fake) == {"thinking": True}
    call(thinking=False)
    assert sent(fake) == {"thinking": False}


def test_llamaindex_novita_and_complete() -> None:
    fake = FakeProvider().reply("Hi")
    Novita(model="zai-org/glm-4.5", api_key="k", thinking=False, **fake.transports).complete("Hi")
    assert fake.last["enable_thinking"] is False


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
def test_no_known_switch_is_refused_before_sending(framework: str) -> None:
    fake = FakeProvider()
    model = "deepseek-ai/deepseek-v3.2"
    call: Any = (
        (lambda: ChatNIM(model=model, api_key="k", thinking=True, **fake.transports).invoke("Hi"))
        if framework == "langchain"
        else (lambda: NIM(model=model, api_key="k", thinking=True, **fake.transports).chat(HI))
    )
    with pytest.raises(RequestValidationError, match=r"does not know how deepseek-ai/deepseek-v3\.2 on nim switches"):
        call()
    assert fake.requests == []


@pytest.mark.parametrize(("model", "kept"), [(KIMI, True), ("qwen/qwen3.5-397b-a17b", False)])
def test_langchain_history_carries_reasoning_to_the_models_that_need_it(model: str, kept: bool) -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    fake = (
        FakeProvider()
        .json(
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": "5.", "reasoning_content": "2+3"}}]}
        )
        .reply("9.")
    )
    chat = ChatNIM(model=model, api_key="k", **fake.transports)
    first = chat.invoke("Add 2 and 3.")
    assert first.additional_kwargs["reasoning_content"] == "2+3"
    chat.invoke([HumanMessage("Add 2 and 3."), first, HumanMessage("And 4?")])
    assert ("reasoning_content" in fake.last["messages"][1]) is kept
    if kept:
        assert fake.last["messages"][1]["reasoning_content"] == "2+3"
    v1 = AIMessage(content=[{"type": "reasoning", "reasoning": "think"}, {"type": "text", "text": "5."}])
    fake.reply("9.")
    chat.invoke([HumanMessage("Add 2 and 3."), v1, HumanMessage("And 4?")])
    assert fake.last["messages"][1].get("reasoning_content") == ("think" if kept else None)
    assert fake.last["messages"][1]["content"] == "5."


@pytest.mark.parametrize(("model", "kept"), [(KIMI, True), ("qwen/qwen3.5-397b-a17b", False)])
def test_llamaindex_history_carries_thinking_blocks_to_the_models_that_need_it(model: str, kept: bool) -> None:
    from llama_index.core.base.llms.types import TextBlock, ThinkingBlock

    fake = FakeProvider().reply("9.")
    answer = ChatMessage(role="assistant", blocks=[ThinkingBlock(content="2+3"), TextBlock(text="5.")])
    NIM(model=model, api_key="k", **fake.transports).chat([*HI, answer, ChatMessage(role="user", content="And 4?")])
    assert fake.last["messages"][1].get("reasoning_content") == ("2+3" if kept else None)
    assert fake.last["messages"][1]["content"] == "5."


REASONED = {
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "5.", "reasoning_content": "2+3"},
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 4,
        "total_tokens": 7,
        "completion_tokens_details": {"reasoning_tokens": 2},
    },
}
REASONED_STREAM = (
    b'data: {"choices":[{"index":0,"delta":{"reasoning_content":"2+3"}}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"5."},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


def test_langchain_v1_output_has_standard_reasoning_blocks_invoke_and_stream() -> None:
    fake = FakeProvider().json(REASONED).stream(REASONED_STREAM)
    chat = ChatNIM(model=KIMI, api_key="k", output_version="v1", **fake.transports)
    answer = chat.invoke("Hi")
    assert answer.content == [{"type": "reasoning", "reasoning": "2+3"}, {"type": "text", "text": "5."}]
    assert answer.usage_metadata is not None
    assert answer.usage_metadata.get("output_token_details") == {"reasoning": 2}
    chunks = list(chat.stream("Hi"))
    whole = chunks[0]
    for piece in chunks[1:]:
        whole += piece
    assert [(b["type"], b.get("reasoning") or b.get("text")) for b in whole.content_blocks] == [
        ("reasoning", "2+3"),
        ("text", "5."),
    ]


def test_llamaindex_thinking_blocks_and_deltas() -> None:
    from llama_index.core.base.llms.types import ThinkingBlock

    fake = FakeProvider().json(REASONED).stream(REASONED_STREAM)
    llm = NIM(model=KIMI, api_key="k", **fake.transports)
    answer = llm.chat(HI).message
    assert [b.content for b in answer.blocks if isinstance(b, ThinkingBlock)] == ["2+3"]
    assert answer.content == "5."
    responses = list(llm.stream_chat(HI))
    assert [
        r.additional_kwargs.get("thinking_delta") for r in responses if r.additional_kwargs.get("thinking_delta")
    ] == ["2+3"]
    assert [b.content for b in responses[-1].message.blocks if isinstance(b, ThinkingBlock)] == ["2+3"]


def test_an_effort_and_a_budget_in_both_frameworks_field_and_per_call() -> None:
    fake = FakeProvider().reply("Hi").reply("Hi").reply("Hi").reply("Hi")
    ChatNovita(model="openai/gpt-oss-120b", api_key="k", thinking="high", **fake.transports).invoke("Hi")
    assert fake.last["reasoning_effort"] == "high"
    Novita(model="openai/gpt-oss-120b", api_key="k", **fake.transports).chat(HI, thinking="low")
    assert fake.last["reasoning_effort"] == "low"
    ChatNIM(model="nvidia/nemotron-3-super-120b-a12b", api_key="k", **fake.transports).invoke("Hi", thinking=2048)
    assert fake.last["reasoning_budget"] == 2048
    NIM(model="nvidia/nemotron-3-super-120b-a12b", api_key="k", thinking=1024, **fake.transports).chat(HI)
    assert fake.last["reasoning_budget"] == 1024
    assert type(ChatNovita(model="openai/gpt-oss-120b", api_key="k", thinking=True).thinking) is bool
