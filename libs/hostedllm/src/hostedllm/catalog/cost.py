"""Cost estimates from a usage record and the catalog's prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hostedllm.catalog.schema import ModelEntry
from hostedllm.tokens import Tokens

PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class Cost:
    """An estimated cost, in the currency of the catalog price it came from."""

    input: float
    output: float
    currency: str

    @property
    def total(self) -> float:
        return self.input + self.output


def estimate_cost(entry: ModelEntry, usage: Tokens | Mapping[str, Any] | None) -> Cost | None:
    """The cost of ``usage`` (:class:`~hostedllm.tokens.Tokens` or a usage dict) at the catalog price.

    ``None`` when the catalog has no price for this model (it never guesses).

    >>> from hostedllm.catalog import default_catalog
    >>> entry = default_catalog().get("novita:qwen/qwen-2-72b-instruct")
    >>> cost = estimate_cost(entry, {"prompt_tokens": 46, "completion_tokens": 40})
    >>> f"{cost.total:.6f} {cost.currency}"
    '0.000034 USD'
    """
    price = entry.price
    if price is None or price.input is None:
        return None
    tokens = usage if isinstance(usage, Tokens) else Tokens.from_usage(usage) or Tokens()
    if price.output is None and (entry.kind == "chat" or tokens.output):
        return None  # output tokens at an unknown price (an embedding call has none)
    return Cost(  # a count not reported costs nothing here; the caller says the usage was missing
        input=(tokens.input or 0) * price.input / PER_TOKENS,
        output=(tokens.output or 0) * (price.output or 0.0) / PER_TOKENS,
        currency=price.currency,
    )
