"""Every method of every provider class, and the classes inside LlamaIndex (RAG, an agent, token counting).

Replayed from SYNTHESIZED cassettes (tests/cassettes/synthesized/llamaindex/): the answers are the
scripted ones below, each in its provider's documented wire format (Baichuan's ``data:`` without a
space, ``finish_reason: ""`` and usage in the last chunk; NVIDIA's and Novita's usage chunk; a local
server's stream without usage); the requests are what our classes send, and replay matches on them.
Regenerate with `pytest tests/llamaindex/test_in_llamaindex.py --record-mode=rewrite` (nothing
leaves the process), then restore each file's first line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from llama_index.core import Document, MockEmbedding, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ThinkingBlock, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.tools import FunctionTool

from llama_index.llms.hostedllm import NIM, Baichuan, BaseHostedLLM, Local, Novita

from ..scripted import ScriptedProvider, chunk, completion, sse, tool_call, usage_chunk

CASSETTES = Path(__file__).parent.parent / "cassettes" / "synthesized" / "llamaindex"
MODELS: dict[str, tuple[type[BaseHostedLLM], str]] = {
    "baichuan": (Baichuan, "Baichuan4"),
    "nim": (NIM, "meta/llama-3.3-70b-instruct"),
    "novita": (Novita, "qwen/qwen-2.5-72b-instruct"),
    "local": (Local, "smollm2-135m-instruct"),
}
USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


def sent(vcr: Any) -> list[dict[str, Any]]:
    return [json.loads(request.body) for request in vcr.requests]


def stream_body(provider: str, pieces: list[str]) -> bytes:
    """A streamed answer in ``provider``'s documented format."""
    if provider == "baichuan":
        events = [chunk({"role": "assistant", "content": p}, "") for p in pieces[:-1]]
        last = chunk({"role": "assistant", "content": pieces[-1]}, "stop")
        last["usage"] = USAGE
        body = "".join(f"data:{json.dumps(e, ensure_ascii=False)}\n\n" for e in [*events, last])
        return (body + "data: [DONE]\n\n").encode()
    events = [chunk({"role": "assistant", "content": ""})] + [chunk({"content": p}) for p in pieces]
    events.append(chunk({}, "stop"))
    if provider in ("nim", "novita"):
        events.append(usage_chunk(USAGE["prompt_tokens"], USAGE["completion_tokens"]))
    return sse(events)


def llm_for(provider: str, scripted: ScriptedProvider, **kwargs: Any) -> BaseHostedLLM:
    cls, model = MODELS[provider]
    return cls(model=model, **scripted.transports, **kwargs)


def hello(provider: str, streaming: bool) -> ScriptedProvider:
    scripted = ScriptedProvider()
    if streaming:
        return scripted.stream(stream_body(provider, ["Hel", "lo"]))
    return scripted.json(completion("Hello", usage=USAGE))


@pytest.mark.vcr
@pytest.mark.parametrize("provider", list(MODELS))
class TestEveryMethod:
    MESSAGES: ClassVar[list[ChatMessage]] = [ChatMessage(role=MessageRole.USER, content="Say hello")]

    def test_chat(self, provider: str, vcr: Any) -> None:
        response = llm_for(provider, hello(provider, False)).chat(self.MESSAGES)
        assert response.message.content == "Hello"
        assert response.raw is not None
        assert response.raw["usage"] == USAGE
        assert response.additional_kwargs["prompt_tokens"] == 12
        assert sent(vcr)[0]["messages"] == [{"role": "user", "content": "Say hello"}]

    async def test_achat(self, provider: str, vcr: Any) -> None:
        response = await llm_for(provider, hello(provider, False)).achat(self.MESSAGES)
        assert response.message.content == "Hello"

    def test_complete(self, provider: str, vcr: Any) -> None:
        response = llm_for(provider, hello(provider, False)).complete("Say hello")
        assert response.text == "Hello"
        assert sent(vcr)[0]["messages"] == [{"role": "user", "content": "Say hello"}], "never the legacy endpoint"

    async def test_acomplete(self, provider: str, vcr: Any) -> None:
        assert (await llm_for(provider, hello(provider, False)).acomplete("Say hello")).text == "Hello"

    def test_stream_chat(self, provider: str, vcr: Any) -> None:
        chunks = list(llm_for(provider, hello(provider, True)).stream_chat(self.MESSAGES))
        deltas = [c.delta for c in chunks if c.delta]
        assert deltas == ["Hel", "lo"], "delta holds the new text"
        assert chunks[-1].message.content == "Hello", "message holds the cumulative text"
        assert chunks[-1].additional_kwargs.get("finish_reason") == "stop"
        if provider == "local":
            assert "prompt_tokens" not in chunks[-1].additional_kwargs, "a local server reports no usage"
        else:
            assert chunks[-1].raw is not None
            assert chunks[-1].raw["usage"] == USAGE, "the last chunk carries the usage"
            assert chunks[-1].additional_kwargs["completion_tokens"] == 3
        assert ("stream_options" in sent(vcr)[0]) is (provider in ("nim", "novita"))

    async def test_astream_chat(self, provider: str, vcr: Any) -> None:
        gen = await llm_for(provider, hello(provider, True)).astream_chat(self.MESSAGES)
        chunks = [c async for c in gen]
        assert chunks[-1].message.content == "Hello"

    def test_stream_complete(self, provider: str, vcr: Any) -> None:
        chunks = list(llm_for(provider, hello(provider, True)).stream_complete("Say hello"))
        assert "".join(c.delta or "" for c in chunks) == "Hello"
        assert chunks[-1].text == "Hello"

    async def test_astream_complete(self, provider: str, vcr: Any) -> None:
        gen = await llm_for(provider, hello(provider, True)).astream_complete("Say hello")
        assert [c async for c in gen][-1].text == "Hello"


