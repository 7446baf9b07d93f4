"""What a user knows about a model, laid over its catalog entry for one client.

>>> from hostedllm.catalog import default_catalog
>>> entry = default_catalog().get("novita:baichuan/baichuan-m2-32b")
>>> with_overrides(entry, capabilities={"tools": True}, context_window=65536).capabilities.tools
True
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from hostedllm.catalog.schema import Capabilities, ModelEntry, Price, problems
from hostedllm.errors import RequestValidationError

USER_SOURCE = "set by the user"


def with_overrides(
    entry: ModelEntry,
    *,
    capabilities: Mapping[str, Any] | None = None,
    context_window: int | None = None,
    max_output_tokens: int | None = None,
    price: Price | Mapping[str, Any] | None = None,
) -> ModelEntry:
    """``entry`` with the given facts replaced (``None``: keep the catalog's); the entry names them as
    set by the user. Bad values raise :class:`RequestValidationError` naming the field and the fix."""
    update: dict[str, Any] = {}
    if capabilities:
        update["capabilities"] = _capabilities(entry.capabilities, capabilities)
    if context_window is not None:
        update["context_window"] = context_window
        if max_output_tokens is None and (entry.max_output_tokens or 0) > context_window:
            update["max_output_tokens"] = context_window  # an answer cannot outgrow the window
    if max_output_tokens is not None:
        update["max_output_tokens"] = max_output_tokens
    if price is not None:
        update["price"] = _price(price)
    if not update:
        return entry
    raw = {**entry.model_dump(), **update, "sources": (f"{USER_SOURCE}: {', '.join(update)}", *entry.sources)}
    try:
        return ModelEntry.model_validate(raw)
    except ValidationError as exc:
        problem = problems(exc)
        raise RequestValidationError(
            f"The facts given for {entry.id} on {entry.provider} do not fit: {problem}."
        ) from None


def _capabilities(known: Capabilities, given: Mapping[str, Any]) -> Capabilities:
    unknown = sorted(set(given) - set(Capabilities.model_fields))
    if unknown:
        raise RequestValidationError(
            f"capabilities has unknown keys {unknown}; use {', '.join(Capabilities.model_fields)}."
        )
    merged = {**known.model_dump(), **given}
    if given.get("tools") is False:  # no tools: nothing about them can be on
        merged.update(tool_choice=(), parallel_tool_calls=False)
    elif given.get("tools") is True and merged["tool_choice"] == ():
        merged["tool_choice"] = None
    try:
        return Capabilities.model_validate(merged)
    except ValidationError as exc:
        problem = problems(exc)
        raise RequestValidationError(
            f"capabilities={dict(given)!r} is not valid: {problem}. Values are True, False or None "
            "(unknown); tool_choice is a list of 'auto', 'none', 'required', 'function'."
        ) from None


def _price(price: Price | Mapping[str, Any]) -> Price:
    if isinstance(price, Price):
        return price
    raw = {"currency": "USD", "source": USER_SOURCE, "as_of": datetime.date.today(), **price}
    try:
        return Price.model_validate(raw)
    except ValidationError as exc:
        problem = problems(exc)
        raise RequestValidationError(
            f"price={dict(price)!r} is not valid: {problem}. Give USD (or currency='CNY') per 1M tokens, "
            "e.g. price={'input': 0.5, 'output': 1.5}."
        ) from None
