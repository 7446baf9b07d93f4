"""Small helpers the LangChain and LlamaIndex adapters share (framework-neutral).

>>> from hostedllm.providers import get_provider
>>> sampling_params(get_provider("novita"), {"top_k": 5, "timeout": 3}, {"min_p": 0.1}, {"top_k": None})
{'min_p': 0.1}
>>> class Settings(BaseModel):
...     model: str
...     model_kwargs: dict[str, object] = {}
>>> gather_unknown_kwargs(Settings, {"model": "m", "top_k": 40}, into="model_kwargs")
{'model': 'm', 'model_kwargs': {'top_k': 40}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import AliasChoices, BaseModel, ValidationError

from hostedllm.errors import HostedLLMError, RequestValidationError
from hostedllm.providers import ProviderSpec

#: The model id an adapter's ``get_available_models`` builds a throwaway instance with (nothing is sent for it).
PLACEHOLDER_MODEL = "list-models"


def sampling_params(
    spec: ProviderSpec, fields: Mapping[str, Any], extra: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """The sampling parameters to send: an adapter's fields named like ``spec``'s parameters, then
    its free-form extras (``model_kwargs``/``additional_kwargs``), then per-call overrides; ``None``
    means "not set"."""
    params = {name: fields[name] for name in spec.params if name in fields}
    params.update(extra)
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def gather_unknown_kwargs(model: type[BaseModel], data: Any, *, into: str) -> Any:
    """Move keyword arguments ``model`` has no field for into its ``into`` dict (``model_kwargs``,
    ``additional_kwargs``), where they are checked like any provider parameter, so an unknown one is
    refused by name instead of silently ignored; meant for a ``mode="before"`` validator."""
    if not isinstance(data, dict):
        return data
    known = _field_names(model)
    unknown = {key: value for key, value in data.items() if key not in known}
    if not unknown:
        return data
    extra = dict(data.get(into) or {})
    twice = sorted(unknown.keys() & extra.keys())
    if twice:
        raise RequestValidationError(f"{', '.join(twice)} given both as a keyword and in {into}; give each once.")
    kept = {key: value for key, value in data.items() if key not in unknown}
    return {**kept, into: {**extra, **unknown}}


def _field_names(model: type[BaseModel]) -> set[str]:
    names = set(model.model_fields)
    for field in model.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias)
        if field.alias:
            names.add(field.alias)
    return names


@contextmanager
def typed_construction_errors() -> Iterator[None]:
    """Raise our typed error (it names the problem and the fix) rather than pydantic's wrapper."""
    try:
        yield
    except ValidationError as exc:
        for error in exc.errors():
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, HostedLLMError):
                raise cause from None
        raise
