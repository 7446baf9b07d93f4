"""Thinking and images in both frameworks, replayed from the documented cassettes
(tests/cassettes/documented/<provider>/test_thinking_*.yaml, test_vision_*.yaml; written by
``reasoning_vision.py`` there): each request must be the recorded body (the family's thinking knob, the
reasoning sent back in a tool conversation, the documented image part), and the documented answers must
come back in each framework's own forms.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vcr as vcrpy
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock, ThinkingBlock
from llama_index.core.tools import FunctionTool
from llama_index.llms import hostedllm as li

import langchain_hostedllm as lc

DOCUMENTED = Path(__file__).parent.parent / "cassettes" / "documented"
QUESTION = "Which is larger, 9.11 or 9.9?"
ANSWER = "9.9 is larger than 9.11."
REASONING = "Compare the tenths: 9.9 has 9 tenths, 9.11 has 1 tenth. So 9.9 is larger."
DESCRIBE = "Describe this image in one sentence."
DESCRIPTION = "A small solid red square."
WEB_IMAGE = "https://example.com/red-square.png"
KIMI, QWEN, NEMOTRON = "moonshotai/kimi-k2.6", "qwen/qwen3.5-397b-a17b", "nvidia/llama-3.3-nemotron-super-49b-v1"


def image_bytes() -> bytes:
    """The 2x2 PNG the vision cassettes carry inline (read back from one of them)."""
    recorded = _interactions("nim", "test_vision_inline_image")[0]
    url = json.loads(recorded["request"]["body"])["messages"][0]["content"][1]["image_url"]["url"]
    return base64.b64decode(url.split(",", 1)[1])


def _interactions(provider: str, name: str) -> list[dict[str, Any]]:
    import yaml

    return list(yaml.safe_load((DOCUMENTED / provider / f"{name}.yaml").read_text("utf-8"))["interactions"])


TOOL_SELECTION = ("tools", "tool_choice", "parallel_tool_calls")


def _same_conversation(r1: Any, r2: Any) -> None:
    """Bodies equal apart from the tool selection (LlamaIndex writes a tool's schema its own way, with titles
    and the signature, and states ``tool_choice``/``parallel_tool_calls``); the messages must be the same."""
    one, two = json.loads(r1.body), json.loads(r2.body)
    assert {k: v for k, v in one.items() if k not in TOOL_SELECTION} == {
        k: v for k, v in two.items() if k not in TOOL_SELECTION
    }


@contextmanager
def replaying(provider: str, name: str, *, tools_as_written: bool = True) -> Iterator[None]:
    """``documented/<provider>/<name>.yaml`` for the network: every answer played, each once."""
    recorder = vcrpy.VCR(record_mode="none")
    recorder.register_matcher("same_conversation", _same_conversation)
    match = ["method", "uri", "body" if tools_as_written else "same_conversation"]
    path = str(DOCUMENTED / provider / f"{name}.yaml")
    with recorder.use_cassette(path, match_on=match, allow_playback_repeats=False) as cassette:
        yield
        assert cassette.all_played


def run(call: Callable[[], Any], mode: str) -> Any:
    return asyncio.run(call()) if mode == "async" else call()


def lc_stream(chat: Any, messages: Any, mode: str) -> AIMessageChunk:
    async def collect() -> AIMessageChunk:
        chunks = [chunk async for chunk in chat.astream(messages)]
        return sum(chunks[1:], chunks[0])

    if mode == "async":
        return asyncio.run(collect())
    chunks = list(chat.stream(messages))
    return sum(chunks[1:], chunks[0])


# --- thinking on and off ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_thinking_on_reasoning_in_the_standard_forms(mode: str) -> None:
    chat = lc.ChatNIM(model=KIMI, thinking=True, output_version="v1")
    with replaying("nim", "test_thinking_on_kimi"):
        answer = run(lambda: chat.ainvoke(QUESTION), mode) if mode == "async" else chat.invoke(QUESTION)
    assert [block["type"] for block in answer.content_blocks] == ["reasoning", "text"]
    assert answer.content_blocks[0]["reasoning"] == REASONING
    assert answer.text == ANSWER
    assert answer.usage_metadata["output_token_details"] == {"reasoning": 30}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_streams_nemotrons_think_tags_as_reasoning_and_thinking_off_as_text(mode: str) -> None:
    with replaying("nim", "test_thinking_on_nemotron_stream"):
        on = lc_stream(lc.ChatNIM(model=NEMOTRON, thinking=True), QUESTION, mode)
    assert on.additional_kwargs["reasoning_content"].strip() == "Compare the tenths: 9 vs 1."
    assert on.content.strip() == ANSWER
    with replaying("nim", "test_thinking_off_qwen_stream"):
        off = lc_stream(lc.ChatNIM(model=QWEN, thinking=False), QUESTION, mode)
    assert off.content == ANSWER
    assert "reasoning_content" not in off.additional_kwargs


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_novita_enable_thinking(mode: str) -> None:
    with replaying("novita", "test_thinking_on_stream"):
        on = lc_stream(lc.ChatNovita(model="deepseek/deepseek-v3.1", thinking=True), QUESTION, mode)
    assert on.additional_kwargs["reasoning_content"] == "Compare the tenths: 9.9 has 9, 9.11 has 1."
    assert on.content == ANSWER
    assert on.usage_metadata["output_token_details"] == {"reasoning": 25}
    with replaying("novita", "test_thinking_off"):
        off = lc.ChatNovita(model="deepseek/deepseek-v3.1").invoke(QUESTION, thinking=False)
    assert off.content == ANSWER
    assert "reasoning_content" not in off.additional_kwargs


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llamaindex_thinking_blocks_and_deltas(mode: str) -> None:
    llm = li.NIM(model=KIMI, thinking=True)
    ask = [ChatMessage(role="user", content=QUESTION)]
    with replaying("nim", "test_thinking_on_kimi"):
        answer = run(lambda: llm.achat(ask), mode) if mode == "async" else llm.chat(ask)
    assert [type(block) for block in answer.message.blocks] == [ThinkingBlock, TextBlock]
    assert answer.message.blocks[0].content == REASONING
    assert answer.message.content == ANSWER

    novita = li.Novita(model="deepseek/deepseek-v3.1", thinking=True)

    async def astream() -> list[Any]:
        return [delta async for delta in await novita.astream_chat(ask)]

    with replaying("novita", "test_thinking_on_stream"):
        deltas = run(astream, mode) if mode == "async" else list(novita.stream_chat(ask))
    thought = "".join(d.additional_kwargs.get("thinking_delta") or "" for d in deltas)
    assert thought == "Compare the tenths: 9.9 has 9, 9.11 has 1."
    assert deltas[-1].message.content == ANSWER


# --- reasoning that survives a tool conversation -------------------------------------------------


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "18 C, light rain"


@pytest.mark.parametrize(
    ("provider", "chat"),
    [
        ("nim", lambda: lc.ChatNIM(model=KIMI, thinking=True)),
        ("novita", lambda: lc.ChatNovita(model="deepseek/deepseek-v3.2")),
    ],
)
def test_langchain_sends_the_reasoning_back_in_a_tool_conversation(provider: str, chat: Callable[[], Any]) -> None:
    model = chat().bind_tools([get_weather])
    history: list[Any] = [HumanMessage("What is the weather in Paris?")]
    with replaying(provider, "test_thinking_tool_conversation"):  # the second request must carry the reasoning
        first = model.invoke(history)
        assert isinstance(first, AIMessage)
        assert first.tool_calls[0]["args"] == {"city": "Paris"}
        call = first.tool_calls[0]
        history += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
        final = model.invoke(history)
    assert final.content == "It is 18 C with light rain in Paris."


@pytest.mark.parametrize(
    ("provider", "llm"),
    [
        ("nim", lambda: li.NIM(model=KIMI, thinking=True)),
        ("novita", lambda: li.Novita(model="deepseek/deepseek-v3.2")),
    ],
)
def test_llamaindex_sends_the_thinking_back_in_a_tool_conversation(provider: str, llm: Callable[[], Any]) -> None:
    model = llm()
    weather = FunctionTool.from_defaults(fn=get_weather.func, name="get_weather")
    history = [ChatMessage(role="user", content="What is the weather in Paris?")]
    with replaying(provider, "test_thinking_tool_conversation", tools_as_written=False):
        first = model.chat_with_tools([weather], chat_history=history)
        [call] = model.get_tool_calls_from_response(first)
        assert call.tool_kwargs == {"city": "Paris"}
        result = ChatMessage(
            role="tool", content=weather(**call.tool_kwargs).content, additional_kwargs={"tool_call_id": call.tool_id}
        )
        final = model.chat_with_tools([weather], chat_history=[*history, first.message, result])
    assert final.message.content == "It is 18 C with light rain in Paris."


# --- images --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(lambda data: {"type": "image", "base64": data, "mime_type": "image/png"}, id="v1-standard"),
        pytest.param(
            lambda data: {"type": "image", "source_type": "base64", "data": data, "mime_type": "image/png"}, id="v0"
        ),
        pytest.param(
            lambda data: {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}, id="openai"
        ),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_image_blocks_reach_nvidia_in_its_documented_form(block: Callable[[str], Any], mode: str) -> None:
    chat = lc.ChatNIM(model="nvidia/llama-3.1-nemotron-nano-vl-8b-v1", max_tokens=256)
    data = base64.b64encode(image_bytes()).decode()
    message = HumanMessage(content=[{"type": "text", "text": DESCRIBE}, block(data)])
    with replaying("nim", "test_vision_inline_image"):
        answer = run(lambda: chat.ainvoke([message]), mode) if mode == "async" else chat.invoke([message])
    assert answer.content == DESCRIPTION


def test_langchain_web_image_with_detail_on_novita() -> None:
    chat = lc.ChatNovita(model="qwen/qwen2.5-vl-72b-instruct")
    image = {"type": "image_url", "image_url": {"url": WEB_IMAGE, "detail": "high"}}
    with replaying("novita", "test_vision_web_image"):
        answer = chat.invoke([HumanMessage(content=[{"type": "text", "text": DESCRIBE}, image])])
    assert answer.content == DESCRIPTION


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llamaindex_image_blocks(mode: str, tmp_path: Path) -> None:
    path = tmp_path / "red.png"
    path.write_bytes(image_bytes())
    llm = li.Novita(model="qwen/qwen2.5-vl-72b-instruct")
    for name, image in [
        ("test_vision_inline_image", ImageBlock(path=path, image_mimetype="image/png")),
        ("test_vision_inline_image", ImageBlock(image=image_bytes(), image_mimetype="image/png")),
        ("test_vision_web_image", ImageBlock(url=WEB_IMAGE, detail="high")),
    ]:
        ask = [ChatMessage(role="user", blocks=[TextBlock(text=DESCRIBE), image])]
        with replaying("novita", name):
            answer = asyncio.run(llm.achat(ask)) if mode == "async" else llm.chat(ask)
        assert answer.message.content == DESCRIPTION
    nim = li.NIM(model="nvidia/llama-3.1-nemotron-nano-vl-8b-v1", max_tokens=256)
    with replaying("nim", "test_vision_inline_image"):
        ask = [ChatMessage(role="user", blocks=[TextBlock(text=DESCRIBE), ImageBlock(image=image_bytes())])]
        assert nim.chat(ask).message.content == DESCRIPTION
