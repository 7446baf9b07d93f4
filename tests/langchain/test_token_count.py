"""Token counts on the LangChain classes: offline estimates, no transformers, no network; trim_messages works."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models import BaseLanguageModel
from langchain_core.language_models import base as language_model_base
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage, trim_messages
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from hostedllm.token_estimate import estimate_message_tokens, estimate_tokens
from langchain_hostedllm import ChatBaichuan, ChatHosted, ChatLocal, ChatNIM, ChatNovita, Hosted
from langchain_hostedllm.convert import to_wire_messages

TEXT = "Novita AI is a pay-as-you-go host for open-weight models such as Qwen 2.5 72B and Llama 3.3 70B."


#: Each class, built in the test (the fake keys are set per test by the root conftest).
MODELS: dict[str, Callable[[], BaseLanguageModel[Any]]] = {
    "ChatBaichuan": lambda: ChatBaichuan(model="Baichuan4-Turbo"),
    "ChatNIM": lambda: ChatNIM(model="meta/llama-3.3-70b-instruct"),
    "ChatNovita": lambda: ChatNovita(model="qwen/qwen-2.5-72b-instruct"),
    "ChatLocal": lambda: ChatLocal(model="smollm2-135m-instruct", base_url="http://127.0.0.1:9/v1"),
    "ChatHosted": lambda: ChatHosted(model="novita:qwen/qwen-2.5-72b-instruct"),
    "Hosted": lambda: Hosted(model="qwen/qwen-2.5-72b-instruct", provider="novita"),
}


@pytest.fixture
def chat() -> ChatNovita:
    return ChatNovita(model="qwen/qwen-2.5-72b-instruct")


@pytest.fixture
def no_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    """``transformers`` cannot be imported, and LangChain's GPT-2 fallback fails the test if reached."""

    def gpt2(text: str) -> list[int]:
        raise AssertionError("LangChain's GPT-2 tokenizer (transformers) was used")

    monkeypatch.setitem(sys.modules, "transformers", None)
    monkeypatch.setattr(language_model_base, "_get_token_ids_default_method", gpt2)


def history(turns: int) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("Answer from the catalog.")]
    for turn in range(turns):
        messages += [HumanMessage(f"Question {turn}: what does model {turn} cost?"), AIMessage(f"{turn}: {TEXT}")]
    return messages


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="The person's full name")
    age: int = Field(description="Age in years")


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


@pytest.mark.disable_socket
@pytest.mark.usefixtures("no_tokenizer")
class TestOffline:
    @pytest.mark.parametrize("name", MODELS)
    def test_counts_without_transformers_or_network(self, name: str) -> None:
        model = MODELS[name]()
        assert model.get_num_tokens(TEXT) == estimate_tokens(TEXT) > 20
        assert model.get_num_tokens_from_messages(history(2)) > 2 * model.get_num_tokens(TEXT)

    def test_messages_count_as_sent(self, chat: ChatNovita) -> None:
        messages = history(3)
        assert chat.get_num_tokens_from_messages(messages) == estimate_message_tokens(to_wire_messages(messages))

    def test_trim_messages_trims_to_the_budget(self, chat: ChatNovita) -> None:
        messages = history(20)
        budget = 200
        assert chat.get_num_tokens_from_messages(messages) > 4 * budget
        trimmed = trim_messages(
            messages, token_counter=chat, max_tokens=budget, strategy="last", include_system=True, start_on="human"
        )
        assert chat.get_num_tokens_from_messages(trimmed) <= budget
        assert trimmed[0] == messages[0]
        assert trimmed[-1] == messages[-1]
        assert 3 < len(trimmed) < len(messages)
        # Tight: one more turn would not fit, counted as trim_messages counts (the system message by itself).
        kept = len(trimmed) - 1
        system, one_more = [messages[0]], messages[-kept - 2 :]
        assert chat.get_num_tokens_from_messages(system) + chat.get_num_tokens_from_messages(one_more) > budget

    def test_counts_grow_with_text(self, chat: ChatNovita) -> None:
        counts = [chat.get_num_tokens(TEXT * n) for n in range(1, 5)]
        assert counts == sorted(set(counts))
        lists = [chat.get_num_tokens_from_messages(history(turns)) for turns in range(1, 5)]
        assert lists == sorted(set(lists))

    def test_tool_schemas_add_tokens(self, chat: ChatNovita) -> None:
        messages = [HumanMessage("Who is in this text, and what is 6 times 7?")]
        alone = chat.get_num_tokens_from_messages(messages)
        one = chat.get_num_tokens_from_messages(messages, tools=[multiply])
        both = chat.get_num_tokens_from_messages(messages, tools=[multiply, Person])
        assert alone < one < both
        assert both - one > len(Person.model_json_schema()["properties"]) * 5  # the field descriptions count

    def test_tool_calls_and_results_count(self, chat: ChatNovita) -> None:
        question = HumanMessage("What is 6 times 7?")
        call = AIMessage("", tool_calls=[{"name": "multiply", "args": {"a": 6, "b": 7}, "id": "call_1"}])
        result = ToolMessage("42", tool_call_id="call_1")
        assert chat.get_num_tokens_from_messages([question, call]) > chat.get_num_tokens_from_messages(
            [question, AIMessage("")]
        )
        assert chat.get_num_tokens_from_messages([question, call, result]) > chat.get_num_tokens_from_messages(
            [question, call]
        )

    def test_cjk_counts_per_character(self) -> None:
        baichuan = ChatBaichuan(model="Baichuan4-Turbo")
        question = "世界第一高峰是珠穆朗玛峰吗"  # 13 characters
        assert baichuan.get_num_tokens(question) == 13
        assert baichuan.get_num_tokens(question * 10) == 130
        one = baichuan.get_num_tokens_from_messages([HumanMessage(question)])
        assert baichuan.get_num_tokens_from_messages([HumanMessage(question * 2)]) == one + 13

    def test_a_custom_tokenizer_counts_instead(self) -> None:
        chat = ChatNovita(model="qwen/qwen-2.5-72b-instruct", custom_get_token_ids=lambda text: list(text.encode()))
        assert chat.get_num_tokens("héllo") == 6
        llm = Hosted(model="qwen/qwen-2.5-72b-instruct", provider="novita", custom_get_token_ids=lambda t: [0] * len(t))
        assert llm.get_num_tokens("hello") == 5
        by_bytes = chat.get_num_tokens_from_messages([HumanMessage("héllo")])
        as_sent = [{"role": "user", "content": "héllo"}]
        assert by_bytes == estimate_message_tokens(as_sent, count=lambda text: len(text.encode()))
