"""The adapter contract: what the LangChain and LlamaIndex adapters decide the same way, decided here once.

An adapter converts its framework's messages and results; everything else it asks this module
(framework-free): how to build the :class:`~hostedllm.client.ChatClient` (:class:`ClientOptions`),
which per-call keywords shape the request and which are sampling parameters
(:func:`split_call_kwargs`), how to force a tool call (:func:`force_tool_call`), and which
structured-output method and format to use (:func:`structured_method`, :func:`json_schema_format`).
Each adapter keeps its framework's idiom (raise or warn) on top of the same decision.

>>> from hostedllm.catalog import default_catalog
>>> force_tool_call(default_catalog().get("baichuan:Baichuan4"), ["add"]).problem is not None
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeVar

import httpx
from pydantic import AliasChoices, BaseModel, SecretStr, ValidationError

from hostedllm.catalog import ModelEntry, default_catalog
from hostedllm.client import ChatClient
from hostedllm.embeddings import EmbeddingsClient
from hostedllm.errors import HostedLLMError, RequestValidationError, UnsupportedCapabilityError
from hostedllm.providers import ProviderSpec
from hostedllm.rerank import RerankClient
from hostedllm.transport import Timeouts
from hostedllm.transport.ratelimit import Limiter, RateLimit

#: The model id a ``get_available_models`` builds a throwaway instance with (nothing is sent for it).
PLACEHOLDER_MODEL = "list-models"
#: Per-call keyword arguments that shape the request rather than sample.
REQUEST_SHAPE_KEYS = ("tools", "tool_choice", "parallel_tool_calls", "response_format", "thinking")

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
#: Best first: a schema the provider enforces, then a forced tool call, then JSON mode.
STRUCTURED_PREFERENCE: tuple[StructuredMethod, ...] = ("json_schema", "function_calling", "json_mode")


_O = TypeVar("_O", bound="_Options")


@dataclass(frozen=True)
class _Options:
    @classmethod
    def from_fields(cls: type[_O], values: Mapping[str, Any], **named: Any) -> _O:
        """The options among an adapter's field ``values`` (same names), with ``named`` ones on top
        for fields the framework names otherwise (``api_base``, ``http_transport``)."""
        given = {**{f.name: values[f.name] for f in fields(cls) if f.name in values}, **named}
        return cls(**given)

    def _as_kwargs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Connection(_Options):
    """The connection and catalog settings every core client takes."""

    api_key: str | SecretStr | None = None
    base_url: str | None = None
    timeout: float | Timeouts | None = None
    max_retries: int = 2
    allow_unknown_model: bool = False
    strict_catalog: bool | None = None
    allow_insecure_http: bool = False
    default_headers: Mapping[str, str] | None = None
    transport: httpx.BaseTransport | None = None
    async_transport: httpx.AsyncBaseTransport | None = None
    rate_limit: RateLimit | Limiter | None = None


@dataclass(frozen=True)
class ClientOptions(_Connection):
    """What every class passes to :class:`ChatClient`, whatever its framework calls the fields."""

    capabilities: Mapping[str, Any] | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    price: Mapping[str, Any] | None = None

    def client(self, spec: str | ProviderSpec, model: str) -> ChatClient:
        """The core client for ``model`` on ``spec``'s provider (no network)."""
        return ChatClient(spec, model, **self._as_kwargs())


@dataclass(frozen=True)
class _Batched(_Connection):
    """The settings of the clients that split their inputs into requests (embeddings, reranking)."""

    truncate: str | None = None
    batch_size: int | None = None
    max_concurrency: int = 4


@dataclass(frozen=True)
class EmbeddingOptions(_Batched):
    """What every embeddings class passes to :class:`~hostedllm.embeddings.EmbeddingsClient`."""

    dimensions: int | None = None

    def client(self, spec: str | ProviderSpec, model: str) -> EmbeddingsClient:
        """The core embeddings client for ``model`` on ``spec``'s provider (no network)."""
        return EmbeddingsClient(spec, model, **self._as_kwargs())


@dataclass(frozen=True)
class RerankOptions(_Batched):
    """What every reranker class passes to :class:`~hostedllm.rerank.RerankClient`."""

    top_n: int | None = None

    def client(self, spec: str | ProviderSpec, model: str) -> RerankClient:
        """The core rerank client for ``model`` on ``spec``'s provider (no network)."""
        return RerankClient(spec, model, **self._as_kwargs())


def with_located_provider(data: Any, key: str = "model") -> Any:
    """An any-provider class's field values with ``provider`` found in the catalog when not given:
    ``"novita:baai/bge-m3"`` (or an id one provider alone serves) is split into provider and id.
    ``model_name`` is read as ``model`` (LangChain's alias).

    >>> with_located_provider({"model": "novita:baai/bge-m3"})
    {'model': 'baai/bge-m3', 'provider': 'novita'}
    """
    if not isinstance(data, dict) or data.get("provider"):
        return data
    model = data.get(key, data.get("model_name"))
    if not isinstance(model, str):
        return data
    provider, ident = default_catalog().locate(model)
    rest = {name: value for name, value in data.items() if name != "model_name" or key == "model_name"}
    return {**rest, key: ident, "provider": provider}


