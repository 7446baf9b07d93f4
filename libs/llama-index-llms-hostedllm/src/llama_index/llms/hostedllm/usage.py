"""Token and cost totals across LlamaIndex LLM calls, per provider and per model.

An instrumentation event handler (``LLMChatStartEvent``/``LLMChatEndEvent``, and the completion
events of LLMs that do not complete through ``chat``)::

    from llama_index.llms.hostedllm.usage import track_usage

    with track_usage() as usage:  # every LlamaIndex LLM call in the process while the block is open
        llm.complete("...")
    print(usage.report())

Or keep one for the whole process: ``get_dispatcher().add_event_handler(UsageTracker())``.
Tokens come from the answer's usage (``raw["usage"]``, else ``additional_kwargs``); for a stream,
from its last response. The cost is the catalog price of the model, summed per currency. A call
that reports no usage (a local llama.cpp stream) is counted, not guessed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.base.llms.types import ChatResponse, CompletionResponse
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported, untyped
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.exception import ExceptionEvent
from llama_index.core.instrumentation.events.llm import (
    LLMChatEndEvent,
    LLMChatStartEvent,
    LLMCompletionEndEvent,
    LLMCompletionStartEvent,
)
from llama_index.core.instrumentation.events.span import SpanDropEvent  # type: ignore[attr-defined]  # the same
from pydantic import PrivateAttr

from hostedllm.catalog import default_catalog, estimate_cost
from llama_index.llms.hostedllm.base import NIM, Baichuan, HostedLLMBase, Local, Novita

#: ``class_name()`` of our fixed-provider classes -> provider (the event payload names no provider).
_PROVIDER_OF_CLASS = {
    cls.class_name(): name for cls, name in ((Baichuan, "baichuan"), (NIM, "nim"), (Novita, "novita"), (Local, "local"))
}
_OURS = HostedLLMBase.class_name().removesuffix(HostedLLMBase.__name__)  # "hostedllm_"


@dataclass
class UsageTotals:
    """Calls, tokens and estimated cost (per currency) of a group of LLM calls."""

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


class UsageTracker(BaseEventHandler):
    """An instrumentation event handler summing usage and estimated cost per provider and model; thread-safe."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _runs: dict[str, tuple[str, str]] = PrivateAttr(default_factory=dict)
    _totals: dict[tuple[str, str], UsageTotals] = PrivateAttr(default_factory=dict)

    @classmethod
    def class_name(cls) -> str:
        return "HostedLLMUsageTracker"

    # --- results ------------------------------------------------------------------------------

    @property
    def by_model(self) -> dict[str, UsageTotals]:
        """Totals per ``provider:model``."""
        result: dict[str, UsageTotals] = {}
        with self._lock:
            for (provider, model), totals in self._totals.items():
                result.setdefault(f"{provider}:{model}", UsageTotals()).add(totals)
        return result

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

    # --- events -------------------------------------------------------------------------------

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, LLMChatStartEvent | LLMCompletionStartEvent):
            # Our LLMs complete through chat(), which sends its own chat events: count those once.
            ours = str(event.model_dict.get("class_name", "")).startswith(_OURS)
            if event.span_id and not (isinstance(event, LLMCompletionStartEvent) and ours):
                with self._lock:
                    self._runs[event.span_id] = _model_of(event.model_dict)
        elif isinstance(event, LLMChatEndEvent | LLMCompletionEndEvent):
            with self._lock:
                key = self._runs.pop(event.span_id or "", None)
            if key is not None:
                self.record(*key, _totals(*key, event.response))
        elif isinstance(event, SpanDropEvent | ExceptionEvent):
            with self._lock:
                self._runs.pop(event.span_id or "", None)

    def record(self, provider: str, model: str, totals: UsageTotals) -> None:
        """Add one call's (or several calls') figures under ``provider:model``."""
        with self._lock:
            self._totals.setdefault((provider, model), UsageTotals()).add(totals)


def _model_of(model_dict: Mapping[str, Any]) -> tuple[str, str]:
    """(provider, model) from an event's ``model_dict`` (the LLM's ``to_payload()``)."""
    model = str(model_dict.get("model_name") or model_dict.get("model") or "unknown")
    provider = model_dict.get("provider") or _PROVIDER_OF_CLASS.get(str(model_dict.get("class_name")))
    if provider is None:  # HostedLLM and foreign LLMs: the catalog knows when the id is unambiguous
        entry = default_catalog().find(model)
        provider = entry.provider if entry is not None else "unknown"
    return str(provider), model


def _totals(provider: str, model: str, response: ChatResponse | CompletionResponse | None) -> UsageTotals:
    usage = _usage(response)
    if usage is None:
        return UsageTotals(calls=1, calls_without_usage=1)
    prompt, completion = usage
    totals = UsageTotals(calls=1, input_tokens=prompt, output_tokens=completion)
    entry = default_catalog().find(model, provider) if provider != "unknown" else None
    cost = estimate_cost(entry, {"prompt_tokens": prompt, "completion_tokens": completion}) if entry else None
    if cost is None:
        totals.calls_without_price = 1
    else:
        totals.cost[cost.currency] = cost.total
    return totals


def _usage(response: ChatResponse | CompletionResponse | None) -> tuple[int, int] | None:
    """(prompt, completion) tokens from ``raw["usage"]`` (ours, OpenAI-style dicts), else ``additional_kwargs``."""
    if response is None:
        return None
    raw = response.raw
    usage = raw.get("usage") if isinstance(raw, Mapping) else getattr(raw, "usage", None)
    if usage is not None and not isinstance(usage, Mapping):
        usage = {key: getattr(usage, key, None) for key in ("prompt_tokens", "completion_tokens")}
    for source in (usage or {}, response.additional_kwargs):
        prompt, completion = source.get("prompt_tokens"), source.get("completion_tokens")
        if prompt is not None or completion is not None:
            return int(prompt or 0), int(completion or 0)
    return None


@contextmanager
def track_usage() -> Iterator[UsageTracker]:
    """A :class:`UsageTracker` on the root dispatcher while the block is open.

    LlamaIndex's instrumentation is process-wide, so it counts every LlamaIndex LLM call made
    meanwhile, in any thread; blocks nest (each counts what happens inside it).
    """
    tracker = UsageTracker()
    root = get_dispatcher()
    root.add_event_handler(tracker)
    try:
        yield tracker
    finally:
        # A new list: a dispatch iterating the old one in another thread is not disturbed.
        root.event_handlers = [handler for handler in root.event_handlers if handler is not tracker]
