"""Live model discovery from a provider's ``/models``: explicit only, never implicit.

Nothing here runs unless called (never from a constructor), and the packaged data file is never
touched: :func:`discover_models` returns what the provider lists, :func:`available_models` that
list with the catalog's facts where it has them, and :func:`diff_against_live` what differs.

>>> import httpx, json
>>> body = {"data": [{"model": "Baichuan4", "max_input_length": 32768, "max_tokens": 2048}]}
>>> mock = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
>>> [e.id for e in discover_models("baichuan", api_key="sk-test", transport=mock)]
['Baichuan4']
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from hostedllm.catalog.catalog import Catalog, default_catalog
from hostedllm.catalog.schema import ModelEntry, Price
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.providers.spec import DiscoveredModel
from hostedllm.settings import request_headers, resolve_api_key, resolve_base_url
from hostedllm.transport import HTTPTransport, Timeouts

__all__ = [
    "CatalogDiff",
    "FieldChange",
    "aavailable_models",
    "adiscover_models",
    "available_models",
    "diff_against_live",
    "discover_models",
    "merge_available",
    "to_entry",
]

#: Catalog rows the diff expects upstream: anything but a retired row or one that is live itself.
_LISTED_KINDS = ("chat", "embedding", "rerank")
_NOT_CATALOG_FACTS = ("live", "unlisted")


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
    find = _matcher(catalog, spec)
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


@dataclass(frozen=True)
class FieldChange:
    """One fact on which the catalog and the live list disagree."""

    key: str
    field: str
    catalog: Any
    live: Any
    #: The currency of a price change ("USD", "CNY"), else ``None``.
    unit: str | None = None


@dataclass(frozen=True)
class CatalogDiff:
    """How a provider's catalog rows compare with what its ``/models`` lists now."""

    provider: str
    #: Active or deprecated catalog rows the provider no longer lists: maybe retired.
    missing_upstream: tuple[ModelEntry, ...] = ()
    #: Listed models the catalog does not know (live entries).
    new_upstream: tuple[ModelEntry, ...] = ()
    #: Context window, max output or price that differ (only where both sides state a value).
    changed: tuple[FieldChange, ...] = ()
    #: Rows the catalog calls retired that the provider still lists.
    listed_but_retired: tuple[ModelEntry, ...] = ()
    listed: int = 0

    def __bool__(self) -> bool:
        return bool(self.missing_upstream or self.new_upstream or self.changed or self.listed_but_retired)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``hostedllm models --live --diff --json`` prints)."""

        def brief(entry: ModelEntry) -> dict[str, Any]:
            price = entry.price
            return {
                "id": entry.id,
                "kind": entry.kind,
                "status": entry.status.state,
                "context_window": entry.context_window,
                "max_output_tokens": entry.max_output_tokens,
                "price": None
                if price is None
                else price.model_dump(mode="json", include={"input", "output", "currency"}),
            }

        return {
            "provider": self.provider,
            "listed": self.listed,
            "missing_upstream": [brief(e) for e in self.missing_upstream],
            "new_upstream": [brief(e) for e in self.new_upstream],
            "changed": [
                {"id": c.key.partition(":")[2], "field": c.field, "catalog": c.catalog, "live": c.live, "unit": c.unit}
                for c in self.changed
            ],
            "listed_but_retired": [brief(e) for e in self.listed_but_retired],
        }


def diff_against_live(
    catalog: Catalog, provider: str | ProviderSpec, live_entries: Sequence[ModelEntry]
) -> CatalogDiff:
    """Compare ``provider``'s catalog rows with a live list (from :func:`discover_models`); no network.

    >>> from hostedllm.catalog.schema import ModelEntry
    >>> catalog = Catalog([ModelEntry(provider="novita", id="old/model", sources=("docs",))])
    >>> live = [ModelEntry(provider="novita", id="new/model", sources=("live",), origin="live")]
    >>> diff = diff_against_live(catalog, "novita", live)
    >>> [e.id for e in diff.missing_upstream], [e.id for e in diff.new_upstream]
    (['old/model'], ['new/model'])
    """
    spec = get_provider(provider)
    find = _matcher(catalog, spec)
    seen: dict[str, ModelEntry] = {}  # catalog key -> the catalog row found upstream
    new: dict[str, ModelEntry] = {}
    changed: list[FieldChange] = []
    for live in live_entries:
        row = find(live.id)
        if row is None:
            new.setdefault(_fold(spec)(live.id), live)
        elif row.key not in seen:
            seen[row.key] = row
            changed.extend(_changes(row, live))
    rows = [e for e in catalog.models(provider=spec.name) if e.origin not in _NOT_CATALOG_FACTS]
    return CatalogDiff(
        provider=spec.name,
        missing_upstream=tuple(
            e for e in rows if e.key not in seen and e.kind in _LISTED_KINDS and e.status.state != "retired"
        ),
        new_upstream=tuple(new.values()),
        changed=tuple(changed),
        listed_but_retired=tuple(e for e in seen.values() if e.status.state == "retired"),
        listed=len({_fold(spec)(e.id) for e in live_entries}),
    )


def _changes(row: ModelEntry, live: ModelEntry) -> list[FieldChange]:
    """The facts both sides state and disagree on."""
    pairs: list[tuple[str, Any, Any]] = [
        ("context_window", row.context_window, live.context_window),
        ("max_output_tokens", row.max_output_tokens, live.max_output_tokens),
    ]
    unit = None
    if row.price is not None and live.price is not None:
        if row.price.currency != live.price.currency:
            pairs.append(("price.currency", row.price.currency, live.price.currency))
        else:
            unit = row.price.currency
            pairs.append(("price.input", row.price.input, live.price.input))
            pairs.append(("price.output", row.price.output, live.price.output))
    return [
        FieldChange(row.key, name, old, new, unit if name.startswith("price.") else None)
        for name, old, new in pairs
        if _differs(old, new)
    ]


def _differs(old: Any, new: Any) -> bool:
    if old is None or new is None:  # a side that says nothing disagrees with nothing
        return False
    if isinstance(old, str) or isinstance(new, str):
        return bool(old != new)
    return not math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)


def _matcher(catalog: Catalog, spec: ProviderSpec) -> Callable[[str], ModelEntry | None]:
    """Find a listed id among ``spec``'s catalog rows: ids first, then aliases, case as the spec says."""
    fold = _fold(spec)
    index: dict[str, ModelEntry] = {}
    rows = catalog.models(provider=spec.name)
    for entry in rows:
        index.setdefault(fold(entry.id), entry)
    for entry in rows:
        for alias in entry.aliases:
            index.setdefault(fold(alias), entry)
    return lambda model: index.get(fold(model))


def _fold(spec: ProviderSpec) -> Callable[[str], str]:
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
