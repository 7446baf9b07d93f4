"""One call's token counts, read once from whichever usage shape the provider sent.

Every reader (the LangChain ``usage_metadata``, LlamaIndex's token counts, the usage ledger, the
cost estimate, the CLI) takes :class:`Tokens` instead of reading ``usage`` dicts itself. A count
the provider did not report is ``None``, never a made-up ``0``.

>>> tokens = Tokens.from_usage({"prompt_tokens": 12, "completion_tokens": 40,
...                             "prompt_tokens_details": {"cached_tokens": 8}})
>>> tokens.input, tokens.output, tokens.total, tokens.cached, tokens.reasoning
(12, 40, 52, 8, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from hostedllm.wire_types import Usage

#: Where each detail is found: ``(details object, key)`` pairs. OpenAI's names (``cached_tokens``,
#: ``reasoning_tokens``); cache writes as OpenAI-compatible gateways report them for models that bill
#: them (``cache_write_tokens``: OpenRouter's Claude models, read by openai-agents-python since
#: openai 2.44, github.com/openai/openai-agents-python/pull/3773). None of our providers documents one yet.
_CACHED = (("prompt_tokens_details", "cached_tokens"),)
_CACHE_WRITE = (("prompt_tokens_details", "cache_write_tokens"),)
_REASONING = (("completion_tokens_details", "reasoning_tokens"),)


class Tokens(NamedTuple):
    """Input, output and total tokens, with the cached, cache-write and reasoning parts where reported
    (a tuple: one is read per call, on the hot path)."""

    input: int | None = None
    output: int | None = None
    total: int | None = None
    cached: int | None = None
    """Input tokens read from the provider's prompt cache."""
    cache_write: int | None = None
    """Input tokens written to the provider's prompt cache."""
    reasoning: int | None = None
    """Output tokens spent on reasoning (part of ``output``)."""

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any] | None) -> Tokens | None:
        """The counts in a chat-completions ``usage`` object; ``None`` when there is none.

        >>> Tokens.from_usage({"completion_tokens": 5})
        Tokens(input=None, output=5, total=None, cached=None, cache_write=None, reasoning=None)
        >>> Tokens.from_usage({}) is None
        True
        """
        if not isinstance(usage, Mapping) or not usage:
            return None
        input_, output = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
        total = _count(usage.get("total_tokens"))
        if total is None and input_ is not None and output is not None:
            total = input_ + output
        if "prompt_tokens_details" not in usage and "completion_tokens_details" not in usage:
            return cls(input_, output, total)
        return cls(
            input_,
            output,
            total,
            cached=_detail(usage, _CACHED),
            cache_write=_detail(usage, _CACHE_WRITE),
            reasoning=_detail(usage, _REASONING),
        )


_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")


def checked_usage(usage: Any) -> Usage | None:
    """``usage`` as every reader can take it: a count that is not a non-negative whole number is left
    out (not reported, as :meth:`Tokens.from_usage` reads it; ``12.0`` becomes ``12``), in place;
    ``None`` when ``usage`` is not an object at all. The core calls it once per answer, so the
    usage ledgers, the cost estimate and the frameworks' own counters (which read ``usage`` as it
    is) never meet a string or a ``null`` where a count goes.

    >>> checked_usage({"prompt_tokens": "12", "completion_tokens": 40, "total_tokens": None})
    {'completion_tokens': 40}
    >>> checked_usage("12 tokens") is None
    True
    """
    if type(usage) is not dict:
        return None
    for key in _COUNTS:
        value = usage.get(key, 0)
        if type(value) is not int or value < 0:  # the common case (an int) checked inline
            count = _count(value)
            if count is None:
                del usage[key]
            else:
                usage[key] = count
    return cast(Usage, usage)


def _detail(usage: Mapping[str, Any], places: tuple[tuple[str, str], ...]) -> int | None:
    for group, key in places:
        details = usage.get(group)
        if isinstance(details, Mapping) and (count := _count(details.get(key))) is not None:
            return count
    return None


def _count(value: Any) -> int | None:
    """A token count: a non-negative integer (``12.0`` too); anything else was not reported."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
