"""Token and estimated-cost totals of many model calls, per provider and model (framework-neutral).

The LangChain callback handler and the LlamaIndex event handler both read a call's usage their
own way, then record it here.

>>> ledger, model = UsageLedger(), "qwen/qwen-2.5-72b-instruct"
>>> ledger.record("novita", model, call_totals("novita", model, Tokens(input=1000, output=500)))
>>> print(ledger.total)
1 call, 1000 in + 500 out tokens, ~0.000580 USD
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hostedllm.catalog import default_catalog, estimate_cost
from hostedllm.providers import PROVIDERS
from hostedllm.tokens import Tokens


@dataclass
class UsageTotals:
    """Calls, tokens and estimated cost (per currency) of a group of model calls."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: dict[str, float] = field(default_factory=dict)
    """Estimated cost by currency, e.g. ``{"USD": 0.0012}`` (Baichuan prices are in CNY)."""
    calls_without_usage: int = 0
    """Calls whose answer reported no token usage (e.g. a stream from llama.cpp's server)."""
    calls_without_price: int = 0
    """Calls with usage but no catalog price (e.g. NVIDIA's free tier), so no cost estimate."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, other: UsageTotals) -> None:
        """Add ``other``'s figures to these."""
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.calls_without_usage += other.calls_without_usage
        self.calls_without_price += other.calls_without_price
        for currency, amount in other.cost.items():
            self.cost[currency] = self.cost.get(currency, 0.0) + amount

    def __str__(self) -> str:
        calls = f"{self.calls} call{'' if self.calls == 1 else 's'}"
        text = f"{calls}, {self.input_tokens} in + {self.output_tokens} out tokens"
        cost = " + ".join(f"{amount:.6f} {currency}" for currency, amount in sorted(self.cost.items()))
        text += f", ~{cost}" if cost else ", no price"
        if self.calls_without_usage:
            text += f" ({self.calls_without_usage} without usage)"
        if self.calls_without_price and self.cost:
            text += f" ({self.calls_without_price} unpriced)"
        return text


def call_totals(provider: str, model: str, tokens: Tokens | None, cost: tuple[str, float] | None = None) -> UsageTotals:
    """One call's figures: ``tokens`` is ``None`` when the answer had no usage; ``cost`` is
    (currency, amount) when the answer carried an estimate, else the catalog prices it."""
    if tokens is None or (tokens.input is None and tokens.output is None):
        return UsageTotals(calls=1, calls_without_usage=1)
    totals = UsageTotals(calls=1, input_tokens=tokens.input or 0, output_tokens=tokens.output or 0)
    if cost is None:
        entry = default_catalog().find(model, provider) if provider in PROVIDERS else None
        estimate = estimate_cost(entry, tokens) if entry else None
        cost = None if estimate is None else (estimate.currency, estimate.total)
    if cost is None:
        totals.calls_without_price = 1
    else:
        totals.cost[cost[0]] = cost[1]
    return totals


class UsageLedger:
    """Totals per ``(provider, model)``; thread-safe, and every read returns copies."""

    def __init__(self) -> None:
        super().__init__()  # cooperative: trackers mix this into a framework's handler class
        self._lock = threading.Lock()
        self._totals: dict[tuple[str, str], UsageTotals] = {}

    def record(self, provider: str, model: str, totals: UsageTotals) -> None:
        """Add one call's (or several calls') figures under ``provider:model``."""
        with self._lock:
            self._totals.setdefault((provider, model), UsageTotals()).add(totals)

    @property
    def by_model(self) -> dict[str, UsageTotals]:
        """Totals per ``provider:model``."""
        return self._grouped(lambda provider, model: f"{provider}:{model}")

    @property
    def by_provider(self) -> dict[str, UsageTotals]:
        """Totals per provider."""
        return self._grouped(lambda provider, _: provider)

    @property
    def total(self) -> UsageTotals:
        """Totals over every call seen."""
        return self._grouped(lambda *_: "").get("", UsageTotals())

    def report(self) -> str:
        """The totals as text: per provider with its models, then overall."""
        by_model = self.by_model
        lines = []
        for provider, totals in sorted(self.by_provider.items()):
            lines.append(f"{provider}: {totals}")
            lines += [f"  {key}: {value}" for key, value in sorted(by_model.items()) if key.startswith(f"{provider}:")]
        lines.append(f"total: {self.total}")
        return "\n".join(lines)

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()

    def _grouped(self, key_of: Callable[[str, str], str]) -> dict[str, UsageTotals]:
        result: dict[str, UsageTotals] = {}
        with self._lock:
            for (provider, model), totals in self._totals.items():
                result.setdefault(key_of(provider, model), UsageTotals()).add(totals)
        return result
