"""What differs between providers, as data: :class:`ProviderSpec` and :class:`ParamSpec`.

Everything provider-specific (base URL, env vars, parameter allowlist and ranges, message rules,
error markers, the ``/models`` parser) lives in one spec per provider module. Model facts live in
the catalog, never here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hostedllm.errors import ParameterRangeError
from hostedllm.images import ImageRules

if TYPE_CHECKING:
    from hostedllm.transport.ratelimit import RateLimit

#: The chat-completions body keys the request builder manages itself (not sampling parameters).
MANAGED_KEYS = frozenset(
    {"model", "messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "stream", "stream_options"}
)


@dataclass(frozen=True)
class ParamSpec:
    """One request parameter a provider accepts, with its type and range.

    >>> ParamSpec("top_p", float, 0, 1, exclusive_maximum=True).describe()
    'a number in [0, 1)'
    """

    name: str
    kind: type
    minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: bool = False
    max_items: int | None = None
    doc: str = ""
    """What the parameter does, in a few words (the adapters' field descriptions start with it)."""

    def describe(self) -> str:
        if self.kind is bool:
            return "true or false"
        if self.kind is dict:
            return "an object"
        if self.kind is list:
            most = f" (at most {self.max_items})" if self.max_items else ""
            return f"a string or a list of strings{most}"
        noun = "an integer" if self.kind is int else "a number"
        if self.minimum is None and self.maximum is None:
            return noun
        low = _fmt(self.minimum) if self.minimum is not None else "-inf"
        high = _fmt(self.maximum) if self.maximum is not None else "inf"
        closing = ")" if self.exclusive_maximum or self.maximum is None else "]"
        return f"{noun} in [{low}, {high}{closing}"

    def with_range(
        self, minimum: float | None, maximum: float | None, exclusive_maximum: bool | None = None
    ) -> ParamSpec:
        """This parameter with a model-specific range (``None`` keeps the provider's bound)."""
        return ParamSpec(
            self.name,
            self.kind,
            self.minimum if minimum is None else minimum,
            self.maximum if maximum is None else maximum,
            self.exclusive_maximum if exclusive_maximum is None else exclusive_maximum,
            self.max_items,
            self.doc,
        )

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` if it is valid, else raise :class:`ParameterRangeError` naming the fix."""
        if not self._has_kind(value) or not self._in_range(value):
            raise ParameterRangeError(
                f"{self.name}={value!r} is out of range for {where}: "
                f"it takes {self.describe()}. Pass a value in that range.",
                param=self.name,
            )
        return value

    def _has_kind(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        if isinstance(value, bool):
            return False
        if self.kind is float:
            return isinstance(value, (int, float)) and math.isfinite(value)
        if self.kind is list:
            items = [value] if isinstance(value, str) else value
            return isinstance(items, list) and all(isinstance(item, str) for item in items)
        return isinstance(value, self.kind)

    def _in_range(self, value: Any) -> bool:
        if self.kind is list:
            count = 1 if isinstance(value, str) else len(value)
            return self.max_items is None or count <= self.max_items
        if self.kind not in (int, float):
            return True
        if self.minimum is not None and value < self.minimum:
            return False
        if self.maximum is None:
            return True
        return bool(value < self.maximum if self.exclusive_maximum else value <= self.maximum)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def params(*specs: ParamSpec) -> Mapping[str, ParamSpec]:
    """Index parameter specs by name, keeping their order (the order they appear in a request)."""
    return {spec.name: spec for spec in specs}


@dataclass(frozen=True)
class DiscoveredModel:
    """One item of a provider's live ``/models`` list, in the catalog's units."""

    id: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_price: float | None = None
    output_price: float | None = None
    currency: str | None = None
    tools: bool | None = None
    reasoning: bool | None = None
    vision: bool | None = None


ModelsParser = Callable[[Any], list[DiscoveredModel]]


@dataclass(frozen=True)
class EmbeddingSpec:
    """How a provider serves embeddings (``POST {base_url}{path}``, OpenAI-shaped answers).

    >>> EmbeddingSpec(max_batch=16, max_batch_source="the provider's docs").path
    '/embeddings'
    """

    #: The most texts one request may carry; longer lists are split, in order.
    max_batch: int
    max_batch_source: str
    path: str = "/embeddings"
    #: Takes ``input_type`` (``query`` / ``passage``), which asymmetric models need (NVIDIA).
    input_type: bool = False
    #: The ``truncate`` values it takes (empty: no ``truncate`` parameter).
    truncate: tuple[str, ...] = ()
    #: Takes ``dimensions`` (shorter vectors from Matryoshka models).
    dimensions: bool = False
    #: Scale each vector to unit length here: the server skips the model's own normalisation step.
    normalize: bool = False


@dataclass(frozen=True)
class RerankSpec:
    """How a provider serves reranking: where, in which shape, and how many passages a request takes.

    Two shapes: ``"nvidia"`` (``query.text`` and ``passages[].text`` in, ``rankings[].{index, logit}``
    out) and ``"cohere"`` (``query``, ``documents`` and ``top_n`` in, ``results[].{index,
    relevance_score}`` out).

    >>> spec = RerankSpec(max_batch=32, max_batch_source="docs", shape="nvidia", model_path="/{slug}/reranking")
    >>> spec.path_for("nvidia/llama-3.2-nv-rerankqa-1b-v2", self_hosted=False)
    '/nvidia/llama-3_2-nv-rerankqa-1b-v2/reranking'
    """

    max_batch: int
    max_batch_source: str
    shape: Literal["nvidia", "cohere"]
    #: The provider's own reranking service, when it is not at the chat base URL.
    base_url: str | None = None
    path: str = "/rerank"
    #: A path per model (``{slug}``: the id with ``.`` as ``_``), as NVIDIA's hosted rerankers have.
    model_path: str | None = None
    #: Paths of models that do not follow ``model_path``.
    model_paths: Mapping[str, str] = field(default_factory=dict)
    #: The path on a self-hosted server (a base URL of the user's own), if not ``path``.
    self_hosted_path: str | None = None
    #: The ``truncate`` values it takes (empty: none).
    truncate: tuple[str, ...] = ()

    def path_for(self, model: str, *, self_hosted: bool) -> str:
        if self_hosted:
            return self.self_hosted_path or self.path
        if model in self.model_paths:
            return self.model_paths[model]
        return self.model_path.format(slug=model.replace(".", "_")) if self.model_path else self.path


@dataclass(frozen=True)
class AccountLimits:
    """What a provider publishes about its accounts' rate limits.

    >>> from hostedllm.providers import get_provider
    >>> get_provider("baichuan").account_limits.limit
    RateLimit(requests_per_minute=120, tokens_per_minute=None)
    """

    #: The limits in words: whom they apply to, and where an account sees its own.
    summary: str
    source: str
    #: The limit every account has, when there is one (``None``: it varies by tier, model or traffic).
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None

    @property
    def limit(self) -> RateLimit | None:
        """The one limit every account has, as a :class:`~hostedllm.transport.ratelimit.RateLimit`."""
        from hostedllm.transport.ratelimit import RateLimit

        if self.requests_per_minute is None and self.tokens_per_minute is None:
            return None
        return RateLimit(self.requests_per_minute, self.tokens_per_minute)


@dataclass(frozen=True)
class ProviderSpec:
    """Everything hostedllm needs to talk to one provider."""

    name: str
    display_name: str
    base_url: str
    api_key_env: str | None
    base_url_env: str
    #: The company behind the API as tracing tools name it (``nvidia`` for NIM); LangSmith's ``ls_provider``.
    vendor: str
    params: Mapping[str, ParamSpec]
    parse_models: ModelsParser
    api_key_required: bool = True
    key_url: str | None = None
    docs_url: str | None = None
    #: Other spellings of a parameter, renamed before validation (never ``max_completion_tokens``).
    renames: Mapping[str, str] = field(default_factory=lambda: {"max_completion_tokens": "max_tokens"})
    #: Parameters the provider documents as gone, with the replacement to suggest.
    removed_params: Mapping[str, str] = field(default_factory=dict)
    message_roles: frozenset[str] = frozenset({"system", "user", "assistant", "tool"})
    #: After an optional first system message, user and assistant turns must alternate.
    alternating_roles: bool = False
    #: Non-function tool types the provider runs itself (Baichuan ``web_search``/``retrieval``).
    server_tool_types: frozenset[str] = frozenset()
    #: Ask for usage in streams with ``stream_options.include_usage`` (for models that report it).
    stream_options: bool = True
    model_ids_case_insensitive: bool = False
    #: Any model id is accepted (a local server serves whatever it loaded).
    open_model_list: bool = False
    default_headers: Mapping[str, str] = field(default_factory=dict)
    request_id_headers: tuple[str, ...] = ("x-request-id",)
    #: Lower-case fragments of an error body that mean "out of balance" (never retried).
    quota_markers: tuple[str, ...] = ()
    #: Lower-case fragments of a 403 body that really mean "bad key".
    auth_failure_markers: tuple[str, ...] = ()
    #: Lower-case fragments of a 5xx body that really mean "bad request" (never retried).
    bad_request_markers: tuple[str, ...] = ()
    #: A JSON schema is asked for as ``{"type": "json_object", "schema": ...}`` (llama.cpp's form).
    json_schema_as_json_object: bool = False
    #: Assistant turns that only call tools must carry ``content: ""``, not ``null``.
    empty_content_not_null: bool = False
    #: What to tell a user whose server does not answer (a local server that is not running).
    unreachable_hint: str | None = None
    #: How it serves embeddings (``None``: it does not, or hostedllm does not know how).
    embeddings: EmbeddingSpec | None = None
    #: How it serves reranking (``None``: it does not, or hostedllm does not know how).
    rerank: RerankSpec | None = None
    #: What it documents about inline images (types, size); which models see is the catalog's ``vision``.
    images: ImageRules = field(default_factory=ImageRules)
    #: What it publishes about rate limits (``None``: nothing; a server of the user's own has none).
    account_limits: AccountLimits | None = None

    def param(self, name: str) -> ParamSpec | None:
        return self.params.get(name)
