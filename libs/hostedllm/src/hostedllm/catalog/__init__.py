"""The model catalog, the single source of truth for model facts.

>>> from hostedllm.catalog import default_catalog
>>> [m.id for m in default_catalog().models(provider="novita", capabilities=["json_schema"])][:1]
['qwen/qwen-2-72b-instruct']
"""

from hostedllm.catalog.catalog import Catalog, default_catalog
from hostedllm.catalog.cost import Cost, estimate_cost
from hostedllm.catalog.schema import Capabilities, ModelEntry, Price, Status
from hostedllm.catalog.status import ModelStatusWarning, status_message, warn_if_inactive

__all__ = [
    "Capabilities",
    "Catalog",
    "Cost",
    "ModelEntry",
    "ModelStatusWarning",
    "Price",
    "Status",
    "default_catalog",
    "estimate_cost",
    "status_message",
    "warn_if_inactive",
]
