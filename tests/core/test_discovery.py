"""Live discovery: one parser per provider, explicit fetch, in-memory merge."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostedllm.catalog import Capabilities, Catalog, ModelEntry, default_catalog
from hostedllm.catalog.discovery import (
    aavailable_models,
    available_models,
    discover_models,
    to_entry,
)
from hostedllm.catalog.live_diff import diff_against_live
from hostedllm.errors import AuthenticationError
from hostedllm.providers import get_provider
from hostedllm.providers.spec import DiscoveredModel


def test_baichuan_items_have_no_id() -> None:
    payload = {
        "object": "list",
        "data": [
            {
                "model": "Baichuan4-Turbo",
                "model_show_name": "Baichuan4-Turbo",
                "max_input_length": 32768,
                "max_tokens": 2048,
                "function_call": True,
            },
            {"model": "Baichuan2-Turbo", "max_input_length": 32768, "max_tokens": 2048, "function_call": False},
            {"model_show_name": "no model field"},
        ],
    }
    found = get_provider("baichuan").parse_models(payload)
    assert [(m.id, m.context_window, m.max_output_tokens, m.tools) for m in found] == [
        ("Baichuan4-Turbo", 32768, 2048, True),
        ("Baichuan2-Turbo", 32768, 2048, False),
    ]


def test_novita_prices_are_in_ten_thousandths_of_a_dollar() -> None:
    payload = {
        "data": [
            {
                "id": "meta-llama/llama-3.3-70b-instruct",
                "object": "model",
                "input_token_price_per_m": 3900,
                "output_token_price_per_m": 3900,
                "context_size": 131072,
                "features": ["function-calling"],
            }
        ]
    }
    (model,) = get_provider("novita").parse_models(payload)
    assert (model.input_price, model.output_price, model.currency) == (0.39, 0.39, "USD")
    assert (model.context_window, model.tools) == (131072, True)


@pytest.mark.parametrize("provider", ["nim", "local", "theturbo"])
def test_openai_shaped_lists(provider: str) -> None:
    payload = {"object": "list", "data": [{"id": "meta/llama-3.3-70b-instruct", "object": "model", "owned_by": "meta"}]}
    assert [m.id for m in get_provider(provider).parse_models(payload)] == ["meta/llama-3.3-70b-instruct"]


def test_discover_and_merge() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(
            200,
            json={
                "data": [
                    {"model": "Baichuan4"},
                    {"model": "Baichuan-M9", "max_input_length": 32768, "max_tokens": 30000},
                ]
            },
        )

    found = discover_models("baichuan", transport=httpx.MockTransport(handler))
    assert requests[0].url == "https://api.baichuan-ai.com/v1/models"
    assert requests[0].headers["authorization"].startswith("Bearer ")
    merged = default_catalog().merged(found)
    assert merged.get("baichuan:Baichuan4").curated, "curated facts win over the live list"
    m9 = merged.get("baichuan:Baichuan-M9")  # a made-up id: no catalog will ever know it
    assert (m9.origin, m9.context_window, m9.max_output_tokens) == ("live", 32768, 30000)
    assert default_catalog().find("baichuan:Baichuan-M9") is None


def test_discovery_errors_are_typed() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(401, json={"error": {"message": "Invalid Authentication"}})
    )
    with pytest.raises(AuthenticationError, match="BAICHUAN_API_KEY"):
        discover_models("baichuan", transport=transport)


# --- available_models() and diff_against_live(), replayed from tests/cassettes/models/ ---------------

FIXTURES = Path(__file__).parents[1] / "cassettes" / "models"
RECORDED = ["baichuan", "nim", "novita", "local"]
TODAY = datetime.date(2026, 12, 1)


def answer(provider: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{provider}.json").read_text("utf-8"))
    return data


def replay(provider: str, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    """The recorded answer, served only to the recorded request (a GET of that URL)."""
    fixture = answer(provider)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        assert (request.method, str(request.url)) == (fixture["request"]["method"], fixture["request"]["url"])
        response = fixture["response"]
        return httpx.Response(response["status_code"], headers=response["headers"], json=response["json"])

    return httpx.MockTransport(handler)


def listed_ids(provider: str) -> list[str]:
    return list(dict.fromkeys(m.id for m in get_provider(provider).parse_models(answer(provider)["response"]["json"])))


def entry(provider: str, model: str, **facts: Any) -> ModelEntry:
    return ModelEntry.model_validate({"provider": provider, "id": model, "sources": ("test",), **facts})


def retired(replacement: str) -> dict[str, Any]:
    return {"state": "retired", "since": TODAY, "reason": "gone", "replacement": replacement}


#: A small fixed catalog, so these tests do not move when models.toml grows.
SMALL = Catalog(
    [
        entry(
            "novita",
            "meta-llama/llama-3.3-70b-instruct",
            context_window=131072,
            price={"input": 0.135, "output": 0.40, "currency": "USD", "source": "test", "as_of": TODAY},
            capabilities={"tools": True, "tool_choice": ["auto"], "json_schema": True},
        ),
        entry("novita", "deepseek/deepseek-v3.2", capabilities={"reasoning": True}),
        entry("novita", "qwen/qwen-2.5-72b-instruct", context_window=32000),
        entry("novita", "qwen/qwen-2-72b-instruct", status=retired("novita:qwen/qwen-2.5-72b-instruct")),
        entry("novita", "openai/gpt-oss-20b", status=retired("novita:openai/gpt-oss-120b")),
        entry("baichuan", "Baichuan4", aliases=("baichuan-4",), context_window=32768, max_output_tokens=4096),
        entry("baichuan", "Baichuan2-Turbo-192k"),
        entry("nim", "meta/llama-3.3-70b-instruct", context_window=128000, max_output_tokens=4096),
        entry("nim", "nvidia/nv-embedqa-e5-v5", kind="embedding"),
    ]
)


def test_every_documented_answer_says_where_it_comes_from() -> None:
    for provider in RECORDED:
        fixture = answer(provider)
        provenance = " ".join(fixture["_provenance"])
        assert "Re-record" in provenance, provider
        assert "authorization" not in json.dumps(fixture["request"]).lower()
    assert "theturbo" in (FIXTURES / "README.md").read_text("utf-8"), "why theturbo has no file"


@pytest.mark.parametrize("provider", RECORDED)
def test_available_models_from_each_recorded_answer(provider: str) -> None:
    seen: list[httpx.Request] = []
    catalog = default_catalog()
    found = available_models(provider, catalog=catalog, transport=replay(provider, seen))
    assert len(seen) == 1, "one GET, nothing else"
    if get_provider(provider).api_key_required:
        assert seen[0].headers["authorization"].startswith("Bearer ")
    assert [e.id.casefold() for e in found] == [i.casefold() for i in listed_ids(provider)], "duplicates dropped"
    for model in found:
        known = catalog.find(model.id, provider=provider)
        if known is None:
            assert model.origin == "live"
            continue
        assert model.key == known.key
        assert model.origin == known.origin != "live"
        assert model.capabilities == known.capabilities, "the catalog's capabilities, not the list's"
        for name in ("context_window", "max_output_tokens", "price"):
            if getattr(known, name) is not None:
                assert getattr(model, name) == getattr(known, name), f"{model.key}: the catalog's {name} wins"


@pytest.mark.parametrize("provider", RECORDED)
async def test_async_twin_gives_the_same_answer(provider: str) -> None:
    seen: list[httpx.Request] = []
    found = await aavailable_models(provider, catalog=SMALL, transport=replay(provider, seen))
    assert [str(r.url) for r in seen] == [answer(provider)["request"]["url"]]
    assert found == available_models(provider, catalog=SMALL, transport=replay(provider))


def test_a_known_model_keeps_the_catalogs_facts_and_the_list_fills_gaps() -> None:
    found = {e.id: e for e in available_models("novita", catalog=SMALL, transport=replay("novita"))}
    llama = found["meta-llama/llama-3.3-70b-instruct"]
    assert llama.origin == "curated"
    assert llama.price is not None
    assert (llama.price.input, llama.price.output) == (0.135, 0.40), "not the listed $0.39"
    assert llama.capabilities.tool_choice == ("auto",)
    deepseek = found["deepseek/deepseek-v3.2"]
    assert (deepseek.origin, deepseek.context_window, deepseek.max_output_tokens) == ("curated", 163840, 65536)
    assert deepseek.price is not None
    assert deepseek.price.input == 0.269
    assert deepseek.capabilities.tools is None, "capabilities are the catalog's alone"


def test_an_unknown_model_is_live_with_unknown_capabilities() -> None:
    found = {e.id: e for e in available_models("novita", catalog=SMALL, transport=replay("novita"))}
    big = found["openai/gpt-oss-120b"]
    assert (big.origin, big.context_window, big.max_output_tokens) == ("live", 131072, 32768)
    assert big.price is not None
    assert (big.price.input, big.price.output, big.price.currency) == (0.05, 0.25, "USD")
    assert (big.capabilities.tools, big.capabilities.reasoning) == (True, True), "stated by the list's features"
    assert big.capabilities.tool_choice is None, "which tool_choice values work is not listed"
    r1 = found["deepseek/deepseek-r1-0528"]
    assert r1.origin == "live"
    nim = {e.id: e for e in available_models("nim", catalog=SMALL, transport=replay("nim"))}
    kimi = nim["moonshotai/kimi-k2.6"].capabilities
    assert nim["moonshotai/kimi-k2.6"].origin == "live"
    assert kimi.names() == [], "an id-only list states nothing"
    assert {"tools", "tool_choice", "parallel_tool_calls", "json_schema", "vision", "reasoning"} <= set(kimi.unknown())


def test_only_the_lists_own_false_is_false() -> None:
    found = {e.id: e for e in available_models("baichuan", catalog=SMALL, transport=replay("baichuan"))}
    turbo = found["Baichuan2-Turbo"].capabilities  # function_call: false
    assert (turbo.tools, turbo.tool_choice, turbo.parallel_tool_calls) == (False, (), False)
    m3 = found["Baichuan-M3"].capabilities  # function_call: true
    assert (m3.tools, m3.tool_choice, m3.parallel_tool_calls) == (True, None, None)
    plus = found["Baichuan-M3-Plus"].capabilities  # no function_call key
    assert (plus.tools, plus.tool_choice, plus.parallel_tool_calls) == (None, None, None)


def test_the_providers_defaults_still_apply_to_a_live_entry() -> None:
    defaults = {"baichuan": {"capabilities": {"tools": True, "tool_choice": ["auto", "none"], "stream_usage": True}}}
    catalog = Catalog(SMALL, defaults)
    found = {e.id: e for e in available_models("baichuan", catalog=catalog, transport=replay("baichuan"))}
    plus = found["Baichuan-M3-Plus"]  # the list says nothing about tools: the provider's default holds
    assert (plus.origin, plus.capabilities.tools, plus.capabilities.stream_usage) == ("live", True, True)
    turbo = found["Baichuan2-Turbo"]  # the list's own false overrides the default
    assert (turbo.capabilities.tools, turbo.capabilities.tool_choice) == (False, ())


def test_ids_match_case_insensitively_only_where_the_provider_says_so() -> None:
    shouted = httpx.MockTransport(lambda r: httpx.Response(200, json={"data": [{"model": "BAICHUAN4"}]}))
    (found,) = available_models("baichuan", catalog=SMALL, transport=shouted)
    assert (found.id, found.origin) == ("Baichuan4", "curated")
    alias = httpx.MockTransport(lambda r: httpx.Response(200, json={"data": [{"model": "baichuan-4"}]}))
    assert [e.key for e in available_models("baichuan", catalog=SMALL, transport=alias)] == ["baichuan:Baichuan4"]
    novita = httpx.MockTransport(lambda r: httpx.Response(200, json={"data": [{"id": "Deepseek/DeepSeek-V3.2"}]}))
    (other,) = available_models("novita", catalog=SMALL, transport=novita)
    assert other.origin == "live", "Novita's ids are case-sensitive"


def test_diff_finds_rows_gone_upstream_new_models_and_changed_figures() -> None:
    live = discover_models("novita", catalog=SMALL, transport=replay("novita"))
    diff = diff_against_live(SMALL, "novita", live)
    assert [e.id for e in diff.missing_upstream] == ["qwen/qwen-2.5-72b-instruct"], "the retired row is not missed"
    assert [e.id for e in diff.new_upstream] == [
        "deepseek/deepseek-r1-0528",
        "baichuan/baichuan-m2-32b",
        "openai/gpt-oss-120b",
    ]
    assert all(e.origin == "live" for e in diff.new_upstream)
    assert [(c.field, c.catalog, c.live, c.unit) for c in diff.changed] == [
        ("price.input", 0.135, 0.39, "USD"),
        ("price.output", 0.40, 0.39, "USD"),
    ], "the context agrees; a figure only one side states is no change"
    assert [e.id for e in diff.listed_but_retired] == ["openai/gpt-oss-20b"]
    assert diff.listed == 6
    assert diff
    assert json.loads(json.dumps(diff.as_dict()))["changed"][0]["id"] == "meta-llama/llama-3.3-70b-instruct"


def test_diff_counts_duplicates_once_and_every_kind_of_row() -> None:
    live = discover_models("nim", catalog=SMALL, transport=replay("nim"))
    diff = diff_against_live(SMALL, "nim", live)
    assert diff.listed == 6, "deepseek-v4-pro is listed twice"
    assert [e.id for e in diff.new_upstream].count("deepseek-ai/deepseek-v4-pro") == 1
    assert [e.id for e in diff.missing_upstream] == ["nvidia/nv-embedqa-e5-v5"], "an embedding row counts too"
    assert diff.changed == (), "NVIDIA's list states no figures"


def test_diff_is_case_insensitive_for_baichuan() -> None:
    live = [entry("baichuan", "baichuan4", origin="live", context_window=32768, max_output_tokens=2048)]
    diff = diff_against_live(SMALL, "baichuan", live)
    assert diff.new_upstream == ()
    assert [e.id for e in diff.missing_upstream] == ["Baichuan2-Turbo-192k"]
    assert [(c.key, c.field, c.catalog, c.live) for c in diff.changed] == [
        ("baichuan:Baichuan4", "max_output_tokens", 4096, 2048)
    ]


def test_no_difference_is_falsy() -> None:
    live = discover_models("local", transport=replay("local"))
    diff = diff_against_live(default_catalog(), "local", live)
    assert not diff
    assert diff.as_dict()["listed"] == 1


def test_to_entry_leaves_unstated_capabilities_unknown() -> None:
    spec = get_provider("novita")
    stated = to_entry(SMALL, spec, DiscoveredModel(id="x/y", tools=False), TODAY)
    assert (stated.capabilities.tools, stated.capabilities.tool_choice, stated.capabilities.parallel_tool_calls) == (
        False,
        (),
        False,
    )
    unstated = to_entry(SMALL, spec, DiscoveredModel(id="x/y"), TODAY)
    assert unstated.capabilities == Capabilities()
    assert (unstated.origin, unstated.sources) == ("live", ("live novita /models, 2026-12-01",))


async def test_async_discovery_errors_are_typed() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(401, json={"error": {"message": "Invalid Authentication"}})
    )
    with pytest.raises(AuthenticationError, match="NOVITA_API_KEY"):
        await aavailable_models("novita", transport=transport)
