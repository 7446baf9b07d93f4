"""Live model discovery from a provider's ``/models``: explicit only, never implicit.

Nothing here runs unless called (never from a constructor), and the packaged data file is never
touched: :func:`discover_models` returns what the provider lists, :func:`available_models` that
list with the catalog's facts where it has them (:mod:`hostedllm.catalog.live_diff` says what differs).

>>> import httpx, json
>>> body = {"data": [{"model": "Baichuan4", "max_input_length": 32768, "max_tokens": 2048}]}
>>> mock = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
>>> [e.id for e in discover_models("baichuan", api_key="sk-test", transport=mock)]
['Baichuan4']
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

import httpx
from pydantic import SecretStr

from hostedllm.catalog.catalog import Catalog, default_catalog
from hostedllm.catalog.schema import ModelEntry, Price
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.providers.spec import DiscoveredModel
from hostedllm.settings import request_headers, resolve_api_key, resolve_base_url
from hostedllm.transport import HTTPTransport, Timeouts

__all__ = [
    "aavailable_models",
    "adiscover_models",
    "available_models",
    "discover_models",
    "id_matcher",
    "merge_available",
    "to_entry",
]


def discover_models(
    provider: str | ProviderSpec,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    catalog: Catalog | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> list[ModelEntry]:
    """Fetch ``{base_url}/models`` and return one live entry (origin ``"live"``) per listed model."""
    spec = get_provider(provider)
    http = _transport(spec, api_key, base_url, timeout, transport=transport)
    try:
        payload = http.get_json("/models")
    finally:
        http.close()
    return _entries(spec, payload, catalog)


async def adiscover_models(
    provider: str | ProviderSpec,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    catalog: Catalog | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
) -> list[ModelEntry]:
    """:func:`discover_models` on the async path (aiohttp-backed unless ``transport`` is given)."""
    spec = get_provider(provider)
    http = _transport(spec, api_key, base_url, timeout, async_transport=transport)
    try:
        payload = await http.aget_json("/models")
    finally:
        await http.aclose()
    return _entries(spec, payload, catalog)


def available_models(
    provider: str | ProviderSpec,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    catalog: Catalog | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> list[ModelEntry]:
    """What ``provider`` serves now, each model with the catalog's facts when the catalog knows it.

    One network call (``GET {base_url}/models``). A listed model the catalog knows comes back as the
    catalog's entry (its facts win; the live list only fills gaps, as :meth:`Catalog.merged` does);
    a model it does not know comes back as the live entry (``origin == "live"``), whose
    capabilities are unknown (``None``) unless the provider's list states them.

    >>> import httpx
    >>> body = {"data": [{"model": "Baichuan4"}, {"model": "Baichuan-M9", "max_input_length": 32768}]}
    >>> mock = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    >>> [(e.id, e.origin) for e in available_models("baichuan", api_key="sk-test", transport=mock)]
    [('Baichuan4', 'curated'), ('Baichuan-M9', 'live')]
    """
    base = catalog or default_catalog()
    spec = get_provider(provider)
    live = discover_models(spec, api_key=api_key, base_url=base_url, catalog=base, transport=transport, timeout=timeout)
    return merge_available(base, spec, live)


async def aavailable_models(
    provider: str | ProviderSpec,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    catalog: Catalog | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
) -> list[ModelEntry]:
    """:func:`available_models` on the async path.

    >>> import asyncio, httpx
    >>> mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": [{"model": "Baichuan4"}]}))
    >>> [e.key for e in asyncio.run(aavailable_models("baichuan", api_key="sk-test", transport=mock))]
    ['baichuan:Baichuan4']
    """
    base = catalog or default_catalog()
    spec = get_provider(provider)
    live = await adiscover_models(
        spec, api_key=api_key, base_url=base_url, catalog=base, transport=transport, timeout=timeout
    )
    return merge_available(base, spec, live)


def merge_available(catalog: Catalog, provider: str | ProviderSpec, live: Iterable[ModelEntry]) -> list[ModelEntry]:
    """The live list with catalog entries in place of the models the catalog knows (no network).

    Ids match as the provider's spec says (case-insensitively for Baichuan and theturbo), and
    aliases count. Duplicates in the live list (NVIDIA lists some twice) are dropped; order is kept.

    >>> from hostedllm.catalog.schema import ModelEntry
    >>> live = [ModelEntry(provider="baichuan", id="BAICHUAN4", sources=("live",), origin="live")]
    >>> [e.id for e in merge_available(default_catalog(), "baichuan", live)]
    ['Baichuan4']
    """
    spec = get_provider(provider)
    find = id_matcher(catalog, spec)
    pairs = [(entry, find(entry.id)) for entry in live]
    # Renamed to the catalog's id so Catalog.merged fills the known entries' gaps.
    merged = {
        e.key: e for e in catalog.merged(new.model_copy(update={"id": old.id}) for new, old in pairs if old is not None)
    }
    result: dict[str, ModelEntry] = {}
    for new, old in pairs:
        chosen = new if old is None else merged[old.key]
        result.setdefault(chosen.key, chosen)
    return list(result.values())


def to_entry(catalog: Catalog, spec: ProviderSpec, found: DiscoveredModel, today: datetime.date) -> ModelEntry:
    """A live entry for a discovered model: provider defaults, overlaid with what was listed.

    A capability the list does not mention keeps the provider default, else stays unknown
    (``None``); only the list's own ``false`` makes it ``False``.
    """
    entry = catalog.generic_entry(spec.name, found.id)
    listed = {"tools": found.tools, "reasoning": found.reasoning, "vision": found.vision}
    capabilities = entry.capabilities.model_copy(update={k: v for k, v in listed.items() if v is not None})
    if capabilities.tools is False:  # no tools: no tool_choice, no parallel calls
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
            "origin": "live",
        }
    )


def id_matcher(catalog: Catalog, spec: ProviderSpec) -> Callable[[str], ModelEntry | None]:
    """Find a listed id among ``spec``'s catalog rows: ids first, then aliases, case as the spec says."""
    fold = id_fold(spec)
    index: dict[str, ModelEntry] = {}
    rows = catalog.models(provider=spec.name)
    for entry in rows:
        index.setdefault(fold(entry.id), entry)
    for entry in rows:
        for alias in entry.aliases:
            index.setdefault(fold(alias), entry)
    return lambda model: index.get(fold(model))


def id_fold(spec: ProviderSpec) -> Callable[[str], str]:
    return str.casefold if spec.model_ids_case_insensitive else str


def _transport(
    spec: ProviderSpec,
    api_key: str | SecretStr | None,
    base_url: str | None,
    timeout: float,
    *,
    transport: httpx.BaseTransport | None = None,
    async_transport: httpx.AsyncBaseTransport | None = None,
) -> HTTPTransport:
    key = resolve_api_key(spec, api_key)
    return HTTPTransport(
        spec,
        resolve_base_url(spec, base_url),
        request_headers(spec, key),
        Timeouts.from_value(timeout),
        secrets=(key.get_secret_value(),) if key else (),
        transport=transport,
        async_transport=async_transport,
    )


def _entries(spec: ProviderSpec, payload: object, catalog: Catalog | None) -> list[ModelEntry]:
    base = catalog or default_catalog()
    today = datetime.date.today()
    return [to_entry(base, spec, found, today) for found in spec.parse_models(payload)]