@pytest.mark.vcr
def test_reasoning_becomes_a_thinking_block(vcr: Any) -> None:
    answer = completion("42", usage=USAGE)
    answer["choices"][0]["message"]["reasoning_content"] = "6 times 7"
    scripted = (
        ScriptedProvider()
        .json(answer)
        .stream(
            sse(
                [
                    chunk({"role": "assistant", "content": "<think>add"}),
                    chunk({"content": "</think>4"}),
                    chunk({}, "stop"),
                    usage_chunk(),
                ]
            )
        )
    )
    llm = Novita(model="deepseek/deepseek-v3.2", **scripted.transports)
    message = llm.chat([ChatMessage(role=MessageRole.USER, content="6*7?")]).message
    assert [b.content for b in message.blocks if isinstance(b, ThinkingBlock)] == ["6 times 7"]
    last = list(llm.stream_chat([ChatMessage(role=MessageRole.USER, content="2+2?")]))[-1]
    assert last.message.content == "4"
    assert [b.content for b in last.message.blocks if isinstance(b, ThinkingBlock)] == ["add"]


@pytest.mark.vcr
def test_streamed_tool_calls_are_assembled(vcr: Any) -> None:
    scripted = ScriptedProvider().stream(
        sse(
            [
                chunk(
                    {
                        "role": "assistant",
                        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "add", "arguments": ""}}],
                    }
                ),
                chunk({"tool_calls": [{"function": {"arguments": '{"a": 1, '}}]}),
                chunk({"tool_calls": [{"function": {"arguments": '"b": 2}'}}]}),
                chunk({}, "tool_calls"),
                usage_chunk(),
            ]
        )
    )
    llm = NIM(model="meta/llama-3.3-70b-instruct", **scripted.transports)
    tool = FunctionTool.from_defaults(fn=lambda a, b: a + b, name="add", description="Add two integers.")
    last = list(llm.stream_chat_with_tools([tool], user_msg="add 1 and 2"))[-1]
    (block,) = [b for b in last.message.blocks if isinstance(b, ToolCallBlock)]
    assert (block.tool_call_id, block.tool_name) == ("c1", "add")
    assert [(c.tool_name, c.tool_kwargs) for c in llm.get_tool_calls_from_response(last)] == [("add", {"a": 1, "b": 2})]


@pytest.mark.vcr
def test_token_counting_handler_counts_streams_and_non_streams(vcr: Any) -> None:
    counter = TokenCountingHandler()
    scripted = ScriptedProvider().json(completion("Hello", usage=USAGE)).stream(stream_body("novita", ["Hi"]))
    llm = llm_for("novita", scripted, callback_manager=CallbackManager([counter]))
    llm.chat([ChatMessage(role=MessageRole.USER, content="Say hello")])
    list(llm.stream_chat([ChatMessage(role=MessageRole.USER, content="Say hi")]))
    assert counter.prompt_llm_token_count == 24
    assert counter.completion_llm_token_count == 6
    assert len(counter.llm_token_counts) == 2


@pytest.mark.vcr
def test_instrumentation_events_fire(vcr: Any) -> None:
    seen: list[str] = []

    class Collect(BaseEventHandler):
        def handle(self, event: BaseEvent, **kwargs: Any) -> None:
            seen.append(event.class_name())

    handler = Collect()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    try:
        list(llm_for("nim", hello("nim", True)).stream_chat([ChatMessage(role=MessageRole.USER, content="Say hello")]))
    finally:
        dispatcher.event_handlers.remove(handler)
    assert seen[0] == "LLMChatStartEvent"
    assert "LLMChatInProgressEvent" in seen
    assert seen[-1] == "LLMChatEndEvent"


@pytest.mark.vcr
def test_rag_query_engine(vcr: Any) -> None:
    scripted = ScriptedProvider().json(completion("Mount Everest is 8,849 metres high.", usage=USAGE))
    index = VectorStoreIndex.from_documents(
        [Document(text="Mount Everest is 8,849 metres high.")], embed_model=MockEmbedding(embed_dim=8)
    )
    engine = index.as_query_engine(llm=llm_for("baichuan", scripted), similarity_top_k=1)
    answer = engine.query("How high is Mount Everest?")
    assert str(answer) == "Mount Everest is 8,849 metres high."
    prompt = json.dumps(sent(vcr)[0]["messages"], ensure_ascii=False)
    assert "Mount Everest is 8,849 metres high." in prompt, "the retrieved node reached the model"
    assert "How high is Mount Everest?" in prompt


@pytest.mark.vcr
async def test_function_agent_tool_round_trip(vcr: Any) -> None:
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    scripted = (
        ScriptedProvider()
        .stream(
            sse(
                [
                    chunk(
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [{"index": 0, **tool_call("get_weather", '{"city": "Paris"}')}],
                        }
                    ),
                    chunk({}, "tool_calls"),
                    usage_chunk(),
                ]
            )
        )
        .stream(stream_body("novita", ["It is sunny ", "in Paris."]))
    )
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(fn=get_weather)], llm=llm_for("novita", scripted))
    result = await agent.run(user_msg="Weather in Paris?")
    assert str(result) == "It is sunny in Paris."
    second = sent(vcr)[1]["messages"]
    assert second[-1] == {"role": "tool", "content": "sunny in Paris", "tool_call_id": "call_1"}
    assert second[-2]["tool_calls"][0]["function"]["name"] == "get_weather"
