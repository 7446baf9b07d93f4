"""Live discovery: one parser per provider, explicit fetch, in-memory merge."""

from __future__ import annotations

import httpx
import pytest

from hostedllm.catalog import default_catalog
from hostedllm.catalog.discovery import discover_models
from hostedllm.errors import AuthenticationError
from hostedllm.providers import get_provider


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
                    {"model": "Baichuan-M3", "max_input_length": 32768, "max_tokens": 30000},
                ]
            },
        )

    found = discover_models("baichuan", transport=httpx.MockTransport(handler))
    assert requests[0].url == "https://api.baichuan-ai.com/v1/models"
    assert requests[0].headers["authorization"].startswith("Bearer ")
    merged = default_catalog().merged(found)
    assert merged.get("baichuan:Baichuan4").curated, "curated facts win over the live list"
    m3 = merged.get("baichuan:Baichuan-M3")
    assert (m3.curated, m3.context_window, m3.max_output_tokens) == (False, 32768, 30000)
    assert default_catalog().find("baichuan:Baichuan-M3") is None


def test_discovery_errors_are_typed() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(401, json={"error": {"message": "Invalid Authentication"}})
    )
    with pytest.raises(AuthenticationError, match="BAICHUAN_API_KEY"):
        discover_models("baichuan", transport=transport)
