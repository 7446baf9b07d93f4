"""Request building: deterministic bodies, and every bad input refused before sending."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.catalog import (
    ModelStatusWarning,
    UnknownModelWarning,
    UnverifiedCapabilityWarning,
    default_catalog,
    with_overrides,
)
from hostedllm.errors import (
    InvalidMessagesError,
    ParameterRangeError,
    RequestValidationError,
    UnknownModelError,
    UnsupportedCapabilityError,
    UnsupportedParameterError,
)
from hostedllm.request import build_request, encode_body

CATALOG = default_catalog()
HI = [{"role": "user", "content": "Hi"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def build(key: str, messages: Any = HI, **options: Any) -> dict[str, Any]:
    return build_request(CATALOG.get(key), messages, **options)


class TestDeterminism:
    def test_key_order_does_not_depend_on_argument_order(self) -> None:
        a = build(
            "novita:qwen/qwen-2.5-72b-instruct",
            params={"top_k": 5, "temperature": 0.2, "max_tokens": 9},
            tools=[WEATHER],
            tool_choice="auto",
            stream=True,
        )
        b = build(
            "novita:qwen/qwen-2.5-72b-instruct",
            params={"max_tokens": 9, "temperature": 0.2, "top_k": 5},
            tool_choice="auto",
            tools=[WEATHER],
            stream=True,
        )
        assert encode_body(a) == encode_body(b)
        assert list(a) == [
            "model",
            "messages",
            "temperature",
            "top_k",
            "max_tokens",
            "tools",
            "tool_choice",
            "stream",
            "stream_options",
        ]

    def test_message_keys_are_ordered(self) -> None:
        body = build("novita:qwen/qwen-2.5-72b-instruct", [{"content": "Hi", "name": "ann", "role": "user"}])
        assert list(body["messages"][0]) == ["role", "content", "name"]

    def test_the_callers_objects_are_not_mutated(self) -> None:
        messages = [{"content": "Hi", "role": "user"}]
        build("novita:qwen/qwen-2.5-72b-instruct", messages)
        assert list(messages[0]) == ["content", "role"]

    def test_none_means_not_set(self) -> None:
        body = build("nim:meta/llama-3.3-70b-instruct", params={"temperature": None, "max_tokens": 5})
        assert "temperature" not in body
        assert body["max_tokens"] == 5

    def test_encoding_is_compact_utf8(self) -> None:
        body = build("baichuan:Baichuan4", [{"role": "user", "content": "珠穆朗玛峰"}])
        assert encode_body(body) == '{"model":"Baichuan4","messages":[{"role":"user","content":"珠穆朗玛峰"}]}'.encode()


class TestBaichuan:
    KEY = "baichuan:Baichuan4"

    @pytest.mark.parametrize(
        ("param", "value", "allowed"),
        [
            ("temperature", 1.5, "a number in [0, 1]"),
            ("temperature", -0.1, "a number in [0, 1]"),
            ("top_p", 1.0, "a number in [0, 1)"),
            ("top_k", 21, "an integer in [0, 20]"),
            ("top_k", 2.5, "an integer in [0, 20]"),
            ("max_tokens", 2049, "an integer in [1, 2048]"),
            ("max_tokens", 0, "an integer in [1, 2048]"),
        ],
    )
    def test_out_of_range_names_param_value_range_and_provider(self, param: str, value: Any, allowed: str) -> None:
        with pytest.raises(ParameterRangeError) as info:
            build(self.KEY, params={param: value})
        message = str(info.value)
        assert f"{param}={value!r}" in message
        assert allowed in message
        assert "on baichuan" in message
        assert info.value.param == param

    def test_in_range_values_reach_the_body(self) -> None:
        body = build(
            self.KEY, params={"temperature": 1, "top_p": 0.99, "top_k": 20, "max_tokens": 2048, "stop": ["\n"]}
        )
        assert (body["temperature"], body["top_p"], body["top_k"], body["max_tokens"], body["stop"]) == (
            1,
            0.99,
            20,
            2048,
            ["\n"],
        )

    @pytest.mark.parametrize("param", ["n", "seed", "logprobs", "presence_penalty", "min_p"])
    def test_undocumented_parameters_are_refused(self, param: str) -> None:
        with pytest.raises(UnsupportedParameterError, match=rf"Baichuan4 on baichuan does not take '{param}'") as info:
            build(self.KEY, params={param: 1})
        assert "(got 1)" in str(info.value)
        assert "extra_body" in str(info.value)

    def test_removed_parameter_names_its_replacement(self) -> None:
        with pytest.raises(UnsupportedParameterError, match="web_search"):
            build(self.KEY, params={"with_search_enhance": True})

    @pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
    def test_tool_choice_only_auto_or_none(self, choice: Any) -> None:
        with pytest.raises(UnsupportedCapabilityError, match=r"cannot honour tool_choice .*accepts 'auto', 'none'"):
            build(self.KEY, tools=[WEATHER], tool_choice=choice)
        assert build(self.KEY, tools=[WEATHER], tool_choice="none")["tool_choice"] == "none"

    def test_an_empty_tools_list_is_never_sent(self) -> None:
        assert "tools" not in build(self.KEY, tools=[])

    def test_server_side_tools(self) -> None:
        web = {"type": "web_search", "web_search": {"enable": True, "search_mode": "performance_first"}}
        kb = {"type": "retrieval", "retrieval": {"kb_ids": ["kb-1"], "answer_mode": "knowledge-base-only"}}
        assert build(self.KEY, tools=[web, kb, WEATHER])["tools"] == [web, kb, WEATHER]
        with pytest.raises(RequestValidationError, match="takes 'function'"):
            build("novita:qwen/qwen-2.5-72b-instruct", tools=[web])

    def test_tools_on_a_model_without_them(self) -> None:
        with pytest.raises(
            UnsupportedCapabilityError, match="Baichuan2-Turbo on baichuan does not support tool calling"
        ):
            build("baichuan:Baichuan2-Turbo", tools=[WEATHER])

    def test_stream_usage_is_not_requested_with_stream_options(self) -> None:
        body = build(self.KEY, stream=True)
        assert body["stream"] is True
        assert "stream_options" not in body, "Baichuan sends usage unasked; stream_options is undocumented"

    def test_json_object_yes_json_schema_unverified(self) -> None:
        assert build(self.KEY, response_format={"type": "json_object"})["response_format"] == {"type": "json_object"}
        schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
        with pytest.warns(UnverifiedCapabilityWarning, match="no evidence that Baichuan4 on baichuan supports"):
            assert build(self.KEY, response_format=schema)["response_format"] == schema

    def test_a_known_no_is_refused_with_the_way_out(self) -> None:
        with pytest.raises(
            UnsupportedCapabilityError,
            match=r"Baichuan2-Turbo on baichuan does not support response_format 'json_object' "
            r"\(the catalog records this; its sources for the model: lobe-chat.*\)\. "
            r"Use tool calling or a prompt instead, or, if you know it does, pass capabilities=\{'json_object': True\}",
        ):
            build("baichuan:Baichuan2-Turbo", response_format={"type": "json_object"})

    def test_retired_model_without_system_role(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match="has no system role"):
            build("baichuan:Baichuan2-53B", [{"role": "system", "content": "Be brief"}, *HI])


class TestNIM:
    KEY = "nim:meta/llama-3.3-70b-instruct"

    def test_temperature_is_zero_to_one(self) -> None:
        with pytest.raises(
            ParameterRangeError, match=r"temperature=1.5 is out of range for .* on nim: it takes a number in \[0, 1\]"
        ):
            build(self.KEY, params={"temperature": 1.5})

    @pytest.mark.parametrize("param", ["n", "logprobs", "top_k", "repetition_penalty", "user"])
    def test_parameters_outside_the_schema_are_refused(self, param: str) -> None:
        with pytest.raises(UnsupportedParameterError, match=f"does not take '{param}'"):
            build(self.KEY, params={param: 1})

    def test_model_specific_refusals(self) -> None:
        with pytest.raises(UnsupportedParameterError, match="baichuan2-13b-chat on nim does not take 'seed'"):
            build("nim:baichuan-inc/baichuan2-13b-chat", params={"seed": 1})
        assert build("nim:baichuan-inc/baichuan2-13b-chat", params={"temperature": 0.5, "top_p": 1, "max_tokens": 1024})

    def test_max_tokens_capped_by_the_model(self) -> None:
        with pytest.raises(ParameterRangeError, match=r"\[1, 4096\]"):
            build(self.KEY, params={"max_tokens": 5000})
        with pytest.raises(ParameterRangeError, match=r"\[1, 1024\]"):
            build("nim:meta/llama2-70b", params={"max_tokens": 2048})

    def test_stream_usage_requested(self) -> None:
        assert build(self.KEY, stream=True)["stream_options"] == {"include_usage": True}
        assert "stream_options" not in build(self.KEY, stream=True, include_usage=False)

    @pytest.mark.parametrize(
        ("roles", "problem"),
        [
            (["user", "user"], "expects 'assistant'"),
            (["assistant"], "expects 'user'"),
            (["user", "system"], "only as the first message"),
            (["system", "user", "assistant", "assistant"], "expects 'user'"),
        ],
    )
    def test_roles_must_alternate(self, roles: list[str], problem: str) -> None:
        messages = [{"role": role, "content": "x"} for role in roles]
        with pytest.raises(InvalidMessagesError, match=problem):
            build(self.KEY, messages)

    def test_alternation_allows_tool_results_after_tool_calls(self) -> None:
        call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        messages = [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."},
            {"role": "user", "content": "Thanks"},
        ]
        assert len(build(self.KEY, messages, tools=[WEATHER])["messages"]) == 6

    def test_parallel_tool_calls_cannot_be_honoured(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match=r"does not support parallel tool calls.*leave it unset"):
            build(self.KEY, tools=[WEATHER], parallel_tool_calls=True)
        assert "parallel_tool_calls" not in build(self.KEY, tools=[WEATHER], parallel_tool_calls=False)

    def test_required_tool_choice_is_not_offered_on_hosted_nim(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match="'required'"):
            build(self.KEY, tools=[WEATHER], tool_choice="required")
        named = {"type": "function", "function": {"name": "get_weather"}}
        assert build(self.KEY, tools=[WEATHER], tool_choice=named)["tool_choice"] == named


class TestNovita:
    KEY = "novita:qwen/qwen-2.5-72b-instruct"

    def test_extra_sampling_parameters_go_in_the_body(self) -> None:
        body = build(self.KEY, params={"top_k": 40, "min_p": 0.05, "repetition_penalty": 1.1, "n": 2, "logprobs": True})
        assert {k: body[k] for k in ("top_k", "min_p", "repetition_penalty", "n", "logprobs")} == {
            "top_k": 40,
            "min_p": 0.05,
            "repetition_penalty": 1.1,
            "n": 2,
            "logprobs": True,
        }

    def test_json_schema_and_parallel_calls(self) -> None:
        schema = {"type": "json_schema", "json_schema": {"name": "person", "schema": {"type": "object"}}}
        body = build(
            self.KEY, tools=[WEATHER], parallel_tool_calls=True, response_format=schema, tool_choice="required"
        )
        assert body["response_format"] == schema
        assert body["parallel_tool_calls"] is True
        with pytest.raises(RequestValidationError, match="needs a 'json_schema' object"):
            build(self.KEY, response_format={"type": "json_schema"})

    @pytest.mark.parametrize("value", [True, float("nan"), "0.5"])
    def test_wrong_types_are_refused(self, value: Any) -> None:
        with pytest.raises(ParameterRangeError, match="temperature="):
            build(self.KEY, params={"temperature": value})


class TestEverywhere:
    @pytest.mark.parametrize(
        "key",
        [
            "baichuan:Baichuan4",
            "nim:meta/llama-3.3-70b-instruct",
            "novita:qwen/qwen-2.5-72b-instruct",
            "local:smollm2-135m-instruct",
        ],
    )
    def test_max_completion_tokens_becomes_max_tokens(self, key: str) -> None:
        body = build(key, params={"max_completion_tokens": 64})
        assert body["max_tokens"] == 64
        assert "max_completion_tokens" not in body

    def test_both_spellings_at_once_are_refused(self) -> None:
        with pytest.raises(RequestValidationError, match="both set the same parameter"):
            build("novita:qwen/qwen-2.5-72b-instruct", params={"max_tokens": 1, "max_completion_tokens": 2})

    def test_stop_takes_at_most_four(self) -> None:
        with pytest.raises(ParameterRangeError, match="at most 4"):
            build("novita:qwen/qwen-2.5-72b-instruct", params={"stop": ["a", "b", "c", "d", "e"]})

    def test_managed_keys_are_not_sampling_parameters(self) -> None:
        with pytest.raises(RequestValidationError, match="pass it through its own argument"):
            build("novita:qwen/qwen-2.5-72b-instruct", params={"tools": []})

    def test_extra_body_is_sent_but_cannot_override(self) -> None:
        body = build("nim:meta/llama-3.3-70b-instruct", extra_body={"nvext": {"guided_choice": ["a", "b"]}})
        assert body["nvext"] == {"guided_choice": ["a", "b"]}
        with pytest.raises(RequestValidationError, match="already has"):
            build("nim:meta/llama-3.3-70b-instruct", params={"temperature": 0.1}, extra_body={"temperature": 5})

    @pytest.mark.parametrize(
        ("messages", "problem"),
        [
            ([], "non-empty list"),
            ("Hi", "non-empty list"),
            ([{"role": "robot", "content": "x"}], "role 'robot'"),
            ([{"role": "user"}], "has no content"),
            ([{"role": "user", "content": 5}], "use a string or a list of content parts"),
            ([{"role": "tool", "content": "x"}], "without 'tool_call_id'"),
            ([{"role": "user", "content": [{"text": "x"}]}], "without a 'type'"),
            (["Hi"], "not a dict"),
        ],
    )
    def test_bad_messages(self, messages: Any, problem: str) -> None:
        with pytest.raises(InvalidMessagesError, match=problem):
            build("novita:qwen/qwen-2.5-72b-instruct", messages)

    def test_gateway_refuses_tool_role(self) -> None:
        with pytest.raises(InvalidMessagesError, match="theturbo does not accept"):
            build("theturbo:Baichuan4", [{"role": "tool", "tool_call_id": "1", "content": "x"}])

    def test_images_go_to_a_model_not_known_to_be_blind(self) -> None:
        image = [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}
        ]
        with pytest.raises(
            UnsupportedCapabilityError, match=r"does not support images.*capabilities=\{'vision': True\}"
        ):
            build("nim:meta/llama-3.3-70b-instruct", image)
        with pytest.warns(UnverifiedCapabilityWarning, match="supports images"):
            assert build("novita:deepseek/deepseek-v3.2", image)["messages"] == image

    @pytest.mark.parametrize(
        ("function", "problem"),
        [
            ({"name": "bad name"}, "function name 'bad name'"),
            ({"name": "f", "parameters": "{}"}, "must be a JSON Schema object"),
            ({"name": "f", "parameters": {"type": "dict"}}, "not a JSON Schema type"),
            ({"name": "f", "parameters": {"type": "object", "properties": []}}, "'properties' must be an object"),
            ({"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "int"}}}}, "a has type 'int'"),
            (
                {"name": "f", "parameters": {"type": "object", "properties": {"a": {}}, "required": ["b"]}},
                "not in 'properties'",
            ),
        ],
    )
    def test_invalid_tool_schemas(self, function: dict[str, Any], problem: str) -> None:
        with pytest.raises(RequestValidationError, match=problem):
            build("novita:qwen/qwen-2.5-72b-instruct", tools=[{"type": "function", "function": function}])

    def test_tool_choice_needs_matching_tools(self) -> None:
        with pytest.raises(RequestValidationError, match="without function tools"):
            build("novita:qwen/qwen-2.5-72b-instruct", tool_choice="auto")
        with pytest.raises(RequestValidationError, match="names function 'other'"):
            build(
                "novita:qwen/qwen-2.5-72b-instruct",
                tools=[WEATHER],
                tool_choice={"type": "function", "function": {"name": "other"}},
            )

    def test_content_that_cannot_be_serialised(self) -> None:
        body = build("novita:qwen/qwen-2.5-72b-instruct", extra_body={"metadata": {1, 2}})
        with pytest.raises(RequestValidationError, match="cannot be serialised"):
            encode_body(body)


class TestClientConstruction:
    def test_deprecated_and_retired_models_warn_once_without_network(self) -> None:
        with pytest.warns(ModelStatusWarning, match="meta/llama2-70b on nim was retired"):
            ChatClient("nim", "meta/llama2-70b")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ChatClient("nim", "meta/llama2-70b")
        with pytest.warns(ModelStatusWarning, match="is deprecated"):
            client = ChatClient("nim", "baichuan-inc/baichuan2-13b-chat")
        assert client._http._client is None, "construction opens no connection"

    def test_client_builds_the_same_body(self) -> None:
        client = ChatClient("novita", "qwen/qwen-2.5-72b-instruct")
        assert client.build_request(HI, params={"top_k": 3}) == build(
            "novita:qwen/qwen-2.5-72b-instruct", params={"top_k": 3}
        )

    def test_a_stream_request_cannot_be_sent_with_create(self) -> None:
        client = ChatClient("novita", "qwen/qwen-2.5-72b-instruct")
        with pytest.raises(RequestValidationError, match=r"built with stream=True; send it with stream\(\)"):
            client.create(client.build_request(HI, stream=True))

    def test_unknown_model_warns_with_suggestions(self) -> None:
        with pytest.warns(UnknownModelWarning, match=r"Did you mean 'qwen/qwen-2\.5-72b-instruct'"):
            client = ChatClient("novita", "qwen/qwen2.5-72b-instruct")
        assert client.model.id == "qwen/qwen2.5-72b-instruct"
        with pytest.raises(UnknownModelError, match=r"Did you mean 'qwen/qwen-2\.5-72b-instruct'"):
            ChatClient("novita", "qwen/qwen2.5-72b-instruct", strict_catalog=True)


def test_request_body_json_round_trips() -> None:
    body = build("novita:qwen/qwen-2.5-72b-instruct", tools=[WEATHER], params={"temperature": 0.5})
    assert json.loads(encode_body(body)) == body


def test_a_model_range_overrides_the_providers(tmp_path: Any) -> None:
    from hostedllm.catalog import Catalog

    path = tmp_path / "models.toml"
    path.write_text(
        '[[model]]\nprovider = "novita"\nid = "cool/model"\nsources = ["test"]\n'
        "params = { temperature = { maximum = 1.0 }, top_k = { minimum = 1, maximum = 50 } }\n",
        encoding="utf-8",
    )
    entry = Catalog.load(path).get("novita:cool/model")
    with pytest.raises(ParameterRangeError, match=r"a number in \[0, 1\]"):
        build_request(entry, HI, params={"temperature": 1.5})
    with pytest.raises(ParameterRangeError, match=r"an integer in \[1, 50\]"):
        build_request(entry, HI, params={"top_k": 0})
    assert build_request(entry, HI, params={"temperature": 1.0, "top_k": 50})["top_k"] == 50


class TestLocalQuirks:
    KEY = "local:smollm2-135m-instruct"

    def test_json_schema_is_sent_as_json_object_with_a_schema(self) -> None:
        schema = {"type": "object", "properties": {"name": {"type": "string"}}}
        body = build(self.KEY, response_format={"type": "json_schema", "json_schema": {"name": "P", "schema": schema}})
        assert body["response_format"] == {"type": "json_object", "schema": schema}

    def test_tool_only_assistant_turns_get_empty_content(self) -> None:
        call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        body = build(
            self.KEY,
            [
                *HI,
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            ],
            tools=[WEATHER],
        )
        assert body["messages"][1]["content"] == ""
        other = build(
            "novita:qwen/qwen-2.5-72b-instruct",
            [
                *HI,
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c1", "content": "x"},
            ],
            tools=[WEATHER],
        )
        assert other["messages"][1]["content"] is None

    def test_required_is_not_offered(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match="'required'"):
            build(self.KEY, tools=[WEATHER], tool_choice="required")


@pytest.mark.parametrize(
    ("content", "utf8"),
    [
        ("Hello\nworld \u0001", False),
        ("你好，百川", True),
        ([{"type": "text", "text": "café"}], True),
        ([{"type": "text", "text": "plain"}], False),
    ],
)
def test_encoded_body_is_the_same_json_whatever_the_text(content: Any, utf8: bool) -> None:
    """ASCII messages take the faster ASCII encoder; other text is sent as UTF-8, never as \\u escapes."""
    body = {"model": "m", "messages": [{"role": "user", "content": content}], "stream": False}
    encoded = encode_body(body)
    assert json.loads(encoded) == body
    assert encoded == json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert (b"\\u" not in encoded) if utf8 else encoded.isascii()


class TestUnknownCapabilities:
    """A capability the catalog has no evidence about is sent after one warning; evidence of "no" refuses."""

    UNKNOWN = CATALOG.generic_entry("novita", "vendor/unlisted")  # novita's defaults: only stream_usage known

    def sent(self, capability: str, **options: Any) -> dict[str, Any]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            body = build_request(self.UNKNOWN, HI, **options)
            build_request(self.UNKNOWN, HI, **options)
        warned = [str(w.message) for w in caught if w.category is UnverifiedCapabilityWarning]
        assert len(warned) == 1, f"one warning per model and capability, got {warned}"
        assert f"pass capabilities={{{capability!r}: True}}" in warned[0]
        return body

    def test_tools_are_sent(self) -> None:
        assert self.sent("tools", tools=[WEATHER])["tools"] == [WEATHER]

    def test_forcing_a_tool_is_sent(self) -> None:
        named = {"type": "function", "function": {"name": "get_weather"}}
        entry = with_overrides(self.UNKNOWN, capabilities={"tools": True})
        with pytest.warns(UnverifiedCapabilityWarning, match="tool_choice a named function"):
            assert build_request(entry, HI, tools=[WEATHER], tool_choice=named)["tool_choice"] == named
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # 'auto' asks nothing beyond tools
            assert build_request(entry, HI, tools=[WEATHER], tool_choice="auto")["tool_choice"] == "auto"

    def test_response_formats_and_parallel_calls_are_sent(self) -> None:
        schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
        assert self.sent("json_schema", response_format=schema)["response_format"] == schema
        assert self.sent("json_object", response_format={"type": "json_object"})["response_format"]["type"]
        entry = with_overrides(self.UNKNOWN, capabilities={"tools": True})
        with pytest.warns(UnverifiedCapabilityWarning, match="parallel_tool_calls"):
            assert build_request(entry, HI, tools=[WEATHER], parallel_tool_calls=True)["parallel_tool_calls"] is True

    def test_images_are_sent(self) -> None:
        image = [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}
        ]
        with pytest.warns(UnverifiedCapabilityWarning, match="supports images"):
            assert build_request(self.UNKNOWN, image)["messages"] == image

    def test_usage_in_streams_only_when_known_or_asked(self) -> None:
        entry = with_overrides(self.UNKNOWN, capabilities={"stream_usage": None})
        assert "stream_options" not in build_request(entry, HI, stream=True), "not asked, not known: not sent"
        with pytest.warns(UnverifiedCapabilityWarning, match="usage in streams"):
            body = build_request(entry, HI, stream=True, include_usage=True)
        assert body["stream_options"] == {"include_usage": True}
        assert build_request(self.UNKNOWN, HI, stream=True)["stream_options"] == {"include_usage": True}, "known"
        refused = with_overrides(self.UNKNOWN, capabilities={"stream_usage": False})
        with pytest.raises(UnsupportedCapabilityError, match="usage in streams"):
            build_request(refused, HI, stream=True, include_usage=True)

    def test_the_users_no_refuses_and_names_the_way_back(self) -> None:
        entry = with_overrides(self.UNKNOWN, capabilities={"tools": False})
        assert (entry.capabilities.tool_choice, entry.capabilities.parallel_tool_calls) == ((), False)
        with pytest.raises(UnsupportedCapabilityError, match=r"set by the user: capabilities.*'tools': True"):
            build_request(entry, HI, tools=[WEATHER])


class TestStatedFacts:
    def test_client_takes_capabilities_window_output_and_price(self) -> None:
        with pytest.warns(UnknownModelWarning):
            client = ChatClient(
                "novita",
                "vendor/new",
                capabilities={"json_schema": True},
                context_window=65536,
                max_output_tokens=4096,
                price={"input": 0.5, "output": 1.5},
            )
        model = client.model
        assert (model.capabilities.json_schema, model.context_window, model.max_output_tokens) == (True, 65536, 4096)
        assert client.estimate_cost({"prompt_tokens": 2_000_000, "completion_tokens": 0}) is not None
        with pytest.raises(ParameterRangeError, match=r"max_tokens=5000 is out of range"):
            client.build_request(HI, params={"max_tokens": 5000})

    def test_a_smaller_window_bounds_the_catalogs_max_output(self) -> None:
        entry = with_overrides(CATALOG.get("novita:deepseek/deepseek-v3.2"), context_window=32768)
        assert (entry.context_window, entry.max_output_tokens) == (32768, 32768)

    def test_tool_choice_outside_a_known_list_names_the_list_to_pass(self) -> None:
        with pytest.raises(
            UnsupportedCapabilityError, match=r"capabilities=\{'tool_choice': \['auto', 'none', 'required'\]\}"
        ):
            build("baichuan:Baichuan4", tools=[WEATHER], tool_choice="required")
