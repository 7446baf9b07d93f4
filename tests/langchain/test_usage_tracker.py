"""UsageTracker / track_usage: tokens and estimated cost per provider and model, over a scripted provider."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from hostedllm.catalog import default_catalog, estimate_cost
from hostedllm.errors import BadRequestError
from langchain_hostedllm import (
    ChatBaichuan,
    ChatHosted,
    ChatLocal,
    ChatNIM,
    ChatNovita,
    HostedLLM,
    UsageTotals,
    UsageTracker,
    track_usage,
)

from ..scripted import ScriptedProvider, completion, text_stream

NOVITA = "qwen/qwen-2.5-72b-instruct"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def cost(key: str, prompt: int = 10, completion_tokens: int = 5) -> float:
    found = estimate_cost(default_catalog().get(key), {"prompt_tokens": prompt, "completion_tokens": completion_tokens})
    assert found is not None
    return found.total


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


def novita(provider: ScriptedProvider, **kwargs: Any) -> ChatNovita:
    return ChatNovita(model=NOVITA, **provider.transports, **kwargs)


def test_invoke_on_several_providers_per_provider_model_and_currency(provider: ScriptedProvider) -> None:
    provider.json(completion("a")).json(completion("b")).json(
        completion("c", usage={"prompt_tokens": 7, "completion_tokens": 3})
    )
    with track_usage() as usage:
        novita(provider).invoke("Hi")
        novita(provider).invoke("Hi again")
        ChatBaichuan(model="Baichuan4", **provider.transports).invoke("你好")
    assert set(usage.by_provider) == {"novita", "baichuan"}
    assert set(usage.by_model) == {f"novita:{NOVITA}", "baichuan:Baichuan4"}
    nov = usage.by_provider["novita"]
    assert (nov.calls, nov.input_tokens, nov.output_tokens, nov.total_tokens) == (2, 20, 10, 30)
    assert nov.cost == {"USD": pytest.approx(2 * cost(f"novita:{NOVITA}"))}
    assert usage.by_provider["baichuan"].cost == {"CNY": pytest.approx(cost("baichuan:Baichuan4", 7, 3))}
    total = usage.total
    assert (total.calls, total.input_tokens, total.output_tokens) == (3, 27, 13)
    assert set(total.cost) == {"USD", "CNY"}, "currencies are never added together"
    assert "novita:" in usage.report()
    assert usage.report().splitlines()[-1].startswith("total: 3 calls, 27 in + 13 out tokens, ~")


def test_only_calls_inside_the_block_are_counted(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion()).json(completion())
    chat = novita(provider)
    chat.invoke("before")
    with track_usage() as usage:
        chat.invoke("inside")
    chat.invoke("after")
    assert usage.total.calls == 1


def test_blocks_nest(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    chat = novita(provider)
    with track_usage() as outer:
        chat.invoke("outer")
        with track_usage() as inner:
            chat.invoke("inner")
    assert inner.total.calls == 1
    assert outer.total.calls == 2


def test_explicit_callback_in_config(provider: ScriptedProvider) -> None:
    provider.json(completion())
    tracker = UsageTracker()
    novita(provider).invoke("Hi", config={"callbacks": [tracker]})
    assert tracker.total.input_tokens == 10


def test_stream_usage_and_cost_come_from_the_last_chunk(provider: ScriptedProvider) -> None:
    provider.stream(text_stream("Hel", "lo"))
    with track_usage() as usage:
        assert "".join(chunk.text for chunk in novita(provider).stream("Hi")) == "Hello"
    totals = usage.by_model[f"novita:{NOVITA}"]
    assert (totals.calls, totals.input_tokens, totals.output_tokens) == (1, 10, 5)
    assert totals.cost == {"USD": pytest.approx(cost(f"novita:{NOVITA}"))}
    assert totals.calls_without_usage == 0


def test_streaming_invoke_and_a_stream_without_usage(provider: ScriptedProvider) -> None:
    provider.stream(text_stream("a", "b")).stream(text_stream("local", usage=False))
    with track_usage() as usage:
        novita(provider, streaming=True).invoke("Hi")
        list(ChatLocal(model="smollm2-135m-instruct", **provider.transports).stream("Hi"))
    assert usage.by_provider["novita"].input_tokens == 10
    local = usage.by_provider["local"]
    assert (local.calls, local.calls_without_usage, local.input_tokens) == (1, 1, 0)
    assert "1 without usage" in str(local)


async def test_async_invoke_stream_and_batch(provider: ScriptedProvider) -> None:
    provider.json(completion()).stream(text_stream("x"))
    for _ in range(4):
        provider.json(completion())
    chat = novita(provider)
    with track_usage() as usage:
        await chat.ainvoke("Hi")
        _ = [chunk async for chunk in chat.astream("Hi")]
        await chat.abatch(["a", "b", "c", "d"], config={"max_concurrency": 2})
    totals = usage.total
    assert (totals.calls, totals.input_tokens, totals.output_tokens) == (6, 60, 30)
    assert totals.cost["USD"] == pytest.approx(6 * cost(f"novita:{NOVITA}"))


async def test_concurrent_tasks_each_count(provider: ScriptedProvider) -> None:
    for _ in range(10):
        provider.json(completion())
    chat = novita(provider)
    with track_usage() as usage:
        await asyncio.gather(*(chat.ainvoke(str(i)) for i in range(10)))
    assert usage.total.calls == 10


def test_chain_batch_in_threads(provider: ScriptedProvider) -> None:
    for _ in range(30):
        provider.json(completion("ok"))

    prompt = ChatPromptTemplate.from_messages([("user", "Say {word}")])
    chain = prompt | novita(provider) | StrOutputParser()
    with track_usage() as usage:
        answers = chain.batch([{"word": str(i)} for i in range(30)], config={"max_concurrency": 8})
    assert answers == ["ok"] * 30
    totals = usage.total
    assert (totals.calls, totals.input_tokens, totals.output_tokens) == (30, 300, 150)


def test_structured_output_and_tools_are_model_calls_too(provider: ScriptedProvider) -> None:
    provider.json(completion('{"name": "Ada", "age": 36}'))
    with track_usage() as usage:
        found = novita(provider).with_structured_output(Person).invoke("Ada is 36.")
    assert found == Person(name="Ada", age=36)
    assert usage.total.calls == 1
    assert usage.total.input_tokens == 10


def test_unpriced_model_has_tokens_but_no_cost(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    with track_usage() as usage:
        ChatNIM(model="meta/llama-3.3-70b-instruct", **provider.transports).invoke("Hi")
        novita(provider).invoke("Hi")
    nim = usage.by_provider["nim"]  # our provider name, not LangSmith's "nvidia"
    assert (nim.input_tokens, nim.calls_without_price, nim.cost) == (10, 1, {})
    assert "no price" in str(nim)
    assert "1 unpriced" in str(usage.total)


def test_chat_hosted_and_per_call_model_override(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    chat = ChatHosted(model="novita:deepseek/deepseek-v3.2", **provider.transports)
    with track_usage() as usage:
        chat.invoke("Hi")
        novita(provider).invoke("Hi", model="deepseek/deepseek-v3.2")
    assert set(usage.by_model) == {"novita:deepseek/deepseek-v3.2"}
    assert usage.total.cost["USD"] == pytest.approx(2 * cost("novita:deepseek/deepseek-v3.2"))


def test_string_llm_is_counted_from_its_token_usage(provider: ScriptedProvider) -> None:
    """The string LLM has no usage_metadata; its ``llm_output["token_usage"]`` is read instead."""
    provider.json(completion("haiku"))
    with track_usage() as usage:
        HostedLLM(model="Baichuan4-Air", provider="baichuan", **provider.transports).invoke("Write a haiku.")
    assert set(usage.by_model) == {"baichuan:Baichuan4-Air"}
    assert usage.total.calls_without_usage == 0
    assert (usage.total.input_tokens, usage.total.output_tokens) == (10, 5)
    assert set(usage.total.cost) == {"CNY"}


def test_a_failed_call_is_not_counted(provider: ScriptedProvider) -> None:
    provider.json({"error": {"message": "bad"}}, status=400)
    tracker = UsageTracker()
    with pytest.raises(BadRequestError, match="bad"):
        novita(provider, max_retries=0).invoke("Hi", config={"callbacks": [tracker]})
    assert tracker.total.calls == 0
    assert not tracker._runs


def test_reset_and_totals_are_copies(provider: ScriptedProvider) -> None:
    provider.json(completion())
    tracker = UsageTracker()
    novita(provider).invoke("Hi", config={"callbacks": [tracker]})
    tracker.by_model[f"novita:{NOVITA}"].calls = 99
    assert tracker.total.calls == 1
    tracker.reset()
    assert tracker.total == UsageTotals()