def located_provider(provider: str | None, owner: str) -> str:
    """An any-provider class's provider, once :func:`with_located_provider` has had its say.

    >>> located_provider(None, "HostedEmbeddings")
    Traceback (most recent call last):
    ...
    hostedllm.errors.RequestValidationError: HostedEmbeddings needs a model (and, when ambiguous, a provider).
    """
    if provider is None:
        raise RequestValidationError(f"{owner} needs a model (and, when ambiguous, a provider).")
    return provider


def split_call_kwargs(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-call keyword arguments as ``(request shape, the rest)``; a shape key set to ``None`` is unset.

    >>> split_call_kwargs({"tools": None, "tool_choice": "auto", "temperature": 0.2})
    ({'tool_choice': 'auto'}, {'temperature': 0.2})
    """
    shape = {key: kwargs[key] for key in REQUEST_SHAPE_KEYS if kwargs.get(key) is not None}
    rest = {key: value for key, value in kwargs.items() if key not in REQUEST_SHAPE_KEYS}
    return shape, rest


@dataclass(frozen=True)
class ToolChoice:
    """The ``tool_choice`` that forces a call as strongly as the model allows; ``problem`` says why
    it cannot be forced (``choice`` is then ``"auto"``)."""

    choice: str | dict[str, Any]
    problem: str | None = None


def force_tool_call(model: ModelEntry, names: Sequence[str], *, this_tool: bool = False) -> ToolChoice:
    """The one policy for "call a tool": ``required`` where the model takes it (a named choice for a
    single tool where it does not); ``this_tool`` (forcing the only tool, as structured output does)
    prefers the named choice. An undocumented ``tool_choice`` is tried (the request warns once).

    >>> from hostedllm.catalog import default_catalog
    >>> force_tool_call(default_catalog().get("nim:meta/llama-3.3-70b-instruct"), ["add"]).choice
    {'type': 'function', 'function': {'name': 'add'}}
    """
    allowed = model.capabilities.tool_choice
    named: dict[str, Any] | None = (
        {"type": "function", "function": {"name": names[0]}}
        if len(names) == 1 and (allowed is None or "function" in allowed)
        else None
    )
    required = "required" if allowed is None or "required" in allowed else None
    choice = (named or required) if this_tool else (required or named)
    if choice is not None:
        return ToolChoice(choice)
    takes = ", ".join(repr(a) for a in allowed or ()) or "nothing"
    return ToolChoice(
        "auto",
        f"{model.id} on {model.provider} cannot be made to call a tool (it takes tool_choice {takes}); "
        "with 'auto' it may answer in text instead. If you know it can, pass capabilities={'tool_choice': [...]}.",
    )


def structured_method(model: ModelEntry, method: StructuredMethod | None) -> StructuredMethod:
    """``method`` as given, or the best the model is known to support, else the best not known to be
    missing (tried; the request warns once). Raises when every method is a known "no"."""
    caps = model.capabilities
    support = {"json_schema": caps.json_schema, "function_calling": caps.tools, "json_mode": caps.json_object}
    if method is not None:
        if method not in support:
            raise ValueError(f"method={method!r} is not one of {', '.join(STRUCTURED_PREFERENCE)}.")
        return method
    known = [name for name in STRUCTURED_PREFERENCE if support[name] is True]
    untried = [name for name in STRUCTURED_PREFERENCE if support[name] is None]
    if not known and not untried:
        raise UnsupportedCapabilityError(
            f"{model.id} on {model.provider} supports no structured output (no JSON schema, tools or JSON mode). "
            "Pick another model (`hostedllm models --capability json_schema`) or parse the text yourself; "
            "if you know it has one, pass capabilities={'json_schema': True} (or 'tools', 'json_object')."
        )
    return (known or untried)[0]


def json_schema_format(
    name: str, schema: Mapping[str, Any], description: str | None = None, strict: bool | None = None
) -> dict[str, Any]:
    """A ``response_format`` asking for JSON that follows ``schema``.

    >>> json_schema_format("Person", {"type": "object"})
    {'type': 'json_schema', 'json_schema': {'name': 'Person', 'schema': {'type': 'object'}}}
    """
    spec: dict[str, Any] = {"name": name, "schema": dict(schema)}
    if description:
        spec["description"] = description
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def sampling_params(
    spec: ProviderSpec, fields: Mapping[str, Any], extra: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """The sampling parameters to send: an adapter's fields named like ``spec``'s parameters, then
    its free-form extras (``model_kwargs``/``additional_kwargs``), then per-call overrides; ``None``
    means "not set".

    >>> from hostedllm.providers import get_provider
    >>> sampling_params(get_provider("novita"), {"top_k": 5, "timeout": 3}, {"min_p": 0.1}, {"top_k": None})
    {'min_p': 0.1}
    """
    params = {name: value for name in spec.params if (value := fields.get(name)) is not None}
    if not (extra or overrides):
        return params
    params.update(extra)
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def gather_unknown_kwargs(model: type[BaseModel], data: Any, *, into: str) -> Any:
    """Move keyword arguments ``model`` has no field for into its ``into`` dict (``model_kwargs``,
    ``additional_kwargs``), where they are checked like any provider parameter, so an unknown one is
    refused by name instead of silently ignored; meant for a ``mode="before"`` validator.

    >>> class Settings(BaseModel):
    ...     model: str
    ...     model_kwargs: dict[str, object] = {}
    >>> gather_unknown_kwargs(Settings, {"model": "m", "top_k": 40}, into="model_kwargs")
    {'model': 'm', 'model_kwargs': {'top_k': 40}}
    """
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
