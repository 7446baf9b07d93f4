"""The same scripted answer reads the same through every surface (the parity matrix).

Each answer (text; reasoning as a field and as ``<think>`` tags; tool calls streamed with and
without ``index``; usage on the last content chunk or a separate one; an error) goes through
LangChain's chat model (invoke and stream), LangChain's string LLM, LlamaIndex's LLM (chat and
stream_chat) and the CLI's session, and each surface's reading is brought to one :class:`Reading`.
What a framework has no place for is left out of its reading and said so: the string LLM has no
tool calls and (as langchain-openai's) no usage in streams; the CLI has no tools and never shows
the reasoning.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, TextBlock, ThinkingBlock, ToolCallBlock

from hostedllm.cli.session import Session
from hostedllm.client import ChatClient
from hostedllm.errors import HostedLLMError, RateLimitError
from langchain_hostedllm import ChatNovita, Hosted
from llama_index.llms.hostedllm import Novita

from ..scripted import ScriptedProvider, chunk, completion, sse, tool_call, usage_chunk

MODEL = "deepseek/deepseek-v3.2"  # Novita; tools and reasoning in the catalog
SURFACES = (
    "langchain",
    "langchain-stream",
    "string-llm",
    "string-llm-stream",
    "llamaindex",
    "llamaindex-stream",
    "cli",
)
NO_TOOLS = {"string-llm", "string-llm-stream", "cli"}
NO_REASONING = {"cli"}
NO_USAGE = {"string-llm-stream"}


@dataclass(frozen=True)
class Reading:
    """What a surface made of an answer."""

    text: str = ""
    reasoning: str = ""
    tool_calls: tuple[tuple[str, str, str], ...] = ()  # (id, name, arguments as sent)
    tokens: tuple[int, int, int] | None = None  # input, output, total
    finish_reason: str | None = None


@dataclass(frozen=True)
class Script:
    """One answer, whole and streamed, and the reading every surface must give."""

    whole: dict[str, Any]
    events: list[dict[str, Any]]
    expected: Reading


def _usage(prompt: int, completion_: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion_, "total_tokens": prompt + completion_}


def _with_message(answer: dict[str, Any], **fields: Any) -> dict[str, Any]:
    answer["choices"][0]["message"].update(fields)
    return answer


def _with_usage_on_last(events: list[dict[str, Any]], usage: dict[str, int]) -> list[dict[str, Any]]:
    *head, last = events
    return [*head, {**last, "usage": usage}]


CALLS = [tool_call("get_weather", '{"city": "Paris"}', "call_a"), tool_call("get_time", '{"tz": "CET"}', "call_b")]


def _streamed_calls(with_index: bool) -> list[dict[str, Any]]:
    """Two tool calls in pieces: the id and name first, then the arguments in two parts."""
    events = []
    for index, call in enumerate(CALLS):
        arguments = call["function"]["arguments"]
        pieces = [
            {"id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": ""}},
            {"function": {"arguments": arguments[:5]}},
            {"function": {"arguments": arguments[5:]}},
        ]
        for piece in pieces:
            events.append(chunk({"tool_calls": [{**piece, "index": index} if with_index else piece]}))
    return [*events, chunk({}, "tool_calls")]


SCRIPTS = {
    "text": Script(
        completion("Paris is the capital.", usage=_usage(12, 6)),
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Paris is "}),
            chunk({"content": "the capital."}),
            chunk({}, "stop"),
            usage_chunk(12, 6),
        ],
        Reading(text="Paris is the capital.", tokens=(12, 6, 18), finish_reason="stop"),
    ),
    "reasoning-field": Script(
        _with_message(completion("4", usage=_usage(9, 20)), reasoning_content="2+2 is 4"),
        [
            chunk({"reasoning_content": "2+2 "}),
            chunk({"reasoning_content": "is 4"}),
            chunk({"content": "4"}),
            chunk({}, "stop"),
            usage_chunk(9, 20),
        ],
        Reading(text="4", reasoning="2+2 is 4", tokens=(9, 20, 29), finish_reason="stop"),
    ),
    "reasoning-think-tags": Script(
        completion("<think>2+2 is 4</think>4", usage=_usage(9, 20)),
        [
            chunk({"content": "<thi"}),
            chunk({"content": "nk>2+2 is"}),
            chunk({"content": " 4</th"}),
            chunk({"content": "ink>4"}),
            chunk({}, "stop"),
            usage_chunk(9, 20),
        ],
        Reading(text="4", reasoning="2+2 is 4", tokens=(9, 20, 29), finish_reason="stop"),
    ),
    "tool-calls-with-index": Script(
        completion(None, tool_calls=CALLS, finish_reason="tool_calls", usage=_usage(30, 15)),
        [*_streamed_calls(with_index=True), usage_chunk(30, 15)],
        Reading(
            tool_calls=tuple((c["id"], c["function"]["name"], c["function"]["arguments"]) for c in CALLS),
            tokens=(30, 15, 45),
            finish_reason="tool_calls",
        ),
    ),
    "tool-calls-without-index": Script(
        completion(None, tool_calls=CALLS, finish_reason="tool_calls", usage=_usage(30, 15)),
        [*_streamed_calls(with_index=False), usage_chunk(30, 15)],
        Reading(
            tool_calls=tuple((c["id"], c["function"]["name"], c["function"]["arguments"]) for c in CALLS),
            tokens=(30, 15, 45),
            finish_reason="tool_calls",
        ),
    ),
    "usage-without-a-total": Script(
        completion("Hi", usage={"prompt_tokens": 4, "completion_tokens": 1}),
        [
            chunk({"content": "Hi"}),
            chunk({}, "stop"),
            {**usage_chunk(), "usage": {"prompt_tokens": 4, "completion_tokens": 1}},
        ],
        Reading(text="Hi", tokens=(4, 1, 5), finish_reason="stop"),
    ),
    "usage-on-the-last-content-chunk": Script(
        completion("Hi", usage=_usage(4, 1)),
        _with_usage_on_last([chunk({"content": "Hi"}), chunk({}, "stop")], _usage(4, 1)),
        Reading(text="Hi", tokens=(4, 1, 5), finish_reason="stop"),
    ),
}


# --- each surface, reduced to a Reading ------------------------------------------------------------


def _tokens(counts: dict[str, Any] | None, keys: tuple[str, str, str]) -> tuple[int, int, int] | None:
    return None if not counts else (counts[keys[0]], counts[keys[1]], counts[keys[2]])


def read_langchain(provider: ScriptedProvider, *, stream: bool) -> Reading:
    chat = ChatNovita(model=MODEL, api_key="k", stream_usage=True, **provider.transports)
    message: Any = None
    if stream:
        for piece in chat.stream("q"):
            message = piece if message is None else message + piece
    else:
        message = chat.invoke("q")
    calls = message.tool_calls or []
    return Reading(
        text=message.content,
        reasoning=message.additional_kwargs.get("reasoning_content", ""),
        tool_calls=tuple((c["id"], c["name"], json.dumps(c["args"])) for c in calls),
        tokens=_tokens(message.usage_metadata, ("input_tokens", "output_tokens", "total_tokens")),
        finish_reason=message.response_metadata.get("finish_reason"),
    )


def read_string_llm(provider: ScriptedProvider, *, stream: bool) -> Reading:
    llm = Hosted(model=f"novita:{MODEL}", api_key="k", **provider.transports)
    if stream:
        return Reading(text="".join(llm.stream("q")))
    result = llm.generate(["q"])
    generation = result.generations[0][0]
    info = generation.generation_info or {}
    usage = (result.llm_output or {}).get("token_usage")
    return Reading(
        text=generation.text,
        reasoning=info.get("reasoning_content", ""),
        tokens=_tokens(usage, ("prompt_tokens", "completion_tokens", "total_tokens")),
        finish_reason=info.get("finish_reason"),
    )


def read_llamaindex(provider: ScriptedProvider, *, stream: bool) -> Reading:
    llm = Novita(model=MODEL, api_key="k", **provider.transports)
    messages = [ChatMessage(role="user", content="q")]
    if stream:
        responses = list(llm.stream_chat(messages))
        response = responses[-1]
        usage = next((r.additional_kwargs for r in responses if "total_tokens" in r.additional_kwargs), None)
        assert "".join(r.delta or "" for r in responses) == response.message.content  # deltas add up
    else:
        response = llm.chat(messages)
        usage = response.additional_kwargs
    blocks = response.message.blocks
    return Reading(
        text="".join(block.text for block in blocks if isinstance(block, TextBlock)),
        reasoning="".join(block.content or "" for block in blocks if isinstance(block, ThinkingBlock)),
        tool_calls=tuple(
            (block.tool_call_id or "", block.tool_name, str(block.tool_kwargs))
            for block in blocks
            if isinstance(block, ToolCallBlock)
        ),
        tokens=_tokens(usage, ("prompt_tokens", "completion_tokens", "total_tokens")),
        finish_reason=response.additional_kwargs.get("finish_reason"),
    )


def read_cli(provider: ScriptedProvider) -> Reading:
    client = ChatClient("novita", MODEL, api_key="k", **provider.client_transports)
    out = io.StringIO()
    answer = Session(client, {}, None, out=out, err=io.StringIO()).ask("q")
    assert out.getvalue().rstrip("\n") == answer.text  # what is printed is the answer
    tokens = answer.tokens
    return Reading(
        text=answer.text,
        tokens=None if tokens is None else (tokens.input, tokens.output, tokens.total),  # type: ignore[arg-type]
        finish_reason=answer.finish_reason,
    )


READERS: dict[str, Callable[[ScriptedProvider], Reading]] = {
    "langchain": lambda p: read_langchain(p, stream=False),
    "langchain-stream": lambda p: read_langchain(p, stream=True),
    "string-llm": lambda p: read_string_llm(p, stream=False),
    "string-llm-stream": lambda p: read_string_llm(p, stream=True),
    "llamaindex": lambda p: read_llamaindex(p, stream=False),
    "llamaindex-stream": lambda p: read_llamaindex(p, stream=True),
    "cli": read_cli,
}


def _streams(surface: str) -> bool:
    return surface.endswith("stream") or surface == "cli"


def _scripted(script: Script, surface: str) -> ScriptedProvider:
    provider = ScriptedProvider()
    return provider.stream(sse(script.events)) if _streams(surface) else provider.json(script.whole)


def _expected(script: Script, surface: str) -> Reading:
    expected = script.expected
    if surface in NO_TOOLS:
        expected = replace(expected, tool_calls=())
    if surface in NO_REASONING:
        expected = replace(expected, reasoning="")
    if surface in NO_USAGE:
        expected = replace(expected, tokens=None)
    if surface == "string-llm-stream":
        expected = Reading(text=expected.text)  # a text stream: only the text
    return expected


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_surface_reads_the_same_answer(name: str, surface: str) -> None:
    script = SCRIPTS[name]
    if surface in NO_TOOLS and script.expected.tool_calls:
        pytest.skip(f"{surface} has no tool calls")
    assert READERS[surface](_scripted(script, surface)) == _expected(script, surface)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("streamed", [False, True], ids=["status", "in-stream"])
def test_every_surface_raises_the_same_typed_error(surface: str, streamed: bool) -> None:
    """A rate limit as an HTTP 429, or as an error object in the middle of a stream."""
    if streamed and not _streams(surface):
        pytest.skip(f"{surface} does not stream")
    provider = ScriptedProvider()
    body = {"error": {"message": "Rate limit reached, slow down", "type": "rate_limit_exceeded", "code": 429}}
    if streamed:
        provider.stream(sse([chunk({"content": "Hi"}), body]))
    else:
        provider.answers.extend(httpx.Response(429, json=body, headers={"retry-after": "0"}) for _ in range(3))
    with pytest.raises(HostedLLMError) as caught:
        READERS[surface](provider)
    assert isinstance(caught.value, RateLimitError)
    assert "Rate limit reached" in str(caught.value)
