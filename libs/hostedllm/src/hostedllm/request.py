"""Build a chat-completions request body for one provider model, refusing bad input before sending.

The body is deterministic: keys always appear in the same order (model, messages, sampling
parameters in the provider's order, tools, tool_choice, parallel_tool_calls, response_format,
stream, stream_options, then ``extra_body``), so cassettes match on it.

>>> from hostedllm.catalog import default_catalog
>>> entry = default_catalog().get("baichuan:Baichuan4")
>>> build_request(entry, [{"role": "user", "content": "Hi"}], params={"temperature": 0.3})
{'model': 'Baichuan4', 'messages': [{'role': 'user', 'content': 'Hi'}], 'temperature': 0.3}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hostedllm.catalog.evidence import refusal, require, warn_unverified
from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import (
    RequestValidationError,
    UnsupportedCapabilityError,
    UnsupportedParameterError,
)
from hostedllm.messages import check_messages
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.providers.spec import MANAGED_KEYS, ParamSpec
from hostedllm.thinking import output_budget, thinking_level, with_thinking
from hostedllm.tools import check_tool_choice, check_tools


def build_request(
    model: ModelEntry,
    messages: Sequence[Mapping[str, Any]],
    *,
    params: Mapping[str, Any] | None = None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    parallel_tool_calls: bool | None = None,
    response_format: Mapping[str, Any] | None = None,
    stream: bool = False,
    include_usage: bool | None = None,
    extra_body: Mapping[str, Any] | None = None,
    thinking: bool | str | int | None = None,
) -> dict[str, Any]:
    """Validate everything and return the request body as a new dict.

    ``params`` holds sampling parameters (``temperature``, ``max_tokens``, ``top_k``...); a value
    of ``None`` means "not set". ``include_usage``: ask for usage in a stream where the catalog says
    the model reports it (``None``), always (``True``; refused where it cannot), or never (``False``).
    ``extra_body`` is sent as-is, unvalidated: the explicit way to pass a parameter the catalog
    does not know yet. ``thinking`` switches a reasoning model's thinking on or off with the knob
    that model takes (:mod:`hostedllm.thinking`), or sets its effort (``"high"``) or token budget
    (``4096``) where the catalog knows one; ``None`` sends no switch.
    """
    level: dict[str, Any] = {}
    if isinstance(thinking, bool):
        messages, params = with_thinking(model, messages, params or {}, thinking=thinking)
    elif thinking is not None:
        level = thinking_level(model, thinking)
    spec = get_provider(model.provider)
    body: dict[str, Any] = {"model": model.id, "messages": check_messages(spec, model, messages)}
    body.update(check_params(spec, model, _with_output_budget(spec, model, params or {})))
    function_names = check_tools(spec, model, tools or ())
    if tools:
        body["tools"] = [dict(tool) for tool in tools]
    if tool_choice is not None:
        body["tool_choice"] = check_tool_choice(spec, model, tool_choice, function_names)
    if parallel_tool_calls is not None and _check_parallel_tool_calls(
        spec, model, parallel_tool_calls, has_tools=bool(tools)
    ):
        body["parallel_tool_calls"] = parallel_tool_calls
    if response_format is not None:
        body["response_format"] = check_response_format(spec, model, response_format)
    if stream:
        body["stream"] = True
        if _wants_stream_usage(spec, model, include_usage):
            body["stream_options"] = {"include_usage": True}
    body.update(level)
    for key, value in (extra_body or {}).items():
        if key in body:
            raise RequestValidationError(
                f"extra_body sets {key!r}, which the request already has. Set {key!r} through its own argument instead."
            )
        body[key] = value
    return body


def _with_output_budget(spec: ProviderSpec, model: ModelEntry, params: Mapping[str, Any]) -> Mapping[str, Any]:
    """``params`` with the catalog's output budget for a reasoning model whose provider's default is too small,
    when they set no ``max_tokens`` (lowered to the model's own limit)."""
    budget = output_budget(model)
    if budget is None or any(v is not None and spec.renames.get(k, k) == "max_tokens" for k, v in params.items()):
        return params
    limit = max_tokens_limit(model)
    return {**params, "max_tokens": budget if limit is None else min(budget, limit)}


def check_params(spec: ProviderSpec, model: ModelEntry, params: Mapping[str, Any]) -> dict[str, Any]:
    """The sampling parameters, renamed, allowlisted and range-checked, in the provider's order."""
    given: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        canonical = spec.renames.get(name, name)
        if canonical in given:
            raise RequestValidationError(
                f"{name!r} and {canonical!r} both set the same parameter on {spec.name}; pass only {canonical!r}."
            )
        given[canonical] = value
    checked: dict[str, Any] = {}
    where = f"{model.id} on {spec.name}"
    for name, value in given.items():
        checked[name] = param_spec_for(spec, model, name, value).check(value, where)
    return {name: checked[name] for name in spec.params if name in checked}


def param_spec_for(spec: ProviderSpec, model: ModelEntry, name: str, value: Any = None) -> ParamSpec:
    """The :class:`ParamSpec` ``model`` takes for ``name``, or raise naming what it does take."""
    if name in MANAGED_KEYS:
        raise RequestValidationError(
            f"{name!r} is not a sampling parameter; pass it through its own argument "
            f"(tools=, tool_choice=, response_format=, stream=)."
        )
    base = spec.param(name)
    if base is None or name in model.unsupported_params:
        allowed = [p for p in spec.params if p not in model.unsupported_params]
        hint = (
            f" It was replaced by {spec.removed_params[name]}."
            if name in spec.removed_params
            else " If you know the provider accepts it, pass it in extra_body."
        )
        raise UnsupportedParameterError(
            f"{model.id} on {spec.name} does not take {name!r} (got {value!r}). It takes: {', '.join(allowed)}.{hint}",
            param=name,
        )
    override = model.params.get(name)
    if override is not None:
        base = base.with_range(override.minimum, override.maximum, override.exclusive_maximum)
    if name == "max_tokens" and model.max_output_tokens is not None:
        ceiling = model.max_output_tokens if base.maximum is None else min(base.maximum, model.max_output_tokens)
        base = base.with_range(None, ceiling)
    return base


def max_tokens_limit(model: ModelEntry) -> int | None:
    """The largest ``max_tokens`` a request may ask of ``model`` (its own and its provider's limit)."""
    ceiling = param_spec_for(get_provider(model.provider), model, "max_tokens").maximum
    return None if ceiling is None else int(ceiling)


def _check_parallel_tool_calls(spec: ProviderSpec, model: ModelEntry, value: bool, *, has_tools: bool) -> bool:
    """Whether to send ``parallel_tool_calls``: not to a model known to make one call at a time
    (``False`` then only restates what it does), refused if ``True`` is asked of it."""
    if not has_tools:
        raise RequestValidationError("parallel_tool_calls was set without tools; pass tools= as well.")
    known = model.capabilities.parallel_tool_calls
    if known is False and value:
        raise UnsupportedCapabilityError(
            refusal(
                model, "parallel_tool_calls", "parallel tool calls", "Pass parallel_tool_calls=False or leave it unset"
            )
        )
    if known is None:
        warn_unverified(model, "parallel_tool_calls", "the parallel_tool_calls parameter", stacklevel=5)
    return known is not False


def _wants_stream_usage(spec: ProviderSpec, model: ModelEntry, include_usage: bool | None) -> bool:
    if include_usage is False or not spec.stream_options:
        return False
    if include_usage is None:
        return model.capabilities.stream_usage is True
    require(model, "stream_usage", "usage in streams (stream_options.include_usage)", stacklevel=5)
    return True


def check_response_format(spec: ProviderSpec, model: ModelEntry, response_format: Mapping[str, Any]) -> dict[str, Any]:
    """``response_format`` if the model supports that mode, else a clear error."""
    kind = response_format.get("type")
    if kind not in ("text", "json_object", "json_schema"):
        raise RequestValidationError(
            f"response_format type {kind!r} is not one of 'text', 'json_object', 'json_schema'."
        )
    if kind != "text":
        modes = [name for name in ("json_schema", "json_object") if getattr(model.capabilities, name) is True]
        alternative = f"It supports {' and '.join(modes)}" if modes else "Use tool calling or a prompt instead"
        require(model, kind, f"response_format {kind!r}", alternative=alternative, stacklevel=5)
    if kind == "json_schema" and not isinstance(response_format.get("json_schema"), Mapping):
        raise RequestValidationError(
            "response_format type 'json_schema' needs a 'json_schema' object with 'name' and 'schema'."
        )
    if kind == "json_schema" and spec.json_schema_as_json_object:
        return {"type": "json_object", "schema": response_format["json_schema"].get("schema", {})}
    return dict(response_format)


def _ascii_messages(body: Mapping[str, Any]) -> bool:
    """Whether every message's text is ASCII (``str.isascii`` is O(1) for most strings)."""
    for message in body.get("messages") or ():
        content = message.get("content") if isinstance(message, Mapping) else None
        parts = content if isinstance(content, list) else [content]
        for part in parts:
            text = part.get("text") if isinstance(part, Mapping) else part
            if isinstance(text, str) and not text.isascii():
                return False
    return True


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The request as compact UTF-8 JSON; content that cannot be serialised is refused here.

    Non-ASCII text is sent as UTF-8, not ``\\u`` escapes (half the bytes for Chinese); when the
    messages are all ASCII, the ASCII encoder is used, which gives the same bytes faster.
    """
    try:
        return json.dumps(body, ensure_ascii=_ascii_messages(body), separators=(",", ":"), allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as exc:
        raise RequestValidationError(
            f"The request cannot be serialised to JSON ({exc}). Pass only strings, numbers, "
            "booleans, lists and dicts in messages, tools and parameters."
        ) from None
