"""Warnings about a model's standing (deprecated, retired, not in the catalog), once per model and process."""

from __future__ import annotations

import warnings

from hostedllm.catalog.evidence import reset_warnings as _reset_capability_warnings
from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import ModelStatusWarning, UnknownModelWarning

__all__ = ["ModelStatusWarning", "UnknownModelWarning", "reset_warnings", "status_message", "warn_if_inactive"]


_warned: set[str] = set()


def status_message(entry: ModelEntry) -> str | None:
    """The text a user sees for a deprecated or retired model, or ``None`` if it is active.

    >>> from hostedllm.catalog import default_catalog
    >>> print(status_message(default_catalog().get("nim:meta/llama2-70b")))  # doctest: +ELLIPSIS
    meta/llama2-70b on nim was retired on 2025-09-24: ... Use 'nim:meta/llama-3.3-70b-instruct' instead.
    """
    status = entry.status
    if status.state == "active":
        return None
    verb = "was retired" if status.state == "retired" else "is deprecated"
    text = f"{entry.id} on {entry.provider} {verb}"
    if status.since:
        text += f" on {status.since.isoformat()}"
    text += f": {status.reason}" if status.reason else "."
    if status.state == "retired":
        text += " Requests are expected to fail (HTTP 404 or 410)."
    if status.replacement:
        text += f" Use {status.replacement!r} instead."
    return text


def warn_if_inactive(entry: ModelEntry, stacklevel: int = 3) -> None:
    """Warn once per process about a deprecated or retired model."""
    message = status_message(entry)
    if message is None or entry.key in _warned:
        return
    _warned.add(entry.key)
    warnings.warn(message, ModelStatusWarning, stacklevel=stacklevel)


def warn_unknown_model(model: str, provider: str, hint: str = "", stacklevel: int = 4) -> None:
    """Warn once per process that ``provider:model`` is not in the catalog; ``hint`` names close ids."""
    key = f"{provider}:{model}"
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(
        f"{model!r} is not in hostedllm's catalog for {provider}; it is sent as given, with {provider}'s "
        f"defaults and its capabilities unknown (tools and structured output are tried).{hint} "
        "Say what you know with capabilities={...}, context_window=..., or silence this with "
        "allow_unknown_model=True; strict_catalog=True (or HOSTEDLLM_STRICT_CATALOG=1) refuses unknown ids.",
        UnknownModelWarning,
        stacklevel=stacklevel,
    )


def reset_warnings() -> None:
    """Forget which models and capabilities were warned about, so the next use warns again (for tests)."""
    _warned.clear()
    _reset_capability_warnings()
