"""The LlamaIndex classes: contract, metadata from the catalog, tools and structured output (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, TextBlock, ToolCallBlock
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from hostedllm.catalog import default_catalog
from hostedllm.errors import ConfigurationError, ParameterRangeError, RequestValidationError, UnsupportedCapabilityError
from hostedllm.request import max_tokens_limit
from llama_index.llms.hostedllm import NIM, Baichuan, HostedLLM, Local, Novita, ToolChoiceWarning

from ..scripted import ScriptedProvider, completion, tool_call

CLASSES = [
    (Baichuan, "Baichuan4"),
    (NIM, "meta/llama-3.3-70b-instruct"),
    (Novita, "qwen/qwen-2.5-72b-instruct"),
    (Local, "smollm2-135m-instruct"),
    (HostedLLM, "novita:deepseek/deepseek-v3.2"),
]
ACTIVE = [entry for entry in default_catalog() if entry.status.state == "active" and entry.kind == "chat"]


class Person(BaseModel):
    """A person."""

    name: str
    age: int


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


ADD = FunctionTool.from_defaults(fn=add)


@pytest.mark.parametrize(("cls", "model"), CLASSES)
def test_template_contract(cls: type[BaseLLM], model: str) -> None:
    assert BaseLLM.__name__ in [c.__name__ for c in cls.__mro__]
    assert issubclass(cls, FunctionCallingLLM), "truly async, with tool calling"
    llm = cls(model=model)
    assert llm.metadata.is_chat_model
    assert llm.client._http._client is None, "no connection opened in __init__"


@pytest.mark.parametrize("entry", ACTIVE, ids=[e.key for e in ACTIVE])
def test_metadata_per_catalog_model(entry: Any) -> None:
    meta = HostedLLM(model=entry.key).metadata
    assert meta.context_window == (entry.context_window or 3900)
    assert meta.num_output == (max_tokens_limit(entry) or 256)
    assert meta.is_function_calling_model is (entry.capabilities.tools is not False), "unknown: agents try tools"
    assert meta.model_name == entry.id


def test_every_metadata_field_can_be_overridden() -> None:
    llm = Novita(
        model="qwen/qwen-2.5-72b-instruct",
        context_window=8000,
        max_tokens=100,
        is_function_calling_model=False,
        base_url="https://proxy.example/v1",
    )
    meta = llm.metadata
    assert (meta.context_window, meta.num_output, meta.is_function_calling_model) == (8000, 100, False)
    assert llm.api_base == "https://proxy.example/v1"
    assert llm.client.base_url == "https://proxy.example/v1"
    assert Novita(model="qwen/qwen-2.5-72b-instruct", api_base="https://a.example/v1").client.base_url == (
        "https://a.example/v1"
    )


def test_keys_only_from_the_providers_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOVITA_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(ConfigurationError, match="NOVITA_API_KEY"):
        Novita(model="qwen/qwen-2.5-72b-instruct")
    llm = Novita(model="qwen/qwen-2.5-72b-instruct", api_key="nk-secret-123")
    assert "nk-secret-123" not in str(llm.to_dict())
    assert "nk-secret-123" not in repr(llm)


def test_bad_values_fail_at_construction() -> None:
    with pytest.raises(ParameterRangeError, match=r"top_k=30 .* \[0, 20\]"):
        Baichuan(model="Baichuan4", top_k=30)


class TestTools:
    def test_prepare_does_not_mutate_history(self) -> None:
        history = [ChatMessage(role=MessageRole.USER, content="hi")]
        kwargs = Novita(model="qwen/qwen-2.5-72b-instruct")._prepare_chat_with_tools(
            [ADD], user_msg="add 1 and 2", chat_history=history
        )
        assert len(history) == 1
        assert [m.content for m in kwargs["messages"]] == ["hi", "add 1 and 2"]
        assert kwargs["tools"][0]["function"]["name"] == "add"
        assert (kwargs["tool_choice"], kwargs["parallel_tool_calls"]) == ("auto", False)

    def test_tool_required_maps_to_what_the_model_takes(self) -> None:
        novita = Novita(model="qwen/qwen-2.5-72b-instruct")._prepare_chat_with_tools([ADD], "x", tool_required=True)
        assert novita["tool_choice"] == "required"
        nim = NIM(model="meta/llama-3.3-70b-instruct")._prepare_chat_with_tools([ADD], "x", tool_required=True)
        assert nim["tool_choice"] == {"type": "function", "function": {"name": "add"}}
        assert nim["parallel_tool_calls"] is None, "NIM makes one call at a time: the flag is not sent"

    def test_baichuan_cannot_require_a_tool_and_says_so(self) -> None:
        provider = ScriptedProvider().json(completion(None, tool_calls=[tool_call("add", '{"a": 1, "b": 2}')]))
        llm = Baichuan(model="Baichuan4", **provider.transports)
        with pytest.warns(ToolChoiceWarning, match="cannot be made to call a tool"):
            llm.chat_with_tools([ADD], user_msg="add 1 and 2", tool_required=True)
        assert provider.last["tool_choice"] == "auto"

    def test_an_explicit_choice_it_cannot_honour_is_refused_before_sending(self) -> None:
        provider = ScriptedProvider()
        llm = Baichuan(model="Baichuan4", **provider.transports)
        with pytest.raises(UnsupportedCapabilityError, match="accepts 'auto', 'none'"):
            llm.chat_with_tools([ADD], user_msg="add 1 and 2", tool_choice="required")
        assert provider.requests == []

    def test_tool_calls_with_partial_json(self) -> None:
        response = ChatResponse(
            message=ChatMessage(
                role=MessageRole.ASSISTANT,
                blocks=[
                    TextBlock(text=""),
                    ToolCallBlock(tool_call_id="c1", tool_name="add", tool_kwargs='{"a": 1, "b": 2}'),
                    ToolCallBlock(tool_call_id="c2", tool_name="add", tool_kwargs='{"a": 3, "b":'),
                ],
            )
        )
        calls = Novita(model="qwen/qwen-2.5-72b-instruct").get_tool_calls_from_response(response)
        assert [(c.tool_id, c.tool_kwargs) for c in calls] == [("c1", {"a": 1, "b": 2}), ("c2", {"a": 3, "b": None})]

    def test_no_tool_call(self) -> None:
        response = ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content="no"))
        llm = Novita(model="qwen/qwen-2.5-72b-instruct")
        with pytest.raises(ValueError, match="Expected at least one tool call"):
            llm.get_tool_calls_from_response(response)
        assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []

    def test_single_call_when_parallel_is_not_allowed(self) -> None:
        provider = ScriptedProvider().json(
            completion(
                None,
                tool_calls=[tool_call("add", '{"a": 1, "b": 2}', "c1"), tool_call("add", '{"a": 3, "b": 4}', "c2")],
            )
        )
        llm = Novita(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        response = llm.chat_with_tools([ADD], user_msg="add", allow_parallel_tool_calls=False)
        assert [c.tool_id for c in llm.get_tool_calls_from_response(response)] == ["c1"]
        assert provider.last["parallel_tool_calls"] is False


def test_instrumentation_payload_names_the_provider_not_the_key() -> None:
    from llama_index.llms.hostedllm import HostedLLM

    payload = HostedLLM(model="theturbo:Baichuan4", api_key="sk-secret-payload").to_payload()
    assert payload["provider"] == "theturbo"
    assert payload["model_name"] == "Baichuan4"
    assert "sk-secret-payload" not in repr(payload)


class TestStructured:
    def test_json_schema_where_the_catalog_has_it(self) -> None:
        from llama_index.core.prompts import PromptTemplate

        provider = ScriptedProvider().json(completion('{"name": "Ann", "age": 30}'))
        llm = Novita(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        person = llm.structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ann is 30")
        assert person == Person(name="Ann", age=30)
        assert provider.last["response_format"]["json_schema"]["name"] == "Person"

    def test_a_raw_newline_inside_a_json_string_is_accepted(self) -> None:
        """Small models write literal newlines in JSON strings; LangChain's parser takes them, so do we."""
        from llama_index.core.prompts import PromptTemplate

        provider = ScriptedProvider().json(completion('{"name": "Ann\nLee", "age": 30}'))
        llm = Novita(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        person = llm.structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ann Lee is 30")
        assert person == Person(name="Ann\nLee", age=30)

    def test_an_answer_that_is_not_json_is_a_validation_error(self) -> None:
        from llama_index.core.prompts import PromptTemplate
        from pydantic import ValidationError

        provider = ScriptedProvider().json(completion("Ann is thirty"))
        llm = Novita(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        with pytest.raises(ValidationError, match="Invalid JSON"):
            llm.structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ann is 30")

    def test_tools_where_there_is_no_json_schema(self) -> None:
        from llama_index.core.prompts import PromptTemplate

        provider = ScriptedProvider().json(
            completion(None, tool_calls=[tool_call("Person", '{"name": "Ann", "age": 30}')])
        )
        llm = Baichuan(model="Baichuan4", **provider.transports)
        with pytest.warns(ToolChoiceWarning):
            person = llm.structured_predict(Person, PromptTemplate("Extract: {text}"), text="Ann is 30")
        assert person == Person(name="Ann", age=30)
        assert provider.last["tools"][0]["function"]["name"] == "Person"
        assert "response_format" not in provider.last

    def test_as_structured_llm(self) -> None:
        provider = ScriptedProvider().json(completion('{"name": "Bo", "age": 5}'))
        llm = Novita(model="qwen/qwen-2.5-72b-instruct", **provider.transports).as_structured_llm(Person)
        response = llm.chat([ChatMessage(role=MessageRole.USER, content="Bo is 5")])
        assert response.raw == Person(name="Bo", age=5)


def test_baichuan_server_tools_reach_the_request() -> None:
    provider = ScriptedProvider().json(completion("News"))
    llm = Baichuan(model="Baichuan4", web_search=True, retrieval={"kb_ids": ["kb-1"]}, **provider.transports)
    llm.complete("Latest news?")
    assert provider.last["tools"] == [
        {"type": "web_search", "web_search": {"enable": True}},
        {"type": "retrieval", "retrieval": {"kb_ids": ["kb-1"]}},
    ]


def test_provider_parameters_reach_the_request() -> None:
    """Every parameter of the provider's spec is a field (the same as LangChain's class has)."""
    provider = ScriptedProvider().json(completion("Hi"))
    llm = Novita(
        model="deepseek/deepseek-v3.2", top_logprobs=2, logprobs=True, enable_thinking=False, **provider.transports
    )
    llm.complete("Hi")
    assert {key: provider.last[key] for key in ("logprobs", "top_logprobs", "enable_thinking")} == {
        "logprobs": True,
        "top_logprobs": 2,
        "enable_thinking": False,
    }


def test_logprobs_are_kept() -> None:
    """As llama-index-llms-openai reads them: per token, its top alternatives."""
    logprobs = {
        "content": [
            {
                "token": "Hi",
                "logprob": -0.1,
                "bytes": [72, 105],
                "top_logprobs": [
                    {"token": "Hi", "logprob": -0.1, "bytes": [72, 105]},
                    {"token": "Hey", "logprob": -2.5, "bytes": None},
                ],
            },
        ]
    }
    answer = completion("Hi")
    answer["choices"][0]["logprobs"] = logprobs
    llm = Novita(
        model="deepseek/deepseek-v3.2", logprobs=True, top_logprobs=2, **ScriptedProvider().json(answer).transports
    )
    response = llm.chat([ChatMessage(role=MessageRole.USER, content="Hi")])
    assert response.logprobs is not None
    assert [[(alt.token, alt.logprob, alt.bytes) for alt in token] for token in response.logprobs] == [
        [("Hi", -0.1, [72, 105]), ("Hey", -2.5, [])]
    ]


def test_more_than_one_answer_is_refused_before_sending() -> None:
    """LlamaIndex reads one answer per call: the others would be paid for and dropped."""
    provider = ScriptedProvider()
    refusal = "n=3: a LlamaIndex LLM reads one answer per call"
    with pytest.raises(RequestValidationError, match=refusal):
        Novita(model="deepseek/deepseek-v3.2", n=3, **provider.transports)
    llm = Novita(model="deepseek/deepseek-v3.2", **provider.transports)
    with pytest.raises(RequestValidationError, match=refusal):
        llm.complete("Hi", n=3)
    assert provider.requests == []


def test_the_base_class_keeps_its_old_name_for_one_release() -> None:
    """``HostedLLMBase`` is now ``BaseHostedLLM`` (as LangChain's ``BaseChatHosted``); code using the old name runs."""
    from llama_index.llms.hostedllm import BaseHostedLLM, HostedLLMBase

    assert HostedLLMBase is BaseHostedLLM
    assert issubclass(Novita, HostedLLMBase)


def test_metadata_follows_a_changed_max_tokens_and_is_the_callers_to_change() -> None:
    """Metadata is built once per ``max_tokens`` (every call's events read it), never stale, and each
    read is a copy."""
    llm = Novita(model="deepseek/deepseek-v3.2", max_tokens=64)
    assert llm.metadata.num_output == 64
    llm.max_tokens = 128
    assert llm.metadata.num_output == 128
    llm.metadata.num_output = 1
    assert llm.metadata.num_output == 128
