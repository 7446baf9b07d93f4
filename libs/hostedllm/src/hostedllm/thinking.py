"""One thinking switch: ``thinking=True/False`` mapped to what each reasoning model really takes.

The switches and the models that use them are data (``catalog/thinking.toml``, each with its public
sources): a line in the system message (NVIDIA's Nemotron: ``detailed thinking on``, ``/no_think``), a
key in NVIDIA's ``chat_template_kwargs`` (``enable_thinking``, ``thinking``), Novita's top-level
``enable_thinking``, or nothing for a model that always thinks (``thinking=False`` then warns). A model
with no known switch is refused before sending, with the way to pass the provider's knob yourself.

>>> from hostedllm.catalog import default_catalog
>>> model = default_catalog().get("nim:moonshotai/kimi-k2.6")
>>> messages, params = with_thinking(model, [{"role": "user", "content": "Hi"}], {}, thinking=False)
>>> params
{'chat_template_kwargs': {'thinking': False}}
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, TypeVar

from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import RequestValidationError, ThinkingBudgetWarning, ThinkingWarning, UnsupportedCapabilityError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SwitchKind = Literal["system_prompt", "chat_template_kwargs", "parameter", "always"]


@dataclass(frozen=True)
class ThinkingSwitch:
    """How one family of models turns thinking on and off, and where that is documented."""

    name: str
    provider: str
    kind: SwitchKind
    models: tuple[str, ...]
    sources: tuple[str, ...]
    key: str | None = None
    on: str | None = None
    off: str | None = None
    also: Mapping[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def raw_data() -> dict[str, Any]:
    """The ``switch`` and ``send_back`` tables of ``catalog/thinking.toml``, parsed once."""
    return tomllib.loads(resources.files("hostedllm.catalog").joinpath("thinking.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def switches() -> dict[tuple[str, str], ThinkingSwitch]:
    """Every known switch by ``(provider, model id)``, read once from ``catalog/thinking.toml``."""
    found: dict[tuple[str, str], ThinkingSwitch] = {}
    for table in raw_data()["switch"]:
        switch = ThinkingSwitch(**{**table, "models": tuple(table["models"]), "sources": tuple(table["sources"])})
        for model in switch.models:
            found[(switch.provider, model)] = switch
    return found


@lru_cache(maxsize=1)
def sending_back() -> frozenset[tuple[str, str]]:
    """The ``(provider, model id)`` pairs that need earlier turns' reasoning sent back."""
    return frozenset((table["provider"], model) for table in raw_data()["send_back"] for model in table["models"])


def sends_reasoning_back(model: ModelEntry) -> bool:
    """Whether ``model`` needs the reasoning of earlier assistant turns (else it is stripped)."""
    pairs = sending_back()
    return any((model.provider, name) in pairs for name in (model.id, *model.aliases))


def output_budget(model: ModelEntry) -> int | None:
    """The ``max_tokens`` a request to ``model`` without one gets, where its provider's default is too small
    for a reasoning model (``catalog/thinking.toml``, ``output_budget``); ``None`` otherwise."""
    budget = _budgets().get(model.provider)
    if budget is None or (model.capabilities.reasoning is not True and switch_for(model) is None):
        return None
    return budget


@lru_cache(maxsize=1)
def _budgets() -> dict[str, int]:
    return {table["provider"]: int(table["max_tokens"]) for table in raw_data().get("output_budget", ())}


def switch_for(model: ModelEntry) -> ThinkingSwitch | None:
    """The switch ``model`` takes, or ``None`` when none is known."""
    return _listed(switches(), model)


_T = TypeVar("_T")


def _listed(table: Mapping[tuple[str, str], _T], model: ModelEntry) -> _T | None:
    """``model``'s entry in a table keyed by ``(provider, model id)``, under its id or one of its aliases."""
    return next((table[key] for name in (model.id, *model.aliases) if (key := (model.provider, name)) in table), None)


