"""Act on a three-valued capability: ``True`` goes, ``False`` is refused, ``None`` goes with a warning.

Only evidence makes a "no": a capability the catalog knows nothing about is tried, and the
provider decides. The user can state what they know per instance (``capabilities={...}``).

>>> from hostedllm.catalog import default_catalog
>>> require(default_catalog().get("nim:meta/llama-3.3-70b-instruct"), "tools", "tool calling")
True
"""

from __future__ import annotations

import warnings

from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import UnsupportedCapabilityError, UnverifiedCapabilityWarning

__all__ = ["UnverifiedCapabilityWarning", "refusal", "require", "reset_warnings", "warn_unverified"]


_warned: set[tuple[str, str]] = set()


def require(model: ModelEntry, capability: str, what: str, *, alternative: str = "", stacklevel: int = 4) -> bool:
    """Whether ``model`` may be sent a request that uses ``capability`` (``what`` names it for people).

    Raises :class:`UnsupportedCapabilityError` on a known "no" (``alternative``: what to do instead);
    warns once per model and capability when it is unknown. Returns ``True`` when the capability is
    known, ``False`` when it is unverified.
    """
    value = getattr(model.capabilities, capability)
    if value is None:
        warn_unverified(model, capability, what, stacklevel=stacklevel + 1)
        return False
    if value is False or value == ():
        raise UnsupportedCapabilityError(refusal(model, capability, what, alternative))
    return True


def refusal(model: ModelEntry, capability: str, what: str, alternative: str = "") -> str:
    """The message for a known "no": what, why (the catalog), and both ways out."""
    hint = (
        alternative
        or f"Pick a model that does (`hostedllm models --provider {model.provider} --capability {capability}`)"
    )
    return (
        f"{model.id} on {model.provider} does not support {what} (the catalog records this; its sources for "
        f"the model: {'; '.join(model.sources)}). {hint}, or, if you know it does, pass "
        f"capabilities={{{capability!r}: True}}."
    )


def warn_unverified(model: ModelEntry, capability: str, what: str, *, stacklevel: int = 4) -> None:
    """Warn once per process that ``model``'s ``capability`` is unverified."""
    if (model.key, capability) in _warned:
        return
    _warned.add((model.key, capability))
    warnings.warn(
        f"The catalog has no evidence that {model.id} on {model.provider} supports {what}; sending it "
        f"anyway and letting the provider decide. If you know, pass capabilities={{{capability!r}: True}} "
        "(or False) to silence this.",
        UnverifiedCapabilityWarning,
        stacklevel=stacklevel,
    )


def reset_warnings() -> None:
    """Forget which capabilities were warned about (for tests)."""
    _warned.clear()
