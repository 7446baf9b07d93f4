"""UsageTracker / track_usage for LlamaIndex: instrumentation events to tokens and cost, over a scripted provider."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from hostedllm.catalog import default_catalog, estimate_cost
from llama_index.llms.hostedllm import NIM, Baichuan, HostedLLM, Local, Novita, UsageTotals, UsageTracker, track_usage

from ..scripted import ScriptedProvider, completion, text_stream

NOVITA = "qwen/qwen-2.5-72b-instruct"
HI = [ChatMessage(role=MessageRole.USER, content="Hi")]


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


def novita(provider: ScriptedProvider) -> Novita:
    return Novita(model=NOVITA, **provider.transports)


def test_chat_and_complete_on_several_providers(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    provider.json(completion(usage={"prompt_tokens": 7, "completion_tokens": 3}))
    with track_usage() as usage:
        novita(provider).chat(HI)
        novita(provider).complete("Hi")  # complete() goes through chat(): counted once
        Baichuan(model="Baichuan4", **provider.transports).complete("你好")
    assert set(usage.by_model) == {f"novita:{NOVITA}", "baichuan:Baichuan4"}
    nov = usage.by_provider["novita"]
    assert (nov.calls, nov.input_tokens, nov.output_tokens, nov.total_tokens) == (2, 20, 10, 30)
    assert nov.cost == {"USD": pytest.approx(2 * cost(f"novita:{NOVITA}"))}
    assert usage.by_provider["baichuan"].cost == {"CNY": pytest.approx(cost("baichuan:Baichuan4", 7, 3))}
    assert set(usage.total.cost) == {"USD", "CNY"}
    assert usage.report().splitlines()[-1].startswith("total: 3 calls, 27 in + 13 out tokens, ~")


def test_the_handler_leaves_the_dispatcher_with_the_block(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    llm = novita(provider)
    before = list(get_dispatcher().event_handlers)
    with track_usage() as usage:
        llm.complete("inside")
        assert usage in get_dispatcher().event_handlers
    llm.complete("after")
    assert get_dispatcher().event_handlers == before
    assert usage.total.calls == 1


def test_blocks_nest(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion())
    with track_usage() as outer:
        novita(provider).complete("outer")
        with track_usage() as inner:
            novita(provider).complete("inner")
    assert (outer.total.calls, inner.total.calls) == (2, 1)


def test_streams_count_their_last_response(provider: ScriptedProvider) -> None:
    provider.stream(text_stream("Hel", "lo")).stream(text_stream("a")).stream(text_stream("local", usage=False))
    with track_usage() as usage:
        assert [r.delta for r in novita(provider).stream_chat(HI)][-1] == ""
        assert "".join(r.delta or "" for r in novita(provider).stream_complete("Hi")) == "a"
        list(Local(model="smollm2-135m-instruct", **provider.transports).stream_chat(HI))
    nov = usage.by_provider["novita"]
    assert (nov.calls, nov.input_tokens, nov.output_tokens) == (2, 20, 10)
    local = usage.by_provider["local"]
    assert (local.calls, local.calls_without_usage) == (1, 1)
    assert "1 without usage" in str(local)


async def test_async_chat_complete_streams_and_a_gathered_batch(provider: ScriptedProvider) -> None:
    provider.json(completion()).json(completion()).stream(text_stream("x"))
    for _ in range(5):
        provider.json(completion())
    llm = novita(provider)
    with track_usage() as usage:
        await llm.achat(HI)
        await llm.acomplete("Hi")
        _ = [r async for r in await llm.astream_chat(HI)]
        await asyncio.gather(*(llm.acomplete(str(i)) for i in range(5)))
    totals = usage.total
    assert (totals.calls, totals.input_tokens, totals.output_tokens) == (8, 80, 40)
    assert totals.cost["USD"] == pytest.approx(8 * cost(f"novita:{NOVITA}"))


def test_calls_from_threads(provider: ScriptedProvider) -> None:
    for _ in range(24):
        provider.json(completion())
    llm = novita(provider)
    with track_usage() as usage, ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(llm.complete, [str(i) for i in range(24)]))
    assert usage.total.calls == 24
    assert usage.total.input_tokens == 240


def test_structured_predict(provider: ScriptedProvider) -> None:
    provider.json(completion('{"name": "Ada", "age": 36}'))
    with track_usage() as usage:
        found = novita(provider).structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ada is 36.")
    assert found == Person(name="Ada", age=36)
    assert usage.total.calls == 1


def test_provider_of_hosted_llm_comes_from_the_catalog(provider: ScriptedProvider) -> None:
    provider.json(completion())
    with track_usage() as usage:
        HostedLLM(model="novita:deepseek/deepseek-v3.2", **provider.transports).complete("Hi")
    assert set(usage.by_model) == {"novita:deepseek/deepseek-v3.2"}
    assert usage.total.cost["USD"] == pytest.approx(cost("novita:deepseek/deepseek-v3.2"))


def test_unpriced_model(provider: ScriptedProvider) -> None:
    provider.json(completion())
    with track_usage() as usage:
        NIM(model="meta/llama-3.3-70b-instruct", **provider.transports).complete("Hi")
    nim = usage.by_provider["nim"]
    assert (nim.input_tokens, nim.calls_without_price, nim.cost) == (10, 1, {})


def test_a_failed_call_is_not_counted(provider: ScriptedProvider) -> None:
    provider.json({"error": {"message": "bad"}}, status=400)
    with track_usage() as usage, pytest.raises(Exception, match="bad"):
        Novita(model=NOVITA, max_retries=0, **provider.transports).complete("Hi")
    assert usage.total.calls == 0
    assert not usage._runs


def test_a_tracker_for_the_whole_process(provider: ScriptedProvider) -> None:
    provider.json(completion())
    tracker = UsageTracker()
    root = get_dispatcher()
    root.add_event_handler(tracker)
    try:
        novita(provider).chat(HI)
    finally:
        root.event_handlers = [h for h in root.event_handlers if h is not tracker]
    assert tracker.total.calls == 1
    tracker.reset()
    assert tracker.total == UsageTotals()