def with_thinking(
    model: ModelEntry, messages: Sequence[Mapping[str, Any]], params: Mapping[str, Any], *, thinking: bool
) -> tuple[list[Mapping[str, Any]], dict[str, Any]]:
    """``messages`` and ``params`` with ``model``'s switch set to ``thinking``; refused where there is none."""
    switch = switch_for(model)
    where = f"{model.id} on {model.provider}"
    if switch is None:
        if model.capabilities.reasoning is False:
            raise UnsupportedCapabilityError(
                f"{where} does not reason, so thinking={thinking} cannot be sent; leave it unset."
            )
        raise RequestValidationError(
            f"hostedllm does not know how {where} switches thinking on and off, so thinking={thinking} was not sent. "
            "Pass the provider's own knob instead, e.g. extra_body={'chat_template_kwargs': {'enable_thinking': ...}} "
            "on NVIDIA or extra_body={'enable_thinking': ...} on Novita (LangChain: model_kwargs), "
            "or leave thinking unset."
        )
    listed, given = list(messages), dict(params)
    if switch.kind == "always":
        if not thinking:
            warnings.warn(
                f"{where} always thinks; thinking=False cannot turn it off, so it is not sent.",
                ThinkingWarning,
                stacklevel=4,
            )
        return listed, given
    if switch.kind == "system_prompt":
        return _with_system_line(listed, switch.on if thinking else switch.off), given
    key = str(switch.key)
    if switch.kind == "parameter":
        _refuse_conflict(given.get(key), thinking, key, where)
        given[key] = thinking
        return listed, given
    kwargs = dict(given.get("chat_template_kwargs") or {})
    _refuse_conflict(kwargs.get(key), thinking, f"chat_template_kwargs[{key!r}]", where)
    given["chat_template_kwargs"] = {**switch.also, **kwargs, key: thinking}
    return listed, given


def thinking_level(model: ModelEntry, level: str | int) -> dict[str, Any]:
    """The body fields for an effort (``"high"``) or a token budget (``4096``), from ``catalog/thinking.toml``'s
    ``effort`` and ``budget`` tables; refused before sending where ``model`` takes none.

    >>> from hostedllm.catalog import default_catalog
    >>> thinking_level(default_catalog().get("novita:openai/gpt-oss-120b"), "low")
    {'reasoning_effort': 'low'}
    """
    where = f"{model.id} on {model.provider}"
    if isinstance(level, bool) or not isinstance(level, (str, int)):
        raise RequestValidationError(
            f"thinking={level!r} is not a switch: pass True/False, an effort such as 'high' or a token budget "
            "such as 4096."
        )
    kind = "effort" if isinstance(level, str) else "budget"
    table = _listed(_levels(kind), model)
    if table is None:
        other = "thinking=True/False" if switch_for(model) else "the provider's own field in extra_body"
        raise RequestValidationError(
            f"hostedllm knows no thinking {kind} for {where}, so thinking={level!r} was not sent. Use {other}, "
            "or leave thinking unset."
        )
    if kind == "effort" and level not in table["values"]:
        raise RequestValidationError(
            f"thinking={level!r} is not an effort {where} takes: use one of {', '.join(table['values'])}."
        )
    if kind == "budget" and not table["minimum"] <= level <= table["maximum"]:
        raise RequestValidationError(
            f"thinking={level} is outside the token budget {where} takes ({table['minimum']} to {table['maximum']})."
        )
    return {table["key"]: level}


@lru_cache(maxsize=2)
def _levels(kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``effort`` or ``budget`` tables by ``(provider, model id)``."""
    return {(table["provider"], model): table for table in raw_data().get(kind, ()) for model in table["models"]}


def _refuse_conflict(current: Any, thinking: bool, name: str, where: str) -> None:
    if current is not None and current != thinking:
        raise RequestValidationError(
            f"{name}={current!r} and thinking={thinking} disagree for {where}; set only thinking."
        )


def _with_system_line(messages: list[Mapping[str, Any]], line: str | None) -> list[Mapping[str, Any]]:
    """The switch line appended to the first system message (as langchain-nvidia does), or one added first."""
    line = line or ""
    first = messages[0] if messages else None
    if first is not None and first.get("role") == "system" and isinstance(first.get("content"), str):
        content = first["content"]
        return [{**first, "content": f"{content}\n{line}" if content else line}, *messages[1:]]
    return [{"role": "system", "content": line}, *messages]


def warn_if_out_of_budget(model: ModelEntry, request: Mapping[str, Any], *, stacklevel: int = 3) -> None:
    """Say that an answer which stopped at ``length`` with reasoning and no answer is not a success."""
    limit = request.get("max_tokens")
    fix = (
        f"raise max_tokens (it was {limit})" if limit is not None else "set max_tokens (the provider's default cut it)"
    )
    warnings.warn(
        f"{model.id} on {model.provider} spent its whole output budget thinking (finish_reason 'length') and gave "
        f"no answer: {fix}, or pass thinking=False where the model takes it.",
        ThinkingBudgetWarning,
        stacklevel=stacklevel,
    )


def thought_without_answer(choice: Mapping[str, Any]) -> bool:
    """Whether a whole answer's choice stopped at ``length`` with reasoning but no text and no tool calls."""
    from hostedllm.reasoning import message_reasoning

    message = choice.get("message")
    if choice.get("finish_reason") != "length" or not isinstance(message, Mapping) or message.get("tool_calls"):
        return False
    reasoning, text = message_reasoning(message)
    return bool(reasoning) and isinstance(text, str) and not text.strip()
