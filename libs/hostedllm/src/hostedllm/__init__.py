"""hostedllm: one catalog and one chat-completions core for Baichuan, NVIDIA NIM, Novita and local servers.

>>> import hostedllm
>>> hostedllm.default_catalog().get("nim:baichuan-inc/baichuan2-13b-chat").status.state
'deprecated'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostedllm.lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "ChatClient": "hostedllm.client",
    "EmbeddingsClient": "hostedllm.embeddings",
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
    from hostedllm.embeddings import EmbeddingsClient
    from hostedllm.providers import get_provider
    from hostedllm.transport import RetryPolicy, Timeouts


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "Catalog",
    "ChatClient",
    "EmbeddingsClient",
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
