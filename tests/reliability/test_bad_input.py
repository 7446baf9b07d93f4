"""Bad input fails before any request, with a message naming the problem and the fix.

Every class gets a request-counting fake provider (the public ``hostedllm.testing.fake.FakeProvider``,
as ``http_transport=``/``async_http_transport=`` for the adapters, ``transport=``/``async_transport=``
for the core ``ChatClient``) that answers any request with a valid completion: a request that slips
through shows up as a count (and usually as no error at all), never as some other failure. Each case
is tried the four ways (sync and async, invoke and stream) through LangChain and LlamaIndex, for each
provider it applies to; an error at construction counts as "before any request" too.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages import ChatMessage as LCChatMessage
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from hostedllm import ChatClient
from hostedllm.catalog import UnknownModelWarning
from hostedllm.errors import (
    HostedLLMError,
    InvalidMessagesError,
    ParameterRangeError,
    RequestValidationError,
    UnknownModelError,
    UnsupportedCapabilityError,
    UnsupportedParameterError,
)
from langchain_hostedllm import ChatHosted, Hosted
from llama_index.llms.hostedllm import HostedLLM as LIHostedLLM

from .helpers_secrets import PROVIDERS, TARGETS, CountingTransport, Target

Call = Callable[[], Any]
TOOL_PROVIDERS = tuple(name for name in PROVIDERS if TARGETS[name].tools)


# --- the four ways of calling each adapter ---------------------------------------------------------

LC_WAYS = ("invoke", "stream", "ainvoke", "astream")
LI_WAYS = ("chat", "stream_chat", "achat", "astream_chat")


def lc_ways(chat: Any, messages: Any, **kwargs: Any) -> dict[str, Call]:
    async def astream() -> list[Any]:
        return [chunk async for chunk in chat.astream(messages, **kwargs)]

    return {
        "invoke": lambda: chat.invoke(messages, **kwargs),
        "stream": lambda: list(chat.stream(messages, **kwargs)),
        "ainvoke": lambda: asyncio.run(chat.ainvoke(messages, **kwargs)),
        "astream": lambda: asyncio.run(astream()),
    }


def li_ways(llm: Any, messages: list[ChatMessage], **kwargs: Any) -> dict[str, Call]:
    async def achat() -> Any:
        return await llm.achat(messages, **kwargs)

    async def astream() -> list[Any]:
        return [chunk async for chunk in await llm.astream_chat(messages, **kwargs)]

    return {
        "chat": lambda: llm.chat(messages, **kwargs),
        "stream_chat": lambda: list(llm.stream_chat(messages, **kwargs)),
        "achat": lambda: asyncio.run(achat()),
        "astream_chat": lambda: asyncio.run(astream()),
    }


def refused(call: Call, error: type[HostedLLMError], fragments: Sequence[str], counter: CountingTransport) -> str:
    """``call`` raises ``error`` naming every fragment, and no request was made."""
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    assert counter.count == 0, f"{counter.count} request(s) were sent before the refusal"
    return message


def refused_every_way(
    ways: dict[str, Call], error: type[HostedLLMError], fragments: Sequence[str], counter: CountingTransport
) -> None:
    for name, call in ways.items():
        try:
            refused(call, error, fragments, counter)
        except (AssertionError, pytest.fail.Exception) as exc:
            raise AssertionError(f"via {name}: {exc}") from exc


def li_user(text: str = "Hi") -> ChatMessage:
    return ChatMessage(role=MessageRole.USER, content=text)


def li_tool_result(text: str = "42", call_id: str = "call_1") -> ChatMessage:
    return ChatMessage(role=MessageRole.TOOL, content=text, additional_kwargs={"tool_call_id": call_id})


def lc_tool_turn() -> list[Any]:
    return [
        HumanMessage("What is 6 x 7?"),
        AIMessage("", tool_calls=[{"name": "multiply", "args": {"a": 6, "b": 7}, "id": "call_1"}]),
        ToolMessage("42", tool_call_id="call_1"),
    ]


# --- the counter itself --------------------------------------------------------------------------


class TestTheCounterCounts:
    """Positive control: a valid call through each route is seen, so the zero counts below mean something."""

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_langchain(self, provider: str) -> None:
        counter = CountingTransport()
        ways = lc_ways(TARGETS[provider].lc(**counter.transports), "Hi")
        for expected, call in enumerate(ways.values(), start=1):
            call()
            assert counter.count == expected

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_llamaindex(self, provider: str) -> None:
        counter = CountingTransport()
        ways = li_ways(TARGETS[provider].li(**counter.transports), [li_user()])
        for expected, call in enumerate(ways.values(), start=1):
            call()
            assert counter.count == expected

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_core(self, provider: str) -> None:
        counter = CountingTransport()
        client = ChatClient(provider, TARGETS[provider].model, **counter.client_transports)
        client.create(client.build_request([{"role": "user", "content": "Hi"}]))
        list(client.stream(client.build_request([{"role": "user", "content": "Hi"}], stream=True)))
        assert counter.count == 2


# --- parameters ------------------------------------------------------------------------------------

#: (provider, parameter, value, the range the message must state)
OUT_OF_RANGE = [
    ("baichuan", "temperature", 1.5, "[0, 1]"),
    ("baichuan", "top_p", 1.0, "[0, 1)"),
    ("baichuan", "top_k", 21, "[0, 20]"),
    ("baichuan", "max_tokens", 4096, "[1, 2048]"),
    ("nim", "temperature", 1.5, "[0, 1]"),
    ("nim", "max_tokens", 4097, "[1, 4096]"),
    ("novita", "min_p", 2, "[0, 1]"),
    ("novita", "top_logprobs", 21, "[0, 20]"),
    ("local", "temperature", 2.5, "[0, 2]"),
    ("local", "min_p", -0.5, "[0, 1]"),
    ("theturbo", "temperature", 2.5, "[0, 2]"),
    ("theturbo", "stop", ["a", "b", "c", "d", "e"], "at most 4"),
]

#: (provider, parameter, value): parameters the provider (or this model) does not take.
UNSUPPORTED = [
    ("nim", "n", 2),
    ("nim", "logprobs", True),
    ("baichuan", "seed", 7),
    ("baichuan", "n", 2),
    ("theturbo", "top_k", 40),
    ("novita", "repeat_penalty", 1.1),  # local's spelling; Novita's is repetition_penalty
    ("local", "repetition_penalty", 1.1),  # Novita's spelling; llama.cpp's is repeat_penalty
    *[(provider, "frobnicate", 1) for provider in PROVIDERS],
]


#: How a parameter can be given: in the core; as a free-form extra, a constructor keyword or per call, in each adapter.
PARAM_ROUTES = ["core", "lc-model_kwargs", "li-additional_kwargs", "lc-per-call", "li-per-call", "lc-field", "li-field"]


def _param_cases(table: list[tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(provider, name, value, *rest, route, id=f"{provider}-{name}-{route}")
        for provider, name, value, *rest in table
        for route in PARAM_ROUTES
    ]


def _try_param(target: Target, name: str, value: Any, route: str, counter: CountingTransport) -> dict[str, Call]:
    """The calls that must each be refused for ``name=value`` given by ``route``."""
    one = {name: value}
    if route == "core":
        client = ChatClient(target.provider, target.model, **counter.client_transports)
        return {"build_request": lambda: client.build_request([{"role": "user", "content": "Hi"}], params=one)}
    if route == "lc-model_kwargs":
        return {"construct": lambda: target.lc(model_kwargs=one, **counter.transports)}
    if route == "li-additional_kwargs":
        return {"construct": lambda: target.li(additional_kwargs=one, **counter.transports)}
    if route == "lc-per-call":
        return lc_ways(target.lc(**counter.transports), "Hi", **one)
    if route == "li-per-call":
        return li_ways(target.li(**counter.transports), [li_user()], **one)
    if route == "lc-field":
        return lc_ways_after(lambda: target.lc(**one, **counter.transports))
    assert route == "li-field"
    return li_ways_after(lambda: target.li(**one, **counter.transports))


def lc_ways_after(construct: Callable[[], Any]) -> dict[str, Call]:
    """Construct (which may refuse), then call every way (each of which must refuse)."""
    return {name: functools.partial(_construct_then, construct, name, lc_ways) for name in LC_WAYS}


def li_ways_after(construct: Callable[[], Any]) -> dict[str, Call]:
    return {name: functools.partial(_construct_then, construct, name, li_ways) for name in LI_WAYS}


def _construct_then(construct: Callable[[], Any], way: str, ways: Callable[..., dict[str, Call]]) -> Any:
    instance = construct()
    messages: Any = "Hi" if ways is lc_ways else [li_user()]
    return ways(instance, messages)[way]()


class TestParameters:
    @pytest.mark.parametrize(("provider", "name", "value", "stated", "route"), _param_cases(OUT_OF_RANGE))
    def test_out_of_range(self, provider: str, name: str, value: Any, stated: str, route: str) -> None:
        counter = CountingTransport()
        ways = _try_param(TARGETS[provider], name, value, route, counter)
        fragments = [f"{name}=", "is out of range", f"on {provider}", stated, "Pass a value in that range"]
        refused_every_way(ways, ParameterRangeError, fragments, counter)

    @pytest.mark.parametrize(("provider", "name", "value", "route"), _param_cases(UNSUPPORTED))
    def test_unsupported(self, provider: str, name: str, value: Any, route: str) -> None:
        counter = CountingTransport()
        ways = _try_param(TARGETS[provider], name, value, route, counter)
        fragments = [f"on {provider} does not take {name!r}", "It takes: ", "pass it in extra_body"]
        refused_every_way(ways, UnsupportedParameterError, fragments, counter)

    def test_the_string_llm_refuses_too(self) -> None:
        counter = CountingTransport()
        refused(
            lambda: Hosted(model="Baichuan4", provider="baichuan", temperature=1.5, **counter.transports),
            ParameterRangeError,
            ["temperature=1.5", "[0, 1]", "Pass a value in that range"],
            counter,
        )
        llm = Hosted(model="meta/llama-3.3-70b-instruct", provider="nim", **counter.transports)
        refused(lambda: llm.invoke("Hi", n=2), UnsupportedParameterError, ["does not take 'n'", "It takes: "], counter)

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [(float("nan"), "temperature=nan"), (float("inf"), "temperature=inf"), ("0.5", "temperature='0.5'")],
    )
    def test_not_a_finite_number(self, value: Any, fragment: str) -> None:
        counter = CountingTransport()
        refused(
            lambda: TARGETS["novita"].lc(model_kwargs={"temperature": value}, **counter.transports),
            ParameterRangeError,
            [fragment, "it takes a number in [0, 2]"],
            counter,
        )

    def test_a_request_key_is_not_a_sampling_parameter(self) -> None:
        counter = CountingTransport()
        refused(
            lambda: TARGETS["nim"].lc(model_kwargs={"tools": []}, **counter.transports),
            RequestValidationError,
            ["'tools' is not a sampling parameter", "pass it through its own argument"],
            counter,
        )

    def test_extra_body_cannot_shadow_a_checked_parameter(self) -> None:
        counter = CountingTransport()
        chat = TARGETS["nim"].lc(temperature=0.2, extra_body={"temperature": 5}, **counter.transports)
        refused_every_way(
            lc_ways(chat, "Hi"),
            RequestValidationError,
            ["extra_body sets 'temperature'", "through its own argument"],
            counter,
        )

    def test_n_above_one_cannot_be_streamed(self) -> None:
        counter = CountingTransport()
        chat = TARGETS["novita"].lc(n=2, **counter.transports)
        refused(lambda: list(chat.stream("Hi")), RequestValidationError, ["n > 1 cannot be streamed"], counter)

    def test_stream_usage_where_the_model_has_none(self) -> None:
        counter = CountingTransport()
        refused(
            lambda: TARGETS["local"].lc(stream_usage=True, **counter.transports),
            RequestValidationError,
            ["does not report usage in streams", "leave stream_usage unset"],
            counter,
        )


# --- messages ------------------------------------------------------------------------------------


class TestMessages:
    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_an_empty_list_langchain(self, provider: str) -> None:
        counter = CountingTransport()
        chat = TARGETS[provider].lc(**counter.transports)
        refused_every_way(lc_ways(chat, []), InvalidMessagesError, ["must be a non-empty list"], counter)

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_an_empty_list_llamaindex(self, provider: str) -> None:
        counter = CountingTransport()
        llm = TARGETS[provider].li(**counter.transports)
        refused_every_way(li_ways(llm, []), InvalidMessagesError, ["must be a non-empty list"], counter)

    def test_an_empty_list_core(self) -> None:
        counter = CountingTransport()
        client = ChatClient("nim", TARGETS["nim"].model, **counter.client_transports)
        refused(lambda: client.build_request([]), InvalidMessagesError, ["must be a non-empty list"], counter)

    THETURBO_TOOL = ("role 'tool'", "theturbo does not accept", "Use one of: assistant, system, user")

    def test_theturbo_refuses_the_tool_role_langchain(self) -> None:
        counter = CountingTransport()
        chat = TARGETS["theturbo"].lc(**counter.transports)
        refused_every_way(lc_ways(chat, lc_tool_turn()), InvalidMessagesError, self.THETURBO_TOOL, counter)

    def test_theturbo_refuses_the_tool_role_llamaindex(self) -> None:
        counter = CountingTransport()
        llm = TARGETS["theturbo"].li(**counter.transports)
        messages = [li_user(), ChatMessage(role=MessageRole.ASSISTANT, content="Let me check."), li_tool_result()]
        refused_every_way(li_ways(llm, messages), InvalidMessagesError, self.THETURBO_TOOL, counter)

    def test_theturbo_refuses_the_tool_role_core(self) -> None:
        counter = CountingTransport()
        client = ChatClient("theturbo", "Baichuan4", **counter.client_transports)
        messages = [{"role": "user", "content": "Hi"}, {"role": "tool", "content": "42", "tool_call_id": "call_1"}]
        refused(lambda: client.build_request(messages), InvalidMessagesError, self.THETURBO_TOOL, counter)

    @pytest.mark.parametrize("provider", ["baichuan", "nim", "novita", "local", "theturbo"])
    def test_an_unknown_role(self, provider: str) -> None:
        counter = CountingTransport()
        fragments = ["role 'developer'", f"{provider} does not accept", "Use one of: "]
        chat = TARGETS[provider].lc(**counter.transports)
        refused_every_way(
            lc_ways(chat, [LCChatMessage(role="developer", content="Be brief.")]),
            InvalidMessagesError,
            fragments,
            counter,
        )
        llm = TARGETS[provider].li(**counter.transports)
        developer = ChatMessage(role=MessageRole.DEVELOPER, content="Be brief.")
        refused_every_way(li_ways(llm, [developer, li_user()]), InvalidMessagesError, fragments, counter)

    #: NVIDIA's rule: an optional first system message, then user/assistant alternating.
    NIM_ORDER = (
        pytest.param(
            [HumanMessage("a"), HumanMessage("b")],
            [li_user("a"), li_user("b")],
            ["messages[1] is 'user' where nim expects 'assistant'", "must alternate", "Merge consecutive messages"],
            id="two-users-in-a-row",
        ),
        pytest.param(
            [HumanMessage("a"), SystemMessage("be brief")],
            [li_user("a"), ChatMessage(role=MessageRole.SYSTEM, content="be brief")],
            ["messages[1] is a system message", "nim takes one only as the first message"],
            id="system-not-first",
        ),
        pytest.param(
            [AIMessage("Hello"), HumanMessage("a")],
            [ChatMessage(role=MessageRole.ASSISTANT, content="Hello"), li_user("a")],
            ["messages[0] is 'assistant' where nim expects 'user'", "must alternate"],
            id="assistant-first",
        ),
        pytest.param(
            [HumanMessage("a"), ToolMessage("42", tool_call_id="call_1")],
            [li_user("a"), li_tool_result()],
            ["messages[1] is a tool result that does not follow an assistant tool call"],
            id="tool-result-without-a-call",
        ),
        pytest.param(
            [HumanMessage("a"), AIMessage("b"), AIMessage("c")],
            [li_user("a"), ChatMessage(role=MessageRole.ASSISTANT, content="b"), li_user("c"), li_user("d")],
            ["where nim expects", "must alternate"],
            id="two-of-a-kind-later",
        ),
    )

    @pytest.mark.parametrize(("lc_messages", "li_messages", "fragments"), NIM_ORDER)
    def test_nim_order_rule(self, lc_messages: list[Any], li_messages: list[ChatMessage], fragments: list[str]) -> None:
        counter = CountingTransport()
        chat = TARGETS["nim"].lc(**counter.transports)
        refused_every_way(lc_ways(chat, lc_messages), InvalidMessagesError, fragments, counter)
        llm = TARGETS["nim"].li(**counter.transports)
        refused_every_way(li_ways(llm, li_messages), InvalidMessagesError, fragments, counter)

    def test_the_order_rule_is_nims_only(self) -> None:
        """Control: the same two user turns go through to a provider without the rule."""
        counter = CountingTransport()
        TARGETS["novita"].lc(**counter.transports).invoke([HumanMessage("a"), HumanMessage("b")])
        assert counter.count == 1


# --- tools ---------------------------------------------------------------------------------------


def tool(parameters: Any, name: str = "lookup") -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "Look it up.", "parameters": parameters}}


#: (tool, fragments): schemas the library catches today.
BAD_TOOLS = [
    pytest.param(tool({"type": "obj"}), ["tools[0] (lookup) parameters", "'obj'", "not a JSON Schema type"], id="type"),
    pytest.param(
        tool({"type": "object", "properties": {"q": {"type": "strin"}}}),
        ["parameters.q", "'strin'", "not a JSON Schema type"],
        id="nested-type",
    ),
    pytest.param(
        tool({"type": "object", "properties": {"q": {"type": "array", "items": {"type": "lst"}}}}),
        ["parameters.q.items", "not a JSON Schema type"],
        id="items-type",
    ),
    pytest.param(
        tool({"type": "object", "properties": ["q"]}),
        ["'properties' must be an object mapping names to schemas"],
        id="properties-list",
    ),
    pytest.param(
        tool({"type": "object", "properties": {"q": 5}}),
        ["parameters.q must be a JSON Schema object, not int"],
        id="property-not-a-schema",
    ),
    pytest.param(
        tool({"type": "object", "properties": {"q": {"type": "string"}}, "required": ["x"]}),
        ["'required' names ['x']", "which are not in 'properties'"],
        id="required-unknown",
    ),
    pytest.param(
        tool({"type": "object", "required": "q"}), ["'required' must be a list of property names"], id="required-str"
    ),
    pytest.param(tool("a string"), ["must be a JSON Schema object, not str"], id="parameters-str"),
    pytest.param(tool({}, name="look up!"), ["function name 'look up!'", "use 1-64 letters"], id="name"),
]


class TestTools:
    @pytest.mark.parametrize("provider", TOOL_PROVIDERS)
    @pytest.mark.parametrize(("bad", "fragments"), BAD_TOOLS)
    def test_invalid_tool(self, provider: str, bad: dict[str, Any], fragments: list[str]) -> None:
        target = TARGETS[provider]
        counter = CountingTransport()
        chat = target.lc(**counter.transports)
        refused(lambda: chat.bind_tools([bad]), RequestValidationError, fragments, counter)
        refused_every_way(lc_ways(chat, "Hi", tools=[bad]), RequestValidationError, fragments, counter)
        llm = target.li(**counter.transports)
        refused_every_way(li_ways(llm, [li_user()], tools=[bad]), RequestValidationError, fragments, counter)
        client = ChatClient(provider, target.model, **counter.client_transports)
        refused(
            lambda: client.build_request([{"role": "user", "content": "Hi"}], tools=[bad]),
            RequestValidationError,
            fragments,
            counter,
        )

    @pytest.mark.parametrize("provider", TOOL_PROVIDERS)
    def test_an_unknown_tool_type(self, provider: str) -> None:
        """Per call and in the core (LangChain's own bind_tools converter refuses it first, untyped)."""
        target = TARGETS[provider]
        counter = CountingTransport()
        bad = {"type": "retrieval_v2", "retrieval_v2": {}}
        fragments = ["tools[0] has type 'retrieval_v2'", f"{provider} takes 'function'"]
        chat = target.lc(**counter.transports)
        refused_every_way(lc_ways(chat, "Hi", tools=[bad]), RequestValidationError, fragments, counter)
        llm = target.li(**counter.transports)
        refused_every_way(li_ways(llm, [li_user()], tools=[bad]), RequestValidationError, fragments, counter)

    def test_tools_on_a_model_without_tools(self) -> None:
        counter = CountingTransport()
        fragments = ["Baichuan4 on theturbo does not support tool calling", "--capability tools"]
        good = tool({"type": "object", "properties": {"q": {"type": "string"}}})
        chat = TARGETS["theturbo"].lc(**counter.transports)
        refused(lambda: chat.bind_tools([good]), UnsupportedCapabilityError, fragments, counter)
        llm = TARGETS["theturbo"].li(**counter.transports)
        refused_every_way(li_ways(llm, [li_user()], tools=[good]), UnsupportedCapabilityError, fragments, counter)

    def test_a_tool_choice_the_model_cannot_honour(self) -> None:
        counter = CountingTransport()
        good = tool({"type": "object", "properties": {"q": {"type": "string"}}})
        chat = TARGETS["baichuan"].lc(**counter.transports).bind_tools([good], tool_choice="required")
        refused_every_way(
            lc_ways(chat, "Hi"),
            UnsupportedCapabilityError,
            ["cannot honour tool_choice 'required'", "it accepts 'auto', 'none'", "Use one of those"],
            counter,
        )

    @pytest.mark.parametrize(
        "parameters",
        [
            pytest.param({"type": "object", "properties": {"q": {"type": "string", "minLength": "x"}}}, id="minLength"),
            pytest.param({"type": "object", "properties": {"q": {"enum": "abc"}}}, id="enum"),
            pytest.param({"type": "object", "properties": {"q": {"anyOf": {}}}}, id="anyOf"),
            pytest.param({"type": "object", "additionalProperties": "no"}, id="additionalProperties"),
            pytest.param({"type": "array", "items": "string"}, id="items-str"),
            pytest.param({"type": "object", "properties": {"q": {"$ref": 5}}}, id="ref"),
            pytest.param({"type": []}, id="type-empty"),
        ],
    )
    def test_invalid_json_schema_keywords(self, parameters: dict[str, Any]) -> None:
        counter = CountingTransport()
        chat = TARGETS["nim"].lc(**counter.transports)
        refused(lambda: chat.bind_tools([tool(parameters)]), RequestValidationError, ["JSON Schema"], counter)

    def test_the_bad_type_message_lists_the_valid_types(self) -> None:
        counter = CountingTransport()
        chat = TARGETS["nim"].lc(**counter.transports)
        message = refused(
            lambda: chat.bind_tools([tool({"type": "obj"})]),
            RequestValidationError,
            ["not a JSON Schema type"],
            counter,
        )
        for valid in ("object", "array", "string", "number", "integer", "boolean", "null"):
            assert valid in message.split("not a JSON Schema type", 1)[1]


# --- content that cannot be serialised ------------------------------------------------------------

WHEN = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
#: A dict-valued parameter each provider checks only as "an object" (its contents reach the encoder).
DICT_PARAM = {
    "baichuan": "knowledge_base",
    "nim": "chat_template_kwargs",
    "novita": "logit_bias",
    "local": "logit_bias",
}
UNSERIALISABLE = [
    pytest.param({"tags": {"a", "b"}}, "set", id="set"),
    pytest.param({"when": WHEN}, "datetime", id="datetime"),
    pytest.param({"score": float("nan")}, "Out of range float", id="nan"),
    pytest.param({"raw": b"\x00\x01"}, "bytes", id="bytes"),
]
SERIALISE_FIX = ["cannot be serialised to JSON", "Pass only strings, numbers, booleans, lists and dicts"]


class TestUnserialisable:
    @pytest.mark.parametrize("provider", PROVIDERS)
    @pytest.mark.parametrize(("value", "kind"), UNSERIALISABLE)
    def test_in_extra_body(self, provider: str, value: dict[str, Any], kind: str) -> None:
        counter = CountingTransport()
        chat = TARGETS[provider].lc(extra_body={"metadata": value}, **counter.transports)
        refused_every_way(lc_ways(chat, "Hi"), RequestValidationError, [*SERIALISE_FIX, kind], counter)

    @pytest.mark.parametrize("provider", sorted(DICT_PARAM))
    @pytest.mark.parametrize(("value", "kind"), UNSERIALISABLE)
    def test_in_model_kwargs_and_additional_kwargs(self, provider: str, value: dict[str, Any], kind: str) -> None:
        counter = CountingTransport()
        extra = {DICT_PARAM[provider]: value}
        chat = TARGETS[provider].lc(model_kwargs=extra, **counter.transports)
        refused_every_way(lc_ways(chat, "Hi"), RequestValidationError, [*SERIALISE_FIX, kind], counter)
        llm = TARGETS[provider].li(additional_kwargs=extra, **counter.transports)
        refused_every_way(li_ways(llm, [li_user()]), RequestValidationError, [*SERIALISE_FIX, kind], counter)

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_in_a_llamaindex_message_additional_kwargs(self, provider: str) -> None:
        counter = CountingTransport()
        call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": WHEN}}
        messages = [
            li_user(),
            ChatMessage(role=MessageRole.ASSISTANT, content="", additional_kwargs={"tool_calls": [call]}),
            li_user("and?"),
        ]
        llm = TARGETS[provider].li(**counter.transports)
        refused_every_way(li_ways(llm, messages), RequestValidationError, [*SERIALISE_FIX, "datetime"], counter)

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_per_call_extra_in_the_core(self, provider: str) -> None:
        counter = CountingTransport()
        client = ChatClient(provider, TARGETS[provider].model, **counter.client_transports)
        request = client.build_request([{"role": "user", "content": "Hi"}], extra_body={"when": WHEN})
        refused(lambda: client.create(request), RequestValidationError, [*SERIALISE_FIX, "datetime"], counter)
        request = client.build_request([{"role": "user", "content": "Hi"}], extra_body={"tags": {1}}, stream=True)
        refused(lambda: list(client.stream(request)), RequestValidationError, [*SERIALISE_FIX, "set"], counter)

    def test_in_langchain_tool_call_args(self) -> None:
        counter = CountingTransport()
        chat = TARGETS["novita"].lc(**counter.transports)
        messages = [
            HumanMessage("When?"),
            AIMessage("", tool_calls=[{"name": "f", "args": {"when": WHEN}, "id": "call_1"}]),
            ToolMessage("noon", tool_call_id="call_1"),
        ]
        refused(lambda: chat.invoke(messages), RequestValidationError, ["datetime"], counter)


# --- unknown models --------------------------------------------------------------------------------

#: (provider, a near miss, a suggestion the message must make)
NEAR_MISSES = [
    ("baichuan", "Baichuan4-Trbo", "Baichuan4-Turbo"),
    ("nim", "meta/llama-3.3-70b-instruc", "meta/llama-3.3-70b-instruct"),
    ("novita", "qwen/qwen-2.5-72b-instrut", "qwen/qwen-2.5-72b-instruct"),
    ("theturbo", "Baichuan4-Turbo", "baichuan:Baichuan4-Turbo"),  # on Baichuan's API, not the gateway
]
UNKNOWN_FIX = ["Unknown model", "Did you mean", "hostedllm models", "allow_unknown_model=True"]


class TestUnknownModel:
    """With a strict catalog (here from the environment), an unknown id is refused before anything is sent."""

    @pytest.fixture(autouse=True)
    def _strict(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HOSTEDLLM_STRICT_CATALOG", "1")

    @pytest.mark.parametrize(("provider", "typo", "suggestion"), NEAR_MISSES)
    def test_at_construction(self, provider: str, typo: str, suggestion: str) -> None:
        target = TARGETS[provider]
        counter = CountingTransport()
        fragments = [*UNKNOWN_FIX, repr(typo), suggestion]
        refused(lambda: target.lc(model=typo, **counter.transports), UnknownModelError, fragments, counter)
        refused(lambda: target.li(model=typo, **counter.transports), UnknownModelError, fragments, counter)
        refused(lambda: ChatClient(provider, typo, **counter.client_transports), UnknownModelError, fragments, counter)
        refused(
            lambda: Hosted(model=typo, provider=provider, **counter.transports), UnknownModelError, fragments, counter
        )

    @pytest.mark.parametrize(("provider", "typo", "suggestion"), NEAR_MISSES)
    def test_per_call(self, provider: str, typo: str, suggestion: str) -> None:
        counter = CountingTransport()
        chat = TARGETS[provider].lc(**counter.transports)
        refused_every_way(lc_ways(chat, "Hi", model=typo), UnknownModelError, [*UNKNOWN_FIX, suggestion], counter)

    def test_any_provider_from_the_catalog(self) -> None:
        counter = CountingTransport()
        fragments = [*UNKNOWN_FIX, "deepseek/deepseek-v3.2"]
        refused(
            lambda: ChatHosted(model="novita:deepseek/deepseek-v3.3", **counter.transports),
            UnknownModelError,
            fragments,
            counter,
        )
        refused(
            lambda: LIHostedLLM(model="novita:deepseek/deepseek-v3.3", **counter.transports),
            UnknownModelError,
            fragments,
            counter,
        )
        no_provider = ["Unknown model", "Did you mean", "deepseek/deepseek-v3.2", "pass provider=..."]
        refused(
            lambda: ChatHosted(model="deepseek-v3.3", **counter.transports), UnknownModelError, no_provider, counter
        )

    def test_the_error_carries_the_suggestions(self) -> None:
        with pytest.raises(UnknownModelError) as caught:
            ChatClient("nim", "meta/llama-3.3-70b-instruc")
        assert "meta/llama-3.3-70b-instruct" in caught.value.suggestions
        assert isinstance(caught.value, ValueError)


class TestUnknownModelWelcome:
    """By default an unknown id builds after one warning that names the close ids; nothing is sent."""

    @pytest.mark.parametrize(("provider", "typo", "suggestion"), NEAR_MISSES)
    def test_every_class_warns_once_and_builds(self, provider: str, typo: str, suggestion: str) -> None:
        target = TARGETS[provider]
        counter = CountingTransport()
        with pytest.warns(UnknownModelWarning, match=re.escape(suggestion)) as caught:
            built = [
                target.lc(model=typo, **counter.transports),
                target.li(model=typo, **counter.transports),
                ChatClient(provider, typo, **counter.client_transports),
                Hosted(model=typo, provider=provider, **counter.transports),
            ]
        assert len([w for w in caught if w.category is UnknownModelWarning]) == 1, "once per model and process"
        assert [getattr(b, "model", None) for b in built][:2] == [typo, typo]
        assert counter.count == 0, "construction sends nothing"

    def test_any_provider_takes_provider_and_id(self) -> None:
        with pytest.warns(UnknownModelWarning, match="Did you mean 'deepseek/deepseek-v3.2'"):
            chat = ChatHosted(model="novita:deepseek/deepseek-v3.3")
        llm = LIHostedLLM(model="novita:deepseek/deepseek-v3.3")
        assert (chat.provider, chat.model, llm.provider, llm.model) == ("novita", "deepseek/deepseek-v3.3") * 2
        with pytest.raises(UnknownModelError, match=r"pass provider=\.\.\."):
            ChatHosted(model="deepseek-v3.3")
