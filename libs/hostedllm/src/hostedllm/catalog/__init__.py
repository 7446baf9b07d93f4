"""The model catalog, the single source of truth for model facts.

>>> from hostedllm.catalog import default_catalog
>>> default_catalog().get("novita:deepseek/deepseek-v3.2").capabilities.json_schema
True
"""

from hostedllm.catalog.catalog import Catalog, default_catalog, strict_catalog
from hostedllm.catalog.cost import Cost, estimate_cost
from hostedllm.catalog.evidence import UnverifiedCapabilityWarning
from hostedllm.catalog.overrides import with_overrides
from hostedllm.catalog.schema import Capabilities, ModelEntry, Price, Status
from hostedllm.catalog.status import ModelStatusWarning, UnknownModelWarning, status_message, warn_if_inactive

__all__ = [
    "Capabilities",
    "Catalog",
    "Cost",
    "ModelEntry",
    "ModelStatusWarning",
    "Price",
    "Status",
    "UnknownModelWarning",
    "UnverifiedCapabilityWarning",
    "default_catalog",
    "estimate_cost",
    "status_message",
    "strict_catalog",
    "warn_if_inactive",
    "with_overrides",
]
