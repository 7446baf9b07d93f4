"""The adapter contract: the decisions both framework adapters take from the core, framework-free."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hostedllm.adapter import (
    ClientOptions,
    force_tool_call,
    json_schema_format,
    split_call_kwargs,
    structured_method,
)
from hostedllm.catalog import default_catalog, with_overrides
from hostedllm.errors import UnsupportedCapabilityError

CATALOG = default_catalog()
NAMED = {"type": "function", "function": {"name": "add"}}


def entry(key: str, **capabilities: Any) -> Any:
    found = CATALOG.get(key)
    return with_overrides(found, capabilities=capabilities) if capabilities else found


@pytest.mark.parametrize(
    ("key", "names", "this_tool", "choice"),
    [
        ("novita:qwen/qwen-2.5-72b-instruct", ["add"], False, "required"),  # takes everything: "any tool"
        ("novita:qwen/qwen-2.5-72b-instruct", ["add"], True, NAMED),  # "this tool"
        ("novita:qwen/qwen-2.5-72b-instruct", ["add", "mul"], False, "required"),
        ("nim:meta/llama-3.3-70b-instruct", ["add"], False, NAMED),  # no "required": the one tool by name
        ("nim:meta/llama-3.3-70b-instruct", ["add"], True, NAMED),
        ("local:smollm2-135m-instruct", ["add"], False, NAMED),
    ],
)
def test_one_policy_forces_a_tool_call(key: str, names: list[str], this_tool: bool, choice: Any) -> None:
    decision = force_tool_call(entry(key), names, this_tool=this_tool)
    assert (decision.choice, decision.problem) == (choice, None)


@pytest.mark.parametrize(
    ("key", "names"),
    [("baichuan:Baichuan4", ["add"]), ("nim:meta/llama-3.3-70b-instruct", ["add", "mul"])],
)
def test_what_cannot_be_forced_says_so(key: str, names: list[str]) -> None:
    decision = force_tool_call(entry(key), names)
    assert decision.choice == "auto"
    assert decision.problem is not None
    assert "cannot be made to call a tool" in decision.problem
    assert "capabilities={'tool_choice': [...]}" in decision.problem


def test_an_undocumented_tool_choice_is_tried() -> None:
    unknown = CATALOG.generic_entry("novita", "vendor/unlisted")
    assert force_tool_call(unknown, ["add"]).choice == "required"
    assert force_tool_call(unknown, ["add"], this_tool=True).choice == NAMED


def test_structured_method_prefers_what_is_known_then_what_is_untried() -> None:
    assert structured_method(entry("novita:deepseek/deepseek-v3.2"), None) == "json_schema"
    assert structured_method(entry("baichuan:Baichuan4"), None) == "function_calling", "json_schema unknown"
    assert structured_method(entry("baichuan:Baichuan2-Turbo"), None) == "json_schema", "the only one not ruled out"
    assert structured_method(entry("baichuan:Baichuan4"), "json_mode") == "json_mode"
    with pytest.raises(UnsupportedCapabilityError, match="supports no structured output"):
        structured_method(entry("baichuan:Baichuan2-Turbo", json_schema=False), None)
    with pytest.raises(ValueError, match="is not one of json_schema, function_calling, json_mode"):
        structured_method(entry("baichuan:Baichuan4"), "xml")  # type: ignore[arg-type]


def test_json_schema_format_carries_description_and_strict() -> None:
    assert json_schema_format("P", {"type": "object"}, "A person.", True) == {
        "type": "json_schema",
        "json_schema": {"name": "P", "schema": {"type": "object"}, "description": "A person.", "strict": True},
    }


def test_call_kwargs_split_into_shape_and_sampling() -> None:
    shape, rest = split_call_kwargs(
        {"tools": [{"type": "function"}], "tool_choice": None, "response_format": {"type": "json_object"}, "top_k": 5}
    )
    assert shape == {"tools": [{"type": "function"}], "response_format": {"type": "json_object"}}
    assert rest == {"top_k": 5}


def test_client_options_build_the_core_client_without_network() -> None:
    seen: list[httpx.Request] = []
    options = ClientOptions(
        api_key="nk-test",
        capabilities={"vision": True},
        transport=httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(500)),
    )
    client = options.client(CATALOG.get("novita:deepseek/deepseek-v3.2").provider, "deepseek/deepseek-v3.2")
    assert client.model.capabilities.vision is True
    assert client.api_key is not None
    assert client.api_key.get_secret_value() == "nk-test"
    assert seen == []
