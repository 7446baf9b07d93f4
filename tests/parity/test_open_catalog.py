"""The catalog never cages the user, the same way in LangChain and LlamaIndex (against a scripted provider).

A model newer than the catalog works with tools and structured output after one warning; a known "no"
is refused with the override named; what the user states (per instance, or in their own catalog file)
reaches every check, ``profile`` and ``metadata``; ``available_models()`` lists what the provider serves.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.tools import tool
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from hostedllm.catalog import UnknownModelWarning, UnverifiedCapabilityWarning, default_catalog
from hostedllm.errors import ConfigurationError, UnknownModelError, UnsupportedCapabilityError
from langchain_hostedllm import ChatBaichuan, ChatHosted, ChatNovita
from llama_index.llms.hostedllm import Baichuan, Novita
from llama_index.llms.hostedllm import HostedLLM as LIHostedLLM

from ..scripted import ScriptedProvider, completion, text_stream, tool_call

NEW = "qwen/qwen9-max-2027"  # newer than any catalog
FIXTURES = Path(__file__).parents[1] / "cassettes" / "models"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


def weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


def categories(records: list[warnings.WarningMessage]) -> list[type[Warning]]:
    return [record.category for record in records]


@pytest.fixture
def record() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield records


class TestANewerModel:
    def test_langchain_tools_and_structured_output_after_one_warning(
        self, provider: ScriptedProvider, record: list[warnings.WarningMessage]
    ) -> None:
        chat = ChatNovita(model=NEW, **provider.transports)
        assert categories(record) == [UnknownModelWarning]
        assert "not in hostedllm's catalog for novita" in str(record[0].message)
        provider.json(completion(None, tool_calls=[tool_call("get_weather", '{"city": "Paris"}')]))
        answer = chat.bind_tools([get_weather]).invoke("Weather in Paris?")
        assert answer.tool_calls[0]["args"] == {"city": "Paris"}  # type: ignore[attr-defined]
        assert provider.last["model"] == NEW
        assert provider.last["tools"][0]["function"]["name"] == "get_weather"
        provider.json(completion('{"name": "Ada", "age": 36}'))
        assert chat.with_structured_output(Person).invoke("Ada, 36") == Person(name="Ada", age=36)
        assert provider.last["response_format"]["type"] == "json_schema"
        unverified = [str(r.message) for r in record if r.category is UnverifiedCapabilityWarning]
        assert len(unverified) == 2
        assert "tool calling" in unverified[0]
        assert "json_schema" in unverified[1]
        ChatNovita(model=NEW, **provider.transports).bind_tools([get_weather])
        assert categories(record).count(UnknownModelWarning) == 1, "one warning per model and process"

    def test_llamaindex_tools_and_structured_output_after_one_warning(
        self, provider: ScriptedProvider, record: list[warnings.WarningMessage]
    ) -> None:
        llm = Novita(model=NEW, **provider.transports)
        assert categories(record) == [UnknownModelWarning]
        assert llm.metadata.is_function_calling_model, "unknown is tried: agents take the tool path"
        provider.json(completion(None, tool_calls=[tool_call("weather", '{"city": "Paris"}')]))
        response = llm.chat_with_tools([FunctionTool.from_defaults(weather)], user_msg="Weather in Paris?")
        assert llm.get_tool_calls_from_response(response)[0].tool_kwargs == {"city": "Paris"}
        assert provider.last["tools"][0]["function"]["name"] == "weather"
        provider.json(completion('{"name": "Ada", "age": 36}'))
        person = llm.structured_predict(Person, PromptTemplate("Who is {who}?"), who="Ada")
        assert person == Person(name="Ada", age=36)
        # the core's one choice, as LangChain's with_structured_output above: an untried JSON schema first
        assert provider.last["response_format"]["type"] == "json_schema"
        assert provider.last["response_format"]["json_schema"]["name"] == "Person"
        unverified = [str(r.message) for r in record if r.category is UnverifiedCapabilityWarning]
        assert len(unverified) == 2
        assert "tool calling" in unverified[0]
        assert "json_schema" in unverified[1]

    def test_async_and_streams_send_too(self, provider: ScriptedProvider) -> None:
        with pytest.warns(UnknownModelWarning):
            chat = ChatNovita(model=NEW, **provider.transports)
        llm = Novita(model=NEW, **provider.transports)
        provider.json(completion("Hi")).json(completion("Hi"))
        provider.stream(text_stream("H", "i")).stream(text_stream("H", "i"))
        with pytest.warns(UnverifiedCapabilityWarning):
            assert asyncio.run(chat.bind_tools([get_weather]).ainvoke("x")).content == "Hi"
        tools = [FunctionTool.from_defaults(weather)]
        assert asyncio.run(llm.achat_with_tools(tools, user_msg="x")).message.content == "Hi"
        assert "".join(str(c.content) for c in chat.bind_tools([get_weather]).stream("x")) == "Hi"
        assert list(llm.stream_chat_with_tools(tools, user_msg="x"))[-1].message.content == "Hi"
        assert [r["model"] for r in provider.requests] == [NEW] * 4
        assert [bool(r.get("stream")) for r in provider.requests] == [False, False, True, True]
        assert all(r["tools"][0]["function"]["name"] in ("get_weather", "weather") for r in provider.requests)

    def test_any_provider_classes_take_provider_and_id(self) -> None:
        with pytest.warns(UnknownModelWarning):
            chat = ChatHosted(model=f"novita:{NEW}")
        llm = LIHostedLLM(model=f"novita:{NEW}")
        assert (chat.provider, chat.model) == (llm.provider, llm.model) == ("novita", NEW)

    def test_strict_catalog_refuses_in_both(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(UnknownModelError, match="strict_catalog=True"):
            ChatNovita(model=NEW, strict_catalog=True)
        with pytest.raises(UnknownModelError, match="strict_catalog=True"):
            Novita(model=NEW, strict_catalog=True)
        monkeypatch.setenv("HOSTEDLLM_STRICT_CATALOG", "true")
        with pytest.raises(UnknownModelError, match=r"Did you mean 'qwen/qwen-2\.5-72b-instruct'"):
            ChatNovita(model="qwen/qwen-2.5-72b-instrukt")
        with pytest.raises(UnknownModelError, match=r"Did you mean 'qwen/qwen-2\.5-72b-instruct'"):
            Novita(model="qwen/qwen-2.5-72b-instrukt")
        assert Novita(model=NEW, allow_unknown_model=True).model == NEW, "the explicit opt-in still works"


class TestWhatTheUserStates:
    """Baichuan2-Turbo has tools = false in the catalog (Baichuan's own /models says function_call: false)."""

    def test_a_known_no_is_refused_naming_the_override(self, provider: ScriptedProvider) -> None:
        fix = r"pass capabilities=\{'tools': True\}"
        with pytest.raises(UnsupportedCapabilityError, match=r"does not support tool calling.*" + fix):
            ChatBaichuan(model="Baichuan2-Turbo", **provider.transports).bind_tools([get_weather])
        llm = Baichuan(model="Baichuan2-Turbo", **provider.transports)
        assert not llm.metadata.is_function_calling_model
        with pytest.raises(UnsupportedCapabilityError, match=fix):
            llm.chat_with_tools([FunctionTool.from_defaults(weather)], user_msg="x")
        assert provider.requests == []

    def test_the_override_reaches_every_check(self, provider: ScriptedProvider) -> None:
        provider.json(completion("Hi")).json(completion("Hi"))
        chat = ChatBaichuan(model="Baichuan2-Turbo", capabilities={"tools": True}, **provider.transports)
        assert chat.profile is not None
        assert chat.profile["tool_calling"] is True
        chat.bind_tools([get_weather]).invoke("x")
        llm = Baichuan(model="Baichuan2-Turbo", is_function_calling_model=True, **provider.transports)
        assert llm.metadata.is_function_calling_model
        llm.chat_with_tools([FunctionTool.from_defaults(weather)], user_msg="x")
        assert [r["tools"][0]["function"]["name"] for r in provider.requests] == ["get_weather", "weather"]

    def test_windows_outputs_and_prices(self, provider: ScriptedProvider) -> None:
        facts: dict[str, Any] = {
            "context_window": 65536,
            "max_output_tokens": 8192,
            "price": {"input": 1.0, "output": 2.0},
            "capabilities": {"json_schema": True, "vision": False},
        }
        with pytest.warns(UnknownModelWarning):
            chat = ChatNovita(model=NEW, **facts, **provider.transports)
        llm = Novita(model=NEW, **facts, **provider.transports)
        assert chat.profile is not None
        assert (chat.profile["max_input_tokens"], chat.profile["max_output_tokens"]) == (65536, 8192)
        assert (chat.profile["structured_output"], chat.profile["image_inputs"]) == (True, False)
        assert "tool_calling" not in chat.profile, "unknown stays unknown"
        assert (llm.metadata.context_window, llm.metadata.num_output) == (65536, 8192)
        for entry in (chat.catalog_entry, llm.catalog_entry):
            assert entry.sources[0].startswith("set by the user")
            assert entry.price is not None
            assert (entry.price.input, entry.price.currency) == (1.0, "USD")
        usage = {"prompt_tokens": 1_000_000, "completion_tokens": 500_000, "total_tokens": 1_500_000}
        provider.json(completion("Hi", usage=usage))
        assert chat.invoke("x").response_metadata["estimated_cost"]["total"] == pytest.approx(2.0)
        with pytest.raises(UnsupportedCapabilityError, match="does not support images"):
            llm.chat([_image_message()])

    def test_a_langchain_profile_states_facts_too(self, provider: ScriptedProvider) -> None:
        chat = ChatBaichuan(
            model="Baichuan2-Turbo", profile={"tool_calling": True, "max_input_tokens": 16000}, **provider.transports
        )
        assert (chat.catalog_entry.capabilities.tools, chat.catalog_entry.context_window) == (True, 16000)
        provider.json(completion("Hi"))
        chat.bind_tools([get_weather]).invoke("x")
        assert provider.last["tools"][0]["function"]["name"] == "get_weather"

    def test_bad_statements_fail_at_construction_in_both(self) -> None:
        for build in (ChatNovita, Novita):
            with pytest.raises(ValueError, match="capabilities has unknown keys \\['function_calling'\\]"):
                build(model="deepseek/deepseek-v3.2", capabilities={"function_calling": True})
            with pytest.raises(ValueError, match=r"price=.* is not valid"):
                build(model="deepseek/deepseek-v3.2", price={"input": -1, "output": 1})
            with pytest.raises(ValueError, match="max_output_tokens 9000 exceeds context_window 4096"):
                build(model="deepseek/deepseek-v3.2", context_window=4096, max_output_tokens=9000)


class TestTheUsersCatalogFile:
    @pytest.fixture
    def user_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
        path = tmp_path / "my-models.toml"
        path.write_text(
            "# the models of our self-hosted NIM, and what we know better\n"
            "[[model]]\n"
            'provider = "nim"\n'
            'id = "acme/finetune-70b"\n'
            "context_window = 32768\n"
            'capabilities = { tools = true, tool_choice = ["auto", "none", "function"], json_schema = true }\n'
            'sources = ["our own deployment"]\n'
            "\n"
            "[[model]]\n"
            'provider = "baichuan"\n'
            'id = "Baichuan2-Turbo"\n'
            "capabilities = { tools = true }\n"
            'sources = ["our own test"]\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("HOSTEDLLM_CATALOG", str(path))
        default_catalog.cache_clear()
        yield path
        monkeypatch.delenv("HOSTEDLLM_CATALOG")
        default_catalog.cache_clear()

    def test_adds_and_overrides_entries_for_both_frameworks(
        self, user_file: Path, provider: ScriptedProvider, record: list[warnings.WarningMessage]
    ) -> None:
        from langchain_hostedllm import ChatNIM
        from llama_index.llms.hostedllm import NIM

        chat = ChatNIM(model="acme/finetune-70b", **provider.transports)
        llm = NIM(model="acme/finetune-70b", **provider.transports)
        assert categories(record) == [], "a model in the user's file is known: no warning"
        assert chat.catalog_entry.origin == llm.catalog_entry.origin == "user"
        assert chat.profile is not None
        assert chat.profile["max_input_tokens"] == llm.metadata.context_window == 32768
        provider.json(completion("Hi"))
        chat.bind_tools([get_weather], tool_choice="get_weather").invoke("x")
        assert provider.last["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
        turbo = default_catalog().get("baichuan:Baichuan2-Turbo")
        assert turbo.capabilities.tools
        assert turbo.context_window == 32768, "fields not given keep the packaged ones"
        assert Baichuan(model="Baichuan2-Turbo").metadata.is_function_calling_model

    def test_a_bad_file_is_named(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "broken.toml"
        path.write_text('[[model]]\nprovider = "nim"\nid = "x"\ncontext = 5\nsources = ["s"]\n', encoding="utf-8")
        monkeypatch.setenv("HOSTEDLLM_CATALOG", str(path))
        default_catalog.cache_clear()
        try:
            with pytest.raises(ConfigurationError, match=r"broken\.toml.*HOSTEDLLM_CATALOG.*Extra inputs"):
                ChatNovita(model="deepseek/deepseek-v3.2")
        finally:
            monkeypatch.delenv("HOSTEDLLM_CATALOG")
            default_catalog.cache_clear()


class TestAvailableModels:
    def replay(self, seen: list[httpx.Request]) -> dict[str, Any]:
        fixture = json.loads((FIXTURES / "novita.json").read_text("utf-8"))

        def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json=fixture["response"]["json"])

        return {"http_transport": httpx.MockTransport(handle), "async_http_transport": httpx.MockTransport(handle)}

    def test_every_class_lists_what_the_provider_serves(self) -> None:
        seen: list[httpx.Request] = []
        transports = self.replay(seen)
        chat = ChatNovita(model="deepseek/deepseek-v3.2", **transports)
        llm = Novita(model="deepseek/deepseek-v3.2", **transports)
        assert seen == [], "never in a constructor"
        lists = [
            chat.available_models(),
            asyncio.run(chat.aavailable_models()),
            llm.available_models(),
            asyncio.run(llm.aavailable_models()),
            ChatNovita.get_available_models(**transports),
            Novita.get_available_models(**transports),
            ChatHosted.get_available_models(provider="novita", **transports),
        ]
        assert len(seen) == len(lists)
        assert {str(request.url) for request in seen} == {"https://api.novita.ai/v3/openai/models"}
        keys = [[entry.key for entry in listed] for listed in lists]
        assert all(k == keys[0] for k in keys), "the same list from every class, sync and async"
        llama = next(e for e in lists[0] if e.id == "meta-llama/llama-3.3-70b-instruct")
        assert llama.origin == "curated", "the catalog's facts win for a model it knows"
        assert {request.headers["Authorization"] for request in seen} == {"Bearer test-key-not-a-secret"}, (
            "every class lists with its provider's own key (NOVITA_API_KEY, set by tests/conftest.py)"
        )


def _image_message() -> Any:
    from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock

    return ChatMessage(role="user", blocks=[TextBlock(text="What is this?"), ImageBlock(url="https://x.example/a.png")])


@pytest.mark.parametrize(
    ("langchain_class", "llamaindex_class", "model"),
    [
        (ChatNovita, Novita, "qwen/qwen-2.5-72b-instruct"),
        ("ChatNIM", "NIM", "meta/llama-3.3-70b-instruct"),
        ("ChatLocal", "Local", "smollm2-135m-instruct"),
    ],
)
def test_both_frameworks_force_a_tool_call_the_same_way(
    langchain_class: Any, llamaindex_class: Any, model: str
) -> None:
    """LangChain's ``tool_choice="any"`` and LlamaIndex's ``tool_required=True`` ask the core's one policy."""
    import langchain_hostedllm
    import llama_index.llms.hostedllm

    lc = getattr(langchain_hostedllm, langchain_class) if isinstance(langchain_class, str) else langchain_class
    li = (
        getattr(llama_index.llms.hostedllm, llamaindex_class) if isinstance(llamaindex_class, str) else llamaindex_class
    )
    bound = lc(model=model).bind_tools([get_weather], tool_choice="any")
    tool = FunctionTool.from_defaults(weather, name="get_weather")
    prepared = li(model=model)._prepare_chat_with_tools([tool], "x", tool_required=True)
    named = {"type": "function", "function": {"name": "get_weather"}}
    assert bound.kwargs["tool_choice"] == prepared["tool_choice"]  # type: ignore[attr-defined]
    assert prepared["tool_choice"] in ("required", named)


class TestReasoningReadsTheSameEverywhere:
    """``<think>hmm</think>Hi`` is the answer ``Hi`` with reasoning ``hmm`` in every reader (one core splitter)."""

    def test_whole_answers(self, provider: ScriptedProvider) -> None:
        from langchain_hostedllm import Hosted as StringLLM

        for _ in range(3):
            provider.json(completion("<think>hmm</think>Hi"))
        message = ChatNovita(model="deepseek/deepseek-v3.2", **provider.transports).invoke("x")
        assert (message.content, message.additional_kwargs["reasoning_content"]) == ("Hi", "hmm")
        result = StringLLM(model="novita:deepseek/deepseek-v3.2", **provider.transports).generate(["x"])
        generation = result.generations[0][0]
        assert generation.text == "Hi"
        assert generation.generation_info is not None
        assert generation.generation_info["reasoning_content"] == "hmm"
        response = Novita(model="deepseek/deepseek-v3.2", **provider.transports).complete("x")
        assert response.text == "Hi"

    def test_streams(self, provider: ScriptedProvider) -> None:
        from langchain_hostedllm import Hosted as StringLLM

        for _ in range(3):
            provider.stream(text_stream("<think>h", "mm</th", "ink>H", "i"))
        chat = ChatNovita(model="deepseek/deepseek-v3.2", **provider.transports)
        assert "".join(str(c.content) for c in chat.stream("x")) == "Hi"
        string_llm = StringLLM(model="novita:deepseek/deepseek-v3.2", **provider.transports)
        assert "".join(string_llm.stream("x")) == "Hi"
        last = list(Novita(model="deepseek/deepseek-v3.2", **provider.transports).stream_complete("x"))[-1]
        assert last.text == "Hi"
