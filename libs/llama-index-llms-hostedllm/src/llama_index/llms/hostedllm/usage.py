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

from hostedllm.catalog import default_catalog
from hostedllm.tokens import Tokens
from hostedllm.usage import UsageLedger, UsageTotals, call_totals
from llama_index.llms.hostedllm.base import BaseHostedLLM

_OURS = BaseHostedLLM.class_name().removesuffix(BaseHostedLLM.__name__)  # "hostedllm_"


class UsageTracker(BaseEventHandler):
    """An instrumentation event handler summing usage and estimated cost per provider and model; thread-safe."""

    _ledger: UsageLedger = PrivateAttr(default_factory=UsageLedger)
    _runs: dict[str, tuple[str, str]] = PrivateAttr(default_factory=dict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)  # guards _runs

    @classmethod
    def class_name(cls) -> str:
        return "HostedLLMUsageTracker"

    # --- results (the core ledger's) ----------------------------------------------------------

    @property
    def by_model(self) -> dict[str, UsageTotals]:
        """Totals per ``provider:model``."""
        return self._ledger.by_model

    @property
    def by_provider(self) -> dict[str, UsageTotals]:
        """Totals per provider."""
        return self._ledger.by_provider

    @property
    def total(self) -> UsageTotals:
        """Totals over every call seen."""
        return self._ledger.total

    def report(self) -> str:
        """The totals as text: per provider with its models, then overall."""
        return self._ledger.report()

    def reset(self) -> None:
        self._ledger.reset()

    def record(self, provider: str, model: str, totals: UsageTotals) -> None:
        """Add one call's (or several calls') figures under ``provider:model``."""
        self._ledger.record(provider, model, totals)

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
                self.record(*key, call_totals(*key, response_tokens(event.response)))
        elif isinstance(event, SpanDropEvent | ExceptionEvent):
            with self._lock:
                self._runs.pop(event.span_id or "", None)


def _model_of(model_dict: Mapping[str, Any]) -> tuple[str, str]:
    """(provider, model) from an event's ``model_dict`` (the LLM's ``to_payload()``)."""
    model = str(model_dict.get("model_name") or model_dict.get("model") or "unknown")
    provider = model_dict.get("provider")  # our classes' to_payload() names it
    if provider is None:  # other LLMs: the catalog knows when the id is unambiguous
        entry = default_catalog().find(model)
        provider = entry.provider if entry is not None else "unknown"
    return str(provider), model


def response_tokens(response: ChatResponse | CompletionResponse | None) -> Tokens | None:
    """The tokens in ``raw["usage"]`` (ours, OpenAI-style dicts or objects), else in ``additional_kwargs``."""
    if response is None:
        return None
    raw = response.raw
    usage = raw.get("usage") if isinstance(raw, Mapping) else getattr(raw, "usage", None)
    if usage is not None and not isinstance(usage, Mapping):
        usage = {key: getattr(usage, key, None) for key in ("prompt_tokens", "completion_tokens", "total_tokens")}
    tokens = Tokens.from_usage(usage)
    if tokens is None or (tokens.input is None and tokens.output is None):
        tokens = Tokens.from_usage(response.additional_kwargs)
    return tokens


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
