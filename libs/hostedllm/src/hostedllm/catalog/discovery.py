"""Live model discovery from a provider's ``/models``: explicit only, never implicit.

The result is a list of entries to merge into an in-memory catalog with
:meth:`Catalog.merged`; the packaged data file is never touched.

>>> import httpx, json
>>> body = {"data": [{"model": "Baichuan4", "max_input_length": 32768, "max_tokens": 2048}]}
>>> mock = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
>>> [e.id for e in discover_models("baichuan", api_key="sk-test", transport=mock)]
['Baichuan4']
"""

from __future__ import annotations

import datetime

import httpx
from pydantic import SecretStr

from hostedllm.catalog.catalog import Catalog, default_catalog
from hostedllm.catalog.schema import ModelEntry, Price
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.providers.spec import DiscoveredModel
from hostedllm.settings import request_headers, resolve_api_key, resolve_base_url
from hostedllm.transport import HTTPTransport, Timeouts


def discover_models(
    provider: str | ProviderSpec,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    catalog: Catalog | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> list[ModelEntry]:
    """Fetch ``{base_url}/models`` and return one (uncurated) entry per listed model."""
    spec = get_provider(provider)
    key = resolve_api_key(spec, api_key)
    http = HTTPTransport(
        spec,
        resolve_base_url(spec, base_url),
        request_headers(spec, key),
        Timeouts.from_value(timeout),
        secrets=(key.get_secret_value(),) if key else (),
        transport=transport,
    )
    try:
        payload = http.get_json("/models")
    finally:
        http.close()
    base = catalog or default_catalog()
    today = datetime.date.today()
    return [to_entry(base, spec, found, today) for found in spec.parse_models(payload)]


def to_entry(catalog: Catalog, spec: ProviderSpec, found: DiscoveredModel, today: datetime.date) -> ModelEntry:
    """A catalog entry for a discovered model: provider defaults, overlaid with what was listed."""
    entry = catalog.generic_entry(spec.name, found.id)
    capabilities = entry.capabilities.model_copy(
        update={
            k: v
            for k, v in (("tools", found.tools), ("reasoning", found.reasoning), ("vision", found.vision))
            if v is not None
        }
    )
    if not capabilities.tools:
        capabilities = capabilities.model_copy(update={"tool_choice": (), "parallel_tool_calls": False})
    price = None
    if found.input_price is not None and found.output_price is not None and found.currency:
        price = Price(
            input=found.input_price,
            output=found.output_price,
            currency=found.currency,
            source=f"live {spec.name} /models",
            as_of=today,
        )
    context = found.context_window
    output = (
        found.max_output_tokens
        if not context or not found.max_output_tokens or found.max_output_tokens <= context
        else None
    )
    return ModelEntry.model_validate(
        {
            **entry.model_dump(),
            "context_window": context,
            "max_output_tokens": output,
            "price": price,
            "capabilities": capabilities,
            "sources": (f"live {spec.name} /models, {today.isoformat()}",),
        }
    )
