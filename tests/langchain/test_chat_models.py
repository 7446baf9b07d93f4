"""What a LangChain user relies on, for each chat model, against a scripted provider (documented formats)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from hostedllm.catalog import ModelStatusWarning, UnverifiedCapabilityWarning
from hostedllm.errors import (
    ConfigurationError,
    ParameterRangeError,
    QuotaExhaustedError,
    UnknownModelError,
    UnsupportedCapabilityError,
    UnsupportedParameterError,
)
from langchain_hostedllm import ChatBaichuan, ChatHosted, ChatLocal, ChatNIM, ChatNovita, Hosted, HostedLLM

from ..scripted import ScriptedProvider, chunk, completion, sse, text_stream, tool_call, usage_chunk

KEY = "sk-SENTINEL-do-not-leak-123"


class Person(BaseModel):
    """A person."""

    name: str
    age: int


class TokenCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs: Any) -> None:
        self.tokens.append(token)


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider()


def novita(provider: ScriptedProvider, **kwargs: Any) -> ChatNovita:
    return ChatNovita(model="qwen/qwen-2.5-72b-instruct", **provider.transports, **kwargs)


class TestInvoke:
    def test_message_usage_and_metadata(self, provider: ScriptedProvider) -> None:
        provider.json(
            completion(
                "Hi there",
                model="qwen/qwen-2.5-72b-instruct-served",
                system_fingerprint="fp1",
                usage={"prompt_tokens": 46, "completion_tokens": 40, "total_tokens": 86},
            )
        )
        message = novita(provider).invoke("Hello")
        assert isinstance(message, AIMessage)
        assert message.content == "Hi there"
        assert message.usage_metadata == {"input_tokens": 46, "output_tokens": 40, "total_tokens": 86}
        meta = message.response_metadata
        assert meta["finish_reason"] == "stop"
        assert meta["model_name"] == "qwen/qwen-2.5-72b-instruct-served", "the server-reported model"
        assert meta["model_provider"] == "novita"
        assert meta["id"].startswith("chatcmpl-")
        assert meta["system_fingerprint"] == "fp1"
        assert meta["estimated_cost"]["currency"] == "USD"
        assert meta["estimated_cost"]["total"] == pytest.approx(46 * 0.38e-6 + 40 * 0.40e-6)

    def test_provider_extras_are_kept(self, provider: ScriptedProvider) -> None:
        cites = {"cites": [{"title": "a.pdf", "content": "x", "file_id": "file-1"}]}
        provider.json(completion("From the KB", knowledge_base=cites))
        chat = ChatBaichuan(model="Baichuan4", retrieval={"kb_ids": ["kb-1"]}, **provider.transports)
        message = chat.invoke("Q")
        assert message.response_metadata["knowledge_base"] == cites
        assert provider.last["tools"] == [{"type": "retrieval", "retrieval": {"kb_ids": ["kb-1"]}}]

    def test_stop_max_tokens_and_provider_params_reach_the_request(self, provider: ScriptedProvider) -> None:
        provider.json(completion()).json(completion())
        chat = ChatBaichuan(
            model="Baichuan4", temperature=0.3, top_k=5, max_tokens=256, stop=["END"], **provider.transports
        )
        chat.invoke("Hi")
        assert {k: provider.last[k] for k in ("temperature", "top_k", "max_tokens", "stop")} == {
            "temperature": 0.3,
            "top_k": 5,
            "max_tokens": 256,
            "stop": ["END"],
        }
        assert "tools" not in provider.last, "no empty tools list is ever sent"
        chat.invoke("Hi", stop=["\n"], max_tokens=10)
        assert (provider.last["stop"], provider.last["max_tokens"]) == (["\n"], 10)

    def test_per_call_model_override(self, provider: ScriptedProvider) -> None:
        provider.json(completion())
        chat = ChatBaichuan(model="Baichuan4", **provider.transports)
        chat.invoke("Hi", model="Baichuan4-Air")
        assert provider.last["model"] == "Baichuan4-Air"
        assert chat._get_ls_params(model="Baichuan4-Air")["ls_model_name"] == "Baichuan4-Air"

    def test_n_gives_several_generations(self, provider: ScriptedProvider) -> None:
        answer = completion("one")
        answer["choices"].append(
            {"index": 1, "message": {"role": "assistant", "content": "two"}, "finish_reason": "stop"}
        )
        provider.json(answer)
        result = novita(provider, n=2).generate([[HumanMessage("Hi")]])
        assert [g.text for g in result.generations[0]] == ["one", "two"]
        assert provider.last["n"] == 2
        with pytest.raises(ValueError, match="n > 1 cannot be streamed"):
            list(novita(provider, n=2).stream("Hi"))

    def test_reasoning_field_and_think_tags(self, provider: ScriptedProvider) -> None:
        answer = completion("42")
        answer["choices"][0]["message"]["reasoning_content"] = "6 times 7"
        provider.json(answer).json(completion("<think>\nadd them\n</think>\n\nIt is 4."))
        chat = ChatNovita(model="deepseek/deepseek-v3.2", **provider.transports)
        first = chat.invoke("6*7?")
        assert first.additional_kwargs["reasoning_content"] == "6 times 7"
        assert any(block["type"] == "reasoning" for block in first.content_blocks)
        second = chat.invoke("2+2?")
        assert second.content == "It is 4."
        assert second.additional_kwargs["reasoning_content"] == "add them"

    def test_typed_error_and_no_second_request(self, provider: ScriptedProvider) -> None:
        provider.json({"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "no money"}, status=403)
        with pytest.raises(QuotaExhaustedError, match=r"\[novita\] HTTP 403: NOT_ENOUGH_BALANCE"):
            novita(provider).invoke("Hi")
        assert len(provider.requests) == 1


class TestStream:
    def test_tokens_callbacks_and_one_usage_chunk(self, provider: ScriptedProvider) -> None:
        provider.stream(text_stream("Hel", "lo", "!"))
        counter = TokenCounter()
        chunks = list(novita(provider).stream("Hi", config={"callbacks": [counter]}))
        assert "".join(c.text for c in chunks) == "Hello!"
        assert counter.tokens == [c.text for c in chunks], "on_llm_new_token fires for every chunk"
        assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
        assert chunks[-1].chunk_position == "last"
        total = sum(chunks[1:], chunks[0])
        assert isinstance(total, AIMessageChunk)
        assert total.usage_metadata == {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
        assert total.response_metadata["finish_reason"] == "stop"
        assert total.response_metadata["model_name"] == "served-model"
        assert "estimated_cost" in total.response_metadata
        assert provider.last["stream_options"] == {"include_usage": True}

    def test_stream_usage_off(self, provider: ScriptedProvider) -> None:
        provider.stream(text_stream("x", usage=False))
        list(novita(provider, stream_usage=False).stream("Hi"))
        assert "stream_options" not in provider.last

    def test_stream_usage_cannot_be_forced_where_unreported(self) -> None:
        with pytest.raises(ValueError, match="does not report usage in streams"):
            ChatLocal(model="smollm2-135m-instruct", stream_usage=True)

    def test_streaming_invoke_uses_the_stream(self, provider: ScriptedProvider) -> None:
        provider.stream(text_stream("a", "b"))
        counter = TokenCounter()
        message = novita(provider, streaming=True).invoke("Hi", config={"callbacks": [counter]})
        assert message.content == "ab"
        assert "".join(counter.tokens) == "ab"
        assert provider.last["stream"] is True

    def test_think_tags_split_across_chunks(self, provider: ScriptedProvider) -> None:
        provider.stream(text_stream("<thi", "nk>plan", " it</th", "ink>Answer", "."))
        chat = ChatNovita(model="deepseek/deepseek-v3.2", **provider.transports)
        chunks = list(chat.stream("Q"))
        total = sum(chunks[1:], chunks[0])
        assert total.content == "Answer."
        assert total.additional_kwargs["reasoning_content"] == "plan it"

    def test_baichuan_documented_stream_quirks(self, provider: ScriptedProvider) -> None:
        events = [
            {
                "id": "1",
                "model": "Baichuan4",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "珠穆"}, "finish_reason": ""}],
            },
            {
                "id": "1",
                "model": "Baichuan4",
                "choices": [{"index": 0, "delta": {"role": "assistant", "content": "朗玛峰"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7},
            },
        ]
        body = "".join(f"data:{json.dumps(e, ensure_ascii=False)}\n\n" for e in events) + "data: [DONE]\n\n"
        provider.stream(body.encode())
        chunks = list(ChatBaichuan(model="Baichuan4", **provider.transports).stream("世界第一高峰"))
        total = sum(chunks[1:], chunks[0])
        assert total.content == "珠穆朗玛峰"
        assert total.usage_metadata is not None
        assert total.usage_metadata["total_tokens"] == 7
        assert "stream_options" not in provider.last

    async def test_astream_and_ainvoke_are_native(
        self, provider: ScriptedProvider, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import langchain_core.language_models.chat_models as core

        def no_threads(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("fell back to a thread pool")

        monkeypatch.setattr(core, "run_in_executor", no_threads)
        provider.stream(text_stream("as", "ync")).json(completion("done"))
        chat = novita(provider)
        chunks = [c async for c in chat.astream("Hi")]
        assert "".join(c.text for c in chunks) == "async"
        assert (await chat.ainvoke("Hi")).content == "done"

    async def test_abatch_respects_max_concurrency(self, provider: ScriptedProvider) -> None:
        active = 0
        peak = 0

        async def slow(request: Any) -> Any:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1
            return provider.handle(request)

        import httpx

        for _ in range(6):
            provider.json(completion("ok"))
        chat = ChatNovita(model="qwen/qwen-2.5-72b-instruct", async_http_transport=httpx.MockTransport(slow))
        results = await chat.abatch(["a"] * 6, config={"max_concurrency": 2})
        assert [r.content for r in results] == ["ok"] * 6
        assert peak == 2


class TestTools:
    def test_tool_calls_and_invalid_arguments(self, provider: ScriptedProvider) -> None:
        provider.json(
            completion(
                None,
                finish_reason="tool_calls",
                tool_calls=[
                    tool_call("Person", '{"name": "Ann", "age": 30}', "c1"),
                    tool_call("Person", '{"name": ', "c2"),
                ],
            )
        )
        message = novita(provider).bind_tools([Person]).invoke("Who?")
        assert message.content == ""
        assert message.tool_calls == [
            {"name": "Person", "args": {"name": "Ann", "age": 30}, "id": "c1", "type": "tool_call"}
        ]
        assert [c["id"] for c in message.invalid_tool_calls] == ["c2"]
        assert provider.last["tools"][0]["function"]["name"] == "Person"

    @pytest.mark.parametrize("with_index", [True, False])
    def test_streamed_tool_call_chunks(self, provider: ScriptedProvider, with_index: bool) -> None:
        def call(part: dict[str, Any]) -> dict[str, Any]:
            return {**part, "index": 0} if with_index else part

        provider.stream(
            sse(
                [
                    chunk(
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                call({"id": "c1", "type": "function", "function": {"name": "Person", "arguments": ""}})
                            ],
                        }
                    ),
                    chunk({"tool_calls": [call({"function": {"arguments": '{"name": "Ann", '}})]}),
                    chunk({"tool_calls": [call({"function": {"arguments": '"age": 30}'}})]}),
                    chunk({}, "tool_calls"),
                    usage_chunk(),
                ]
            )
        )
        chunks = list(novita(provider).bind_tools([Person]).stream("Who?"))
        total = sum(chunks[1:], chunks[0])
        assert total.tool_call_chunks[0]["index"] == 0
        assert total.tool_calls == [
            {"name": "Person", "args": {"name": "Ann", "age": 30}, "id": "c1", "type": "tool_call"}
        ]

    def test_tool_history_round_trips(self, provider: ScriptedProvider) -> None:
        provider.json(completion("It is sunny."))
        history = [
            SystemMessage("Be brief."),
            HumanMessage("Weather in Paris?"),
            AIMessage("", tool_calls=[{"name": "Person", "args": {"name": "Paris", "age": 1}, "id": "c1"}]),
            ToolMessage("sunny", tool_call_id="c1"),
        ]
        ChatNIM(model="meta/llama-3.3-70b-instruct", **provider.transports).bind_tools([Person]).invoke(history)
        sent = provider.last["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool"]
        assert sent[2]["tool_calls"][0]["function"] == {"name": "Person", "arguments": '{"name": "Paris", "age": 1}'}
        assert sent[3] == {"role": "tool", "content": "sunny", "tool_call_id": "c1"}

    def test_any_becomes_a_named_choice_where_required_is_not_offered(self, provider: ScriptedProvider) -> None:
        provider.json(completion(None, tool_calls=[tool_call("Person", '{"name": "A", "age": 1}')]))
        chat = ChatNIM(model="meta/llama-3.3-70b-instruct", **provider.transports)
        chat.bind_tools([Person], tool_choice="any").invoke("Who?")
        assert provider.last["tool_choice"] == {"type": "function", "function": {"name": "Person"}}

    def test_a_choice_baichuan_cannot_honour_is_refused_before_sending(self, provider: ScriptedProvider) -> None:
        chat = ChatBaichuan(model="Baichuan4", **provider.transports).bind_tools([Person], tool_choice="any")
        with pytest.raises(UnsupportedCapabilityError, match="accepts 'auto', 'none'"):
            chat.invoke("Who?")
        assert provider.requests == []

    def test_tools_on_a_model_without_them_are_refused_at_bind(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match="does not support tool calling"):
            ChatBaichuan(model="Baichuan2-Turbo").bind_tools([Person])

    def test_baichuan_web_search_is_a_server_tool(self, provider: ScriptedProvider) -> None:
        provider.json(completion())
        ChatBaichuan(model="Baichuan4", web_search="quality_first", **provider.transports).invoke("News?")
        assert provider.last["tools"] == [
            {"type": "web_search", "web_search": {"enable": True, "search_mode": "quality_first"}}
        ]


class TestStructuredOutput:
    def test_json_schema(self, provider: ScriptedProvider) -> None:
        provider.json(completion('{"name": "Ann", "age": 30}'))
        result = novita(provider).with_structured_output(Person).invoke("Ann is 30")
        assert result == Person(name="Ann", age=30)
        assert provider.last["response_format"]["type"] == "json_schema"
        assert provider.last["response_format"]["json_schema"]["name"] == "Person"

    def test_function_calling_forces_the_tool(self, provider: ScriptedProvider) -> None:
        provider.json(completion(None, tool_calls=[tool_call("Person", '{"name": "Ann", "age": 30}')]))
        chat = ChatNIM(model="meta/llama-3.3-70b-instruct", **provider.transports)
        result = chat.with_structured_output(Person, method="function_calling").invoke("Ann is 30")
        assert result == Person(name="Ann", age=30)
        assert provider.last["tool_choice"] == {"type": "function", "function": {"name": "Person"}}

    def test_json_mode_with_include_raw(self, provider: ScriptedProvider) -> None:
        provider.json(completion('{"name": "Ann", "age": 30}')).json(completion("not json"))
        chat = ChatBaichuan(model="Baichuan4", **provider.transports)
        structured = chat.with_structured_output(Person, method="json_mode", include_raw=True)
        out = structured.invoke("Ann is 30, answer in JSON")
        assert out["parsed"] == Person(name="Ann", age=30)
        assert isinstance(out["raw"], AIMessage)
        assert provider.last["response_format"] == {"type": "json_object"}
        bad = structured.invoke("again")
        assert bad["parsed"] is None
        assert bad["parsing_error"] is not None

    def test_default_method_follows_the_catalog(self, provider: ScriptedProvider) -> None:
        provider.json(completion(None, tool_calls=[tool_call("Person", '{"name": "A", "age": 1}')]))
        ChatBaichuan(model="Baichuan4", **provider.transports).with_structured_output(Person).invoke("x")
        assert "tools" in provider.last, "Baichuan4 has tools but no json_schema: function calling is used"

    def test_unsupported_method_is_refused_before_sending(self, provider: ScriptedProvider) -> None:
        structured = ChatBaichuan(model="Baichuan2-Turbo", **provider.transports).with_structured_output(
            Person, method="json_mode"
        )
        with pytest.raises(
            UnsupportedCapabilityError, match=r"does not support response_format 'json_object'.*capabilities="
        ):
            structured.invoke("x")
        assert provider.requests == []

    def test_an_unverified_method_is_tried_after_one_warning(self, provider: ScriptedProvider) -> None:
        provider.json(completion('{"name": "Ada", "age": 36}'))
        structured = ChatBaichuan(model="Baichuan4", **provider.transports).with_structured_output(
            Person, method="json_schema"
        )
        with pytest.warns(UnverifiedCapabilityWarning, match="response_format 'json_schema'"):
            assert structured.invoke("x") == Person(name="Ada", age=36)
        assert provider.requests[0]["response_format"]["type"] == "json_schema"

    def test_model_without_any_method(self) -> None:
        chat = ChatBaichuan(model="Baichuan2-Turbo", capabilities={"json_schema": False})
        with pytest.raises(UnsupportedCapabilityError, match="supports no structured output"):
            chat.with_structured_output(Person)


class TestConstruction:
    def test_bad_values_fail_at_construction(self) -> None:
        with pytest.raises(ParameterRangeError, match=r"temperature=1.5 .* \[0, 1\]"):
            ChatBaichuan(model="Baichuan4", temperature=1.5)
        with pytest.raises(UnsupportedParameterError, match="does not take 'n'"):
            ChatNIM(model="meta/llama-3.3-70b-instruct", model_kwargs={"n": 2})
        with pytest.raises(UnknownModelError, match="Did you mean 'Baichuan4-Turbo'"):
            ChatBaichuan(model="Baichuan4-Trubo", strict_catalog=True)

    def test_key_from_the_providers_own_variable_only(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NOVITA_API_KEY")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
        with pytest.raises(ConfigurationError, match="set NOVITA_API_KEY"):
            ChatNovita(model="qwen/qwen-2.5-72b-instruct")
        monkeypatch.setenv("NOVITA_API_KEY", KEY)
        assert ChatNovita(model="qwen/qwen-2.5-72b-instruct").api_key.get_secret_value() == KEY  # type: ignore[union-attr]

    def test_the_key_never_shows(self, provider: ScriptedProvider) -> None:
        chat = ChatNovita(model="qwen/qwen-2.5-72b-instruct", api_key=KEY, **provider.transports)
        for text in (
            repr(chat),
            str(chat),
            dumps(chat),
            json.dumps(chat._get_ls_params()),
            str(chat._identifying_params),
        ):
            assert KEY not in text

    def test_retired_model_warns_once(self) -> None:
        with pytest.warns(ModelStatusWarning, match="retired"):
            ChatNIM(model="meta/llama2-70b")

    def test_chat_hosted_resolves_the_provider(self) -> None:
        chat = ChatHosted(model="deepseek/deepseek-v3.2")
        assert (chat.provider, chat._llm_type, chat.lc_secrets) == (
            "novita",
            "hostedllm-novita",
            {"api_key": "NOVITA_API_KEY"},
        )
        with pytest.raises(ValueError, match="served by several providers"):
            ChatHosted(model="Baichuan4")
        assert ChatHosted(model="Baichuan4", provider="theturbo").spec.name == "theturbo"

    def test_profile_from_the_catalog(self) -> None:
        profile = ChatNIM(model="nvidia/llama-3.3-nemotron-super-49b-v1").profile
        assert profile is not None
        assert (profile["max_input_tokens"], profile["max_output_tokens"]) == (131072, 65536)
        assert profile["reasoning_output"] is True
        assert profile["tool_calling"] is True

    def test_ls_params(self) -> None:
        params = ChatBaichuan(model="Baichuan4", temperature=0.2, max_tokens=9, stop="x")._get_ls_params()
        assert params == {
            "ls_provider": "baichuan",
            "ls_model_name": "Baichuan4",
            "ls_model_type": "chat",
            "ls_temperature": 0.2,
            "ls_max_tokens": 9,
            "ls_stop": ["x"],
        }
        assert ChatNIM(model="meta/llama-3.3-70b-instruct")._get_ls_params()["ls_provider"] == "nvidia"


class TestStringLLM:
    @pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
    def test_the_old_name_still_works_for_one_release(self, provider: ScriptedProvider) -> None:
        from langchain_core.load import loads

        provider.json(completion("A haiku"))
        with pytest.warns(DeprecationWarning, match="HostedLLM is now Hosted"):
            old = HostedLLM(model="Baichuan4-Air", provider="baichuan", api_key=KEY, **provider.transports)
        assert isinstance(old, Hosted)
        assert old.invoke("Write a haiku") == "A haiku"
        with pytest.warns(DeprecationWarning, match="HostedLLM is now Hosted"):
            again = loads(
                dumps(old),
                secrets_map={"BAICHUAN_API_KEY": KEY},
                valid_namespaces=["langchain_hostedllm"],
                allowed_objects=[HostedLLM],
            )
        assert isinstance(again, Hosted)

    def test_invoke_and_stream(self, provider: ScriptedProvider) -> None:
        provider.json(completion("A haiku")).stream(text_stream("Ri", "vers"))
        llm = Hosted(model="Baichuan4-Air", provider="baichuan", max_tokens=64, **provider.transports)
        assert llm.invoke("Write a haiku") == "A haiku"
        assert provider.last["messages"] == [{"role": "user", "content": "Write a haiku"}]
        assert provider.last["max_tokens"] == 64
        assert "".join(llm.stream("Again")) == "Rivers"

    async def test_ainvoke(self, provider: ScriptedProvider) -> None:
        provider.json(completion("async text"))
        llm = Hosted(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        assert await llm.ainvoke("Hi") == "async text"
        assert llm.provider == "novita"

    async def test_token_usage_summed_over_prompts(self, provider: ScriptedProvider) -> None:
        """As langchain-openai's string LLM does: ``llm_output["token_usage"]``, which usage trackers read."""
        provider.json(completion("one")).json(completion("two", usage={"prompt_tokens": 3, "completion_tokens": 2}))
        llm = Hosted(model="qwen/qwen-2.5-72b-instruct", **provider.transports)
        result = await llm.agenerate(["a", "b"])
        assert result.llm_output == {  # the second answer has no total: it is its input + output
            "token_usage": {"prompt_tokens": 13, "completion_tokens": 7, "total_tokens": 20},
            "model_name": "qwen/qwen-2.5-72b-instruct",
        }


def test_rate_limiter_is_honoured(provider: ScriptedProvider) -> None:
    from langchain_core.rate_limiters import BaseRateLimiter

    class Counting(BaseRateLimiter):
        def __init__(self) -> None:
            self.calls = 0

        def acquire(self, *, blocking: bool = True) -> bool:
            self.calls += 1
            return True

        async def aacquire(self, *, blocking: bool = True) -> bool:
            self.calls += 1
            return True

    limiter = Counting()
    provider.json(completion()).stream(text_stream("x"))
    chat = novita(provider, rate_limiter=limiter)
    chat.invoke("Hi")
    list(chat.stream("Hi"))
    assert limiter.calls == 2
