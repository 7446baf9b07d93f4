"""The model catalog: load ``models.toml``, look models up, list and filter them.

>>> from hostedllm.catalog import default_catalog
>>> default_catalog().get("baichuan4", provider="baichuan").id
'Baichuan4'
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from hostedllm.catalog.schema import CatalogFile, ModelEntry
from hostedllm.errors import RequestValidationError, UnknownModelError
from hostedllm.providers import get_provider

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DATA_FILE = "models.toml"


class Catalog:
    """An immutable, indexed view of model entries."""

    def __init__(self, entries: Iterable[ModelEntry], defaults: Mapping[str, Mapping[str, Any]] | None = None):
        self._entries = {entry.key: entry for entry in entries}
        self._defaults = dict(defaults or {})
        self._index: dict[tuple[str, str], ModelEntry] = {}
        for entry in self._entries.values():
            for name in (entry.id, *entry.aliases):
                self._index.setdefault((entry.provider, name), entry)
                self._index.setdefault((entry.provider, name.casefold()), entry)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Catalog:
        """Read and validate a catalog file (the packaged ``models.toml`` by default)."""
        if path is None:
            raw = resources.files("hostedllm.catalog").joinpath(DATA_FILE).read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        data = CatalogFile.model_validate(tomllib.loads(raw))
        by_key: dict[str, dict[str, Any]] = {}
        for item in data.model:
            merged = _with_defaults(item, data.defaults.get(str(item.get("provider")), {}))
            same_as = merged.pop("same_as", None)
            if same_as is not None:
                merged = _inherit(merged, by_key[str(same_as)])
            by_key[f"{merged['provider']}:{merged['id']}"] = merged
        return cls((ModelEntry.model_validate(raw_entry) for raw_entry in by_key.values()), data.defaults)

    def __iter__(self) -> Any:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, model: str, provider: str | None = None) -> ModelEntry | None:
        """The entry for ``model`` (an id, an alias, or ``provider:id``), or ``None``."""
        matches = self._matches(model, provider)
        return matches[0] if len(matches) == 1 else None

    def get(self, model: str, provider: str | None = None) -> ModelEntry:
        """Like :meth:`find`, but raise with "did you mean" suggestions when nothing matches."""
        matches = self._matches(model, provider)
        if len(matches) == 1:
            return matches[0]
        if matches:
            keys = ", ".join(entry.key for entry in matches)
            raise RequestValidationError(
                f"Model {model!r} is served by several providers ({keys}). Pass provider=... "
                "or a qualified name such as " + repr(matches[0].key) + "."
            )
        raise self.unknown_model_error(model, provider)

    def resolve(self, provider: str, model: str, *, allow_unknown: bool = False) -> ModelEntry:
        """The entry a client of ``provider`` uses for ``model``.

        A provider with an open model list (a local server), or ``allow_unknown=True``, gets a
        generic entry built from the provider's defaults for an unlisted id.
        """
        entry = self.find(model, provider)
        if entry is not None:
            return entry
        if allow_unknown or get_provider(provider).open_model_list:
            return self.generic_entry(provider, model)
        raise self.unknown_model_error(model, provider)

    def generic_entry(self, provider: str, model: str) -> ModelEntry:
        """An uncurated entry for an unlisted model, with the provider's default capabilities."""
        raw = _with_defaults({"provider": provider, "id": model}, self._defaults.get(provider, {}))
        raw.setdefault("sources", ("not in the catalog: provider defaults",))
        return ModelEntry.model_validate({**raw, "curated": False})

    def models(
        self,
        provider: str | None = None,
        capabilities: Iterable[str] = (),
        status: str | None = None,
    ) -> list[ModelEntry]:
        """Entries matching every filter given, in file order."""
        wanted = list(capabilities)
        return [
            entry
            for entry in self._entries.values()
            if (provider is None or entry.provider == provider)
            and (status is None or entry.status.state == status)
            and all(getattr(entry.capabilities, name) for name in wanted)
        ]

    def suggest(self, model: str, provider: str | None = None, limit: int = 3) -> list[str]:
        """Close ids (and aliases) for a mistyped ``model``, best first."""
        names: dict[str, str] = {}
        for entry in self._entries.values():
            if provider is None or entry.provider == provider:
                for name in (entry.id, *entry.aliases):
                    names.setdefault(name.casefold(), entry.id)
        hits = difflib.get_close_matches(model.casefold(), list(names), n=limit, cutoff=0.5)
        return list(dict.fromkeys(names[hit] for hit in hits))

    def unknown_model_error(self, model: str, provider: str | None) -> UnknownModelError:
        suggestions = self.suggest(model, provider)
        where = f" for provider {provider!r}" if provider else ""
        text = f"Unknown model {model!r}{where}."
        if suggestions:
            text += " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        elsewhere = [entry.key for entry in self._matches(model, None)] if provider else []
        if elsewhere:
            text += f" It is served by {', '.join(elsewhere)}."
        command = f"hostedllm models --provider {provider}" if provider else "hostedllm models"
        text += f" List models with `{command}`; for a model newer than the catalog pass allow_unknown_model=True."
        return UnknownModelError(text, suggestions=suggestions)

    def merged(self, discovered: Iterable[ModelEntry]) -> Catalog:
        """A new catalog with ``discovered`` entries added; curated facts win, gaps are filled."""
        entries = dict(self._entries)
        for new in discovered:
            old = entries.get(new.key)
            if old is None:
                entries[new.key] = new
                continue
            fills = {
                name: getattr(new, name)
                for name in ("context_window", "max_output_tokens", "price")
                if getattr(old, name) is None and getattr(new, name) is not None
            }
            entries[new.key] = old.model_copy(update=fills) if fills else old
        return Catalog(entries.values(), self._defaults)

    def _matches(self, model: str, provider: str | None) -> list[ModelEntry]:
        if provider is None and ":" in model:
            provider, _, model = model.partition(":")
        providers = [provider] if provider else sorted({entry.provider for entry in self._entries.values()})
        found: list[ModelEntry] = []
        for name in providers:
            entry = self._index.get((name, model))
            if entry is None and get_provider(name).model_ids_case_insensitive:
                entry = self._index.get((name, model.casefold()))
            if entry is not None and entry not in found:
                found.append(entry)
        return found


def _with_defaults(item: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **item}
    for table in ("capabilities", "params"):
        if table in defaults and table in item:
            merged[table] = {**defaults[table], **item[table]}
    return merged


def _inherit(entry: dict[str, Any], parent: Mapping[str, Any]) -> dict[str, Any]:
    """Model facts (context, output, capabilities) from ``parent``; the rest stays the entry's own."""
    inherited = {k: parent[k] for k in ("context_window", "max_output_tokens") if k in parent}
    merged = {**inherited, **entry}
    merged["capabilities"] = {**parent.get("capabilities", {}), **entry.get("capabilities", {})}
    return merged


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The packaged catalog, loaded once on first use (never at import)."""
    return Catalog.load()
