"""Raw catalog rows: read a catalog file, apply provider defaults and ``same_as``, lay layers over each other.

>>> defaults, rows = read_catalog_file('[defaults.novita]\\ncapabilities = { stream_usage = true }\\n'
...     '[[model]]\\nprovider = "novita"\\nid = "a/b"\\nsources = ["s"]\\n')
>>> resolve_rows(defaults, [(rows, "curated")])["novita:a/b"]["capabilities"]
{'stream_usage': True}
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from hostedllm.catalog.schema import CatalogFile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

Row = dict[str, Any]


def read_catalog_file(text: str) -> tuple[dict[str, dict[str, Any]], list[Row]]:
    data = CatalogFile.model_validate(tomllib.loads(text))
    return data.defaults, data.model


def resolve_rows(
    defaults: Mapping[str, Mapping[str, Any]],
    layers: Iterable[tuple[Iterable[Mapping[str, Any]], str]],
    base: Mapping[str, Row] | None = None,
) -> dict[str, Row]:
    """Raw rows by key, later layers over earlier ones: provider defaults (chat rows only), ``same_as``
    inheritance, and for the user's layer a field-by-field overlay of a known row."""
    by_key: dict[str, Row] = {}
    known = dict(base or {})
    for rows, origin in layers:
        for item in rows:
            provider = str(item.get("provider"))
            key = f"{provider}:{item.get('id')}"
            previous = by_key.get(key) or known.get(key)
            if origin == "user" and previous is not None:
                row = with_defaults(item, previous)
            elif item.get("kind", "chat") == "chat":
                row = with_defaults(item, defaults.get(provider, {}))
            else:
                row = dict(item)
            same_as = row.pop("same_as", None)
            if same_as is not None:
                parent = by_key.get(str(same_as)) or known.get(str(same_as))
                if parent is None:
                    raise KeyError(f"{key} has same_as = {same_as!r}, which is not in the catalog")
                row = inherit(row, parent)
            row["origin"] = origin
            by_key[key] = row
    return by_key


def with_defaults(item: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **item}
    for table in ("capabilities", "params"):
        if table in defaults and table in item:
            merged[table] = {**defaults[table], **item[table]}
    own = item.get("capabilities", {})
    if own.get("tools") is False:  # a model without tools takes none of the provider's tool settings
        merged["capabilities"] = {**merged["capabilities"], "tool_choice": [], "parallel_tool_calls": False}
    return merged


def inherit(entry: dict[str, Any], parent: Mapping[str, Any]) -> dict[str, Any]:
    """Model facts (context, output, capabilities) from ``parent``; the rest stays the entry's own."""
    inherited = {k: parent[k] for k in ("context_window", "max_output_tokens") if k in parent}
    merged = {**inherited, **entry}
    merged["capabilities"] = {**parent.get("capabilities", {}), **entry.get("capabilities", {})}
    return merged
