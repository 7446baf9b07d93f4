"""Structured output for the LlamaIndex LLMs: when to ask for a JSON schema, and reading the answer.

The method is the core's choice (:func:`hostedllm.adapter.structured_method`, the same as the
LangChain adapter's): a JSON-schema response format where it picks one, else LlamaIndex's own route.
"""

from __future__ import annotations

import json
from typing import Any

from llama_index.core.types import Model

from hostedllm.adapter import json_schema_format, structured_method
from hostedllm.catalog import ModelEntry
from hostedllm.errors import UnsupportedCapabilityError


def by_json_schema(entry: ModelEntry) -> bool:
    """Whether the core picks a JSON-schema response format for ``entry`` (else LlamaIndex's route)."""
    try:
        return structured_method(entry, None) == "json_schema"
    except UnsupportedCapabilityError:  # no method at all: LlamaIndex's prompt route
        return False


def schema_format(output_cls: type[Model]) -> dict[str, Any]:
    """The ``response_format`` asking for ``output_cls``'s JSON schema (its docstring as the description)."""
    description = output_cls.__doc__.strip() if output_cls.__doc__ else None
    return json_schema_format(output_cls.__name__, output_cls.model_json_schema(), description)


def parse_structured(output_cls: type[Model], content: str | None) -> Model:
    """The answer as ``output_cls``; raw control characters inside JSON strings (small models write
    literal newlines) are accepted, as LangChain's JSON parser does."""
    try:
        data = json.loads(content or "", strict=False)
    except ValueError:
        return output_cls.model_validate_json(content or "")  # pydantic's error names what is wrong
    return output_cls.model_validate(data)
