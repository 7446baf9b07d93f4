"""hostedllm: one catalog and one chat-completions core for Baichuan, NVIDIA NIM, Novita and local servers.

>>> import hostedllm
>>> hostedllm.default_catalog().get("nim:baichuan-inc/baichuan2-13b-chat").status.state
'deprecated'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ChatClient": "hostedllm.client",
    "Catalog": "hostedllm.catalog",
    "ModelEntry": "hostedllm.catalog",
    "default_catalog": "hostedllm.catalog",
    "estimate_cost": "hostedllm.catalog",
    "discover_models": "hostedllm.catalog.discovery",
    "available_models": "hostedllm.catalog.discovery",
    "aavailable_models": "hostedllm.catalog.discovery",
    "UnknownModelWarning": "hostedllm.catalog",
    "UnverifiedCapabilityWarning": "hostedllm.catalog",
    "get_provider": "hostedllm.providers",
    "RetryPolicy": "hostedllm.transport",
    "Timeouts": "hostedllm.transport",
}

if TYPE_CHECKING:
    from hostedllm.catalog import (
        Catalog,
        ModelEntry,
        UnknownModelWarning,
        UnverifiedCapabilityWarning,
        default_catalog,
        estimate_cost,
    )
    from hostedllm.catalog.discovery import aavailable_models, available_models, discover_models
    from hostedllm.client import ChatClient
    from hostedllm.providers import get_provider
    from hostedllm.transport import RetryPolicy, Timeouts


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import hostedllm`` stays cheap."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'hostedllm' has no attribute {name!r}")


__all__ = [
    "Catalog",
    "ChatClient",
    "ModelEntry",
    "RetryPolicy",
    "Timeouts",
    "UnknownModelWarning",
    "UnverifiedCapabilityWarning",
    "__version__",
    "aavailable_models",
    "available_models",
    "default_catalog",
    "discover_models",
    "estimate_cost",
    "get_provider",
]
