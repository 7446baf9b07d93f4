"""Token and cost totals across a whole chain run, per provider and per model.

```python
from langchain_hostedllm import track_usage

with track_usage() as usage:  # every LangChain model call inside the block
    chain.invoke({"question": "..."})
print(usage.report())
```

Or pass a tracker explicitly: ``chain.invoke(..., config={"callbacks": [UsageTracker()]})``. Tokens
come from each answer's ``usage_metadata`` (invoke, batch and streams alike), the cost from the
``estimated_cost`` our chat models put in ``response_metadata`` (else the catalog price), summed
per currency. A call that reports no usage (a local llama.cpp stream) is counted, not guessed.

>>> from langchain_core.messages import AIMessage
>>> from langchain_core.outputs import ChatGeneration, LLMResult
>>> from uuid import uuid4
>>> tracker, run = UsageTracker(), uuid4()
>>> tracker.on_chat_model_start({}, [[]], run_id=run, invocation_params={"provider": "novita", "model": "m"})
>>> answer = AIMessage("hi", usage_metadata={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5})
>>> tracker.on_llm_end(LLMResult(generations=[[ChatGeneration(message=answer)]]), run_id=run)
>>> print(tracker.total)
1 call, 3 in + 2 out tokens, no price
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from hostedllm.catalog import default_catalog, estimate_cost
from hostedllm.providers import PROVIDERS

#: LangSmith's provider names (``ls_provider``) back to ours, e.g. ``nvidia`` -> ``nim``.
_OUR_PROVIDER = {spec.ls_provider: name for name, spec in PROVIDERS.items()}


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


class UsageTracker(BaseCallbackHandler):
    """A callback handler summing usage and estimated cost per provider and model; thread-safe."""

    run_inline = True  # cheap and lock-protected: no thread hop under async callback managers

    def __init__(self, parent: UsageTracker | None = None) -> None:
        super().__init__()
        self._parent = parent
        self._lock = threading.Lock()
        self._runs: dict[UUID, tuple[str, str]] = {}
        self._totals: dict[tuple[str, str], UsageTotals] = {}

    # --- results ------------------------------------------------------------------------------

    @property
    def by_model(self) -> dict[str, UsageTotals]:
        """Totals per ``provider:model``."""
        with self._lock:
            return {f"{provider}:{model}": _copy(totals) for (provider, model), totals in self._totals.items()}

    @property
    def by_provider(self) -> dict[str, UsageTotals]:
        """Totals per provider."""
        result: dict[str, UsageTotals] = {}
        with self._lock:
            for (provider, _), totals in self._totals.items():
                result.setdefault(provider, UsageTotals()).add(totals)
        return result

    @property
    def total(self) -> UsageTotals:
        """Totals over every call seen."""
        result = UsageTotals()
        with self._lock:
            for totals in self._totals.values():
                result.add(totals)
        return result

    def report(self) -> str:
        """The totals as text: per provider, per model, and overall."""
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

    # --- callbacks ----------------------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, kwargs.get("invocation_params"), metadata)

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, kwargs.get("invocation_params"), metadata)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            key = self._runs.pop(run_id, None)
        messages = [_first_with_usage(generations) for generations in response.generations] or [None]
        for message in messages:
            meta = message.response_metadata if message is not None else {}
            provider, model = key or (
                _OUR_PROVIDER.get(str(meta.get("model_provider")), str(meta.get("model_provider") or "unknown")),
                str(meta.get("model_name") or "unknown"),
            )
            self.record(provider, model, _totals(provider, model, message, response.llm_output))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def record(self, provider: str, model: str, totals: UsageTotals) -> None:
        """Add one call's (or several calls') figures under ``provider:model``."""
        with self._lock:
            self._totals.setdefault((provider, model), UsageTotals()).add(totals)
        if self._parent is not None:
            self._parent.record(provider, model, totals)

    def _start(self, run_id: UUID, params: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None) -> None:
        params, metadata = params or {}, metadata or {}
        ls_provider = metadata.get("ls_provider")
        provider = params.get("provider") or _OUR_PROVIDER.get(str(ls_provider), ls_provider)
        model = params.get("model") or params.get("model_name") or metadata.get("ls_model_name")
        if provider and model:
            with self._lock:
                self._runs[run_id] = (str(provider), str(model))


def _first_with_usage(generations: list[Any]) -> AIMessage | None:
    """The first answer carrying usage (each of ``n`` choices repeats the request's usage)."""
    messages = [g.message for g in generations if isinstance(g, ChatGeneration) and isinstance(g.message, AIMessage)]
    with_usage = [message for message in messages if message.usage_metadata]
    return next(iter(with_usage or messages), None)


def _totals(provider: str, model: str, message: AIMessage | None, llm_output: Mapping[str, Any] | None) -> UsageTotals:
    if message is not None and message.usage_metadata:
        prompt, completion = message.usage_metadata["input_tokens"], message.usage_metadata["output_tokens"]
    else:
        usage = (llm_output or {}).get("token_usage") or {}
        if not usage.get("prompt_tokens") and not usage.get("completion_tokens"):
            return UsageTotals(calls=1, calls_without_usage=1)
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    totals = UsageTotals(calls=1, input_tokens=prompt, output_tokens=completion)
    cost = message.response_metadata.get("estimated_cost") if message is not None else None
    if isinstance(cost, Mapping) and cost.get("currency"):
        totals.cost[str(cost["currency"])] = float(cost.get("total") or 0.0)
        return totals
    entry = default_catalog().find(model, provider) if provider in PROVIDERS else None
    estimate = estimate_cost(entry, {"prompt_tokens": prompt, "completion_tokens": completion}) if entry else None
    if estimate is None:
        totals.calls_without_price = 1
    else:
        totals.cost[estimate.currency] = estimate.total
    return totals


def _copy(totals: UsageTotals) -> UsageTotals:
    copy = UsageTotals()
    copy.add(totals)
    return copy


_current_tracker: ContextVar[UsageTracker | None] = ContextVar("hostedllm_usage_tracker", default=None)
register_configure_hook(_current_tracker, inheritable=True)


@contextmanager
def track_usage() -> Iterator[UsageTracker]:
    """A :class:`UsageTracker` that sees every LangChain model call made inside the block.

    Like langchain-openai's ``get_openai_callback``: it rides along in every callback manager
    configured in this context (threads and tasks LangChain starts included). Blocks nest: an
    outer tracker also counts what an inner one sees.
    """
    tracker = UsageTracker(parent=_current_tracker.get())
    token = _current_tracker.set(tracker)
    try:
        yield tracker
    finally:
        _current_tracker.reset(token)
