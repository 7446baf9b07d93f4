"""The model catalog: the merged view of the curated, generated and user rows; lookups, lists, filters.

>>> from hostedllm.catalog import default_catalog
>>> default_catalog().get("baichuan4", provider="baichuan").id
'Baichuan4'
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hostedllm.catalog.rows import Row, read_catalog_file, resolve_rows, with_defaults
from hostedllm.catalog.schema import ModelEntry, problems
from hostedllm.catalog.status import warn_unknown_model
from hostedllm.errors import ConfigurationError, RequestValidationError, UnknownModelError
from hostedllm.providers import PROVIDERS, get_provider

CURATED_FILE = "models.toml"
GENERATED_FILE = "generated.json"
#: Points to the user's own catalog file (TOML, the schema of ``models.toml``), merged on top.
USER_CATALOG_ENV = "HOSTEDLLM_CATALOG"
#: Set to 1 to refuse model ids the catalog does not list (as ``strict_catalog=True`` does).
STRICT_CATALOG_ENV = "HOSTEDLLM_STRICT_CATALOG"


class Catalog:
    """An immutable, indexed view of model entries; rows are validated when first looked up.

    ``underlay`` supplies more rows on first need (the generated file, under the curated rows), so
    a lookup of a curated model never pays for parsing the large generated file.
    """

    def __init__(
        self,
        entries: Iterable[ModelEntry | Mapping[str, Any]],
        defaults: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        underlay: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
    ):
        self._rows: dict[str, ModelEntry | Mapping[str, Any]] = {}
        self._index: dict[tuple[str, str], str] = {}
        self._folded: dict[tuple[str, str], str] = {}  # for providers whose ids ignore case
        self._defaults = {name: dict(table) for name, table in (defaults or {}).items()}
        self._underlay = underlay
        self._lock = threading.Lock()
        self._add(entries)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled whole (the underlay's rows added), without its lock."""
        self._complete()
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> Catalog:
        return self  # immutable: a copy of a client shares its catalog

    def _add(self, entries: Iterable[ModelEntry | Mapping[str, Any]]) -> None:
        """Index ``entries``; a key already present keeps its row (the earlier layer wins)."""
        for row in entries:
            provider, ident, aliases = (
                (row.provider, row.id, row.aliases)
                if isinstance(row, ModelEntry)
                else (str(row["provider"]), str(row["id"]), row.get("aliases", ()))
            )
            key = f"{provider}:{ident}"
            if key in self._rows:
                continue
            self._rows[key] = row
            for name in (ident, *aliases):
                self._index.setdefault((provider, name), key)
                self._folded.setdefault((provider, name.casefold()), key)

    def _complete(self) -> None:
        """Add the underlay's rows (once, thread-safe) before an answer that needs every row."""
        if self._underlay is None:
            return
        with self._lock:
            if self._underlay is not None:
                self._add(self._underlay())
                self._underlay = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> Catalog:
        """The packaged catalog (generated rows, curated rows on top), or one catalog file, validated."""
        if path is not None:
            defaults, rows = read_catalog_file(Path(path).read_text("utf-8"))
            catalog = cls(resolve_rows(defaults, [(rows, "curated")]).values(), defaults)
            catalog.validate()
            return catalog
        package = resources.files("hostedllm.catalog")
        defaults, curated = read_catalog_file(package.joinpath(CURATED_FILE).read_text("utf-8"))

        def generated() -> Iterable[Row]:
            rows = json.loads(package.joinpath(GENERATED_FILE).read_text("utf-8"))["model"]
            return resolve_rows(defaults, [(rows, "generated")]).values()

        return cls(resolve_rows(defaults, [(curated, "curated")]).values(), defaults, underlay=generated)

    def with_file(self, path: str | Path) -> Catalog:
        """This catalog with a user's catalog file on top: its rows add models or override fields of
        known ones (``capabilities`` and ``params`` key by key), its ``defaults`` extend the provider's.

        Raises :class:`ConfigurationError` naming the file when it cannot be read or is invalid.
        """
        where = Path(path)
        self._complete()
        try:
            defaults, rows = read_catalog_file(where.read_text("utf-8"))
            merged = {name: {**self._defaults.get(name, {}), **table} for name, table in defaults.items()}
            all_defaults = {**self._defaults, **merged}
            base = {key: self._raw(key) for key in self._rows}
            resolved = resolve_rows(all_defaults, [(rows, "user")], base)
            catalog = Catalog(
                [*(row for key, row in base.items() if key not in resolved), *resolved.values()], all_defaults
            )
            for key in resolved:
                catalog.entry(key)
        except (OSError, ValueError, KeyError) as exc:
            problem = problems(exc) if isinstance(exc, ValidationError) else str(exc)
            raise ConfigurationError(
                f"The catalog file {str(where)!r} (from ${USER_CATALOG_ENV} or Catalog.with_file) cannot be used: "
                f"{problem}. Fix it (same schema as the packaged models.toml) or unset ${USER_CATALOG_ENV}."
            ) from None
        return catalog

    def validate(self) -> None:
        """Validate every row now (lookups otherwise validate the rows they touch)."""
        self._complete()
        for key in list(self._rows):
            self.entry(key)

    def entry(self, key: str) -> ModelEntry:
        """The entry stored under ``provider:id`` exactly."""
        if key not in self._rows:
            self._complete()
        row = self._rows[key]
        if not isinstance(row, ModelEntry):
            row = self._rows[key] = ModelEntry.model_validate(row)
        return row

    def __iter__(self) -> Iterator[ModelEntry]:
        self._complete()
        return (self.entry(key) for key in list(self._rows))

    def __len__(self) -> int:
        self._complete()
        return len(self._rows)

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

    def locate(self, model: str, provider: str | None = None) -> tuple[str, str]:
        """``(provider, model id)`` for a model given as an id, an alias or ``provider:id``, also for
        an id the catalog does not list when the provider is known."""
        entry = self.find(model, provider)
        if entry is not None:
            return entry.provider, entry.id
        if provider is None and ":" in model:
            prefix, _, rest = model.partition(":")
            if prefix in PROVIDERS:
                provider, model = prefix, rest
        if provider is not None:
            get_provider(provider)  # an unknown provider is refused by name
            return provider, model
        self.get(model)  # several providers, or none: the error says what to pass
        raise AssertionError("unreachable")  # pragma: no cover

    def resolve(
        self, provider: str, model: str, *, allow_unknown: bool = False, strict: bool | None = None
    ) -> ModelEntry:
        """The entry a client of ``provider`` uses for ``model``.

        An id the catalog does not list gets a generic entry from the provider's defaults, with a
        one-time :class:`UnknownModelWarning` (none for an open model list such as a local server, or
        with ``allow_unknown=True``). ``strict`` (default: ``$HOSTEDLLM_STRICT_CATALOG``) refuses it.
        """
        entry = self.find(model, provider)
        if entry is not None:
            return entry
        spec = get_provider(provider)
        if not (allow_unknown or spec.open_model_list):
            if strict_catalog(strict):
                raise self.unknown_model_error(model, provider, strict=True)
            warn_unknown_model(model, provider, self._hint(model, provider))
        return self.generic_entry(provider, model)

    def generic_entry(self, provider: str, model: str) -> ModelEntry:
        """An entry for an unlisted model: the provider's defaults, every other capability unknown."""
        raw = with_defaults({"provider": provider, "id": model}, self._defaults.get(provider, {}))
        raw.setdefault("sources", ("not in the catalog: provider defaults",))
        return ModelEntry.model_validate({**raw, "origin": "unlisted"})

    def models(
        self,
        provider: str | None = None,
        capabilities: Iterable[str] = (),
        status: str | None = None,
        kind: str | None = None,
    ) -> list[ModelEntry]:
        """Entries matching every filter given (a capability must be known to be on), in file order."""
        wanted = list(capabilities)
        return [
            entry
            for entry in self
            if (provider is None or entry.provider == provider)
            and (status is None or entry.status.state == status)
            and (kind is None or entry.kind == kind)
            and all(getattr(entry.capabilities, name) for name in wanted)
        ]

    def suggest(self, model: str, provider: str | None = None, limit: int = 3) -> list[str]:
        """Close ids (and aliases) for a mistyped ``model``, best first."""
        self._complete()
        names: dict[str, str] = {}
        for (owner, name), key in self._index.items():
            if provider is None or owner == provider:
                names.setdefault(name.casefold(), key.partition(":")[2])
        hits = difflib.get_close_matches(model.casefold(), list(names), n=limit, cutoff=0.5)
        return list(dict.fromkeys(names[hit] for hit in hits))

    def unknown_model_error(self, model: str, provider: str | None, *, strict: bool = False) -> UnknownModelError:
        where = f" for provider {provider!r}" if provider else ""
        text = f"Unknown model {model!r}{where}.{self._hint(model, provider)}"
        command = f"hostedllm models --provider {provider}" if provider else "hostedllm models"
        text += f" List models with `{command}`"
        if strict:
            text += (
                f"; the catalog is strict (strict_catalog=True or ${STRICT_CATALOG_ENV}): pass "
                "allow_unknown_model=True for a model newer than the catalog."
            )
        elif provider is None:
            text += "; for a model outside the catalog pass provider=... (or 'provider:id')."
        else:
            text += "."
        return UnknownModelError(text, suggestions=self.suggest(model, provider))

    def _hint(self, model: str, provider: str | None) -> str:
        """The "Did you mean ...? It is served by ..." text for an id not found (empty when nothing is close)."""
        suggestions = self.suggest(model, provider)
        text = " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?" if suggestions else ""
        elsewhere = [entry.key for entry in self._matches(model, None)] if provider else []
        if elsewhere:
            text += f" It is served by {', '.join(elsewhere)}."
        return text

    def merged(self, discovered: Iterable[ModelEntry]) -> Catalog:
        """A new catalog with ``discovered`` entries added; catalog facts win, gaps are filled."""
        self._complete()
        entries: dict[str, ModelEntry | Mapping[str, Any]] = dict(self._rows)
        for new in discovered:
            if new.key not in entries:
                entries[new.key] = new
                continue
            old = self.entry(new.key)
            fills = {
                name: getattr(new, name)
                for name in ("context_window", "max_output_tokens", "price")
                if getattr(old, name) is None and getattr(new, name) is not None
            }
            entries[new.key] = old.model_copy(update=fills) if fills else old
        return Catalog(entries.values(), self._defaults)

    def _raw(self, key: str) -> Row:
        self._complete()
        row = self._rows[key]
        return row.model_dump(exclude_defaults=True) if isinstance(row, ModelEntry) else dict(row)

    def _matches(self, model: str, provider: str | None) -> list[ModelEntry]:
        if provider is None and ":" in model:
            provider, _, model = model.partition(":")
        if provider is None:
            self._complete()  # an id may be served by a provider only the underlay lists
        found = self._find_loaded(model, provider)
        if not found and self._underlay is not None:
            self._complete()
            found = self._find_loaded(model, provider)
        return found

    def _find_loaded(self, model: str, provider: str | None) -> list[ModelEntry]:
        providers = [provider] if provider else sorted({owner for owner, _ in self._index})
        found: list[ModelEntry] = []
        for name in providers:
            key = self._index.get((name, model))
            if key is None and name in PROVIDERS and get_provider(name).model_ids_case_insensitive:
                key = self._folded.get((name, model.casefold()))
            if key is not None:
                entry = self.entry(key)
                if entry not in found:
                    found.append(entry)
        return found


def strict_catalog(strict: bool | None = None) -> bool:
    """``strict``, or else whether ``$HOSTEDLLM_STRICT_CATALOG`` is set to a true value."""
    if strict is not None:
        return strict
    return os.environ.get(STRICT_CATALOG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The packaged catalog with the user's file (``$HOSTEDLLM_CATALOG``) on top, loaded once on
    first use (never at import). Call ``default_catalog.cache_clear()`` after changing the variable."""
    catalog = Catalog.load()
    user_file = os.environ.get(USER_CATALOG_ENV)
    return catalog.with_file(user_file) if user_file else catalog
