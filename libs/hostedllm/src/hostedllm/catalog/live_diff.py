"""How the catalog differs from what a provider lists now (``hostedllm models --live --diff``); no network.

Rows the provider no longer lists, models the catalog lacks, and facts both state differently;
the example is on :func:`diff_against_live`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hostedllm.catalog.catalog import Catalog
from hostedllm.catalog.discovery import id_fold, id_matcher
from hostedllm.catalog.schema import ModelEntry
from hostedllm.providers import ProviderSpec, get_provider

#: Catalog rows the diff expects upstream: anything but a retired row or one that is live itself.
_LISTED_KINDS = ("chat", "embedding", "rerank")
_NOT_CATALOG_FACTS = ("live", "unlisted")


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
    find = id_matcher(catalog, spec)
    seen: dict[str, ModelEntry] = {}  # catalog key -> the catalog row found upstream
    new: dict[str, ModelEntry] = {}
    changed: list[FieldChange] = []
    for live in live_entries:
        row = find(live.id)
        if row is None:
            new.setdefault(id_fold(spec)(live.id), live)
        elif row.key not in seen:
            seen[row.key] = row
            changed.extend(_changes(row, live))
    rows = [e for e in catalog.models(provider=spec.name) if e.origin not in _NOT_CATALOG_FACTS]
    if spec.open_model_list:  # a local server lists the one model it loaded, not all it could serve
        rows = []
    return CatalogDiff(
        provider=spec.name,
        missing_upstream=tuple(
            e for e in rows if e.key not in seen and e.kind in _LISTED_KINDS and e.status.state != "retired"
        ),
        new_upstream=tuple(new.values()),
        changed=tuple(changed),
        listed_but_retired=tuple(e for e in seen.values() if e.status.state == "retired"),
        listed=len({id_fold(spec)(e.id) for e in live_entries}),
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
