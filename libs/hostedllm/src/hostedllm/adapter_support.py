"""Small helpers the LangChain and LlamaIndex adapters share (framework-neutral).

>>> from hostedllm.providers import get_provider
>>> sampling_params(get_provider("novita"), {"top_k": 5, "timeout": 3}, {"min_p": 0.1}, {"top_k": None})
{'min_p': 0.1}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from hostedllm.errors import HostedLLMError
from hostedllm.providers import ProviderSpec


def sampling_params(
    spec: ProviderSpec, fields: Mapping[str, Any], extra: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """The sampling parameters to send: an adapter's fields named like ``spec``'s parameters, then
    its free-form extras (``model_kwargs``/``additional_kwargs``), then per-call overrides; ``None``
    means "not set"."""
    params = {name: fields[name] for name in spec.params if name in fields}
    params.update(extra)
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


@contextmanager
def typed_construction_errors() -> Iterator[None]:
    """Raise our typed error (it names the problem and the fix) rather than pydantic's wrapper."""
    try:
        yield
    except ValidationError as exc:
        for error in exc.errors():
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, HostedLLMError):
                raise cause from None
        raise
