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

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from hostedllm.providers import PROVIDERS
from hostedllm.tokens import Tokens
from hostedllm.usage import UsageLedger, UsageTotals, call_totals

#: LangSmith's provider names (``ls_provider``) back to ours, e.g. ``nvidia`` -> ``nim``.
_OUR_PROVIDER = {spec.vendor: name for name, spec in PROVIDERS.items()}


class UsageTracker(UsageLedger, BaseCallbackHandler):
    """A callback handler summing usage and estimated cost per provider and model; thread-safe."""

    run_inline = True  # cheap and lock-protected: no thread hop under async callback managers

    def __init__(self, parent: UsageTracker | None = None) -> None:
        super().__init__()
        self._parent = parent
        self._runs: dict[UUID, tuple[str, str]] = {}

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
        """Add one call's figures under ``provider:model`` (and to the enclosing tracker's)."""
        super().record(provider, model, totals)
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
    tokens: Tokens | None
    if message is not None and message.usage_metadata:
        usage = message.usage_metadata
        tokens = Tokens(input=usage["input_tokens"], output=usage["output_tokens"], total=usage["total_tokens"])
    else:  # the string LLM reports llm_output["token_usage"], as langchain-openai's does
        tokens = Tokens.from_usage((llm_output or {}).get("token_usage"))
    estimate = message.response_metadata.get("estimated_cost") if message is not None else None
    cost = None
    if isinstance(estimate, Mapping) and estimate.get("currency"):
        cost = (str(estimate["currency"]), float(estimate.get("total") or 0.0))
    return call_totals(provider, model, tokens, cost)


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
