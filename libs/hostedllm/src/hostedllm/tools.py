"""Check tool definitions and ``tool_choice`` against what a model supports (from the catalog)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hostedllm.catalog.evidence import require, warn_unverified
from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import RequestValidationError, UnsupportedCapabilityError
from hostedllm.providers import ProviderSpec

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_JSON_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")


def check_tools(spec: ProviderSpec, model: ModelEntry, tools: Sequence[Mapping[str, Any]]) -> set[str]:
    """Validate tool definitions; return the function names. An empty list is never sent."""
    names: set[str] = set()
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind in spec.server_tool_types:
            continue
        if kind != "function":
            server = f" or one of {sorted(spec.server_tool_types)}" if spec.server_tool_types else ""
            raise RequestValidationError(f"tools[{index}] has type {kind!r}; {spec.name} takes 'function'{server}.")
        if not names:
            require(model, "tools", "tool calling", stacklevel=5)
        names.add(_check_function(index, tool.get("function")))
    return names


def _check_function(index: int, function: Any) -> str:
    if not isinstance(function, Mapping):
        raise RequestValidationError(f"tools[{index}] has no 'function' object.")
    name = function.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RequestValidationError(
            f"tools[{index}] has function name {name!r}; use 1-64 letters, digits, '_' or '-'."
        )
    parameters = function.get("parameters")
    if parameters is not None:
        where = f"tools[{index}] ({name}) parameters"
        _check_schema(where, parameters)
        _check_against_metaschema(where, parameters)
    return name


def _check_schema(where: str, schema: Any) -> None:
    if not isinstance(schema, Mapping):
        raise RequestValidationError(f"{where} must be a JSON Schema object, not {type(schema).__name__}.")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    if any(not isinstance(k, str) or k not in _JSON_TYPES for k in kinds):
        raise RequestValidationError(
            f"{where} has type {kind!r}, which is not a JSON Schema type; use one of {', '.join(_JSON_TYPES)}."
        )
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        raise RequestValidationError(f"{where}: 'properties' must be an object mapping names to schemas.")
    for prop, sub in properties.items():
        _check_schema(f"{where}.{prop}", sub)
    required = schema.get("required", [])
    if not isinstance(required, list) or any(not isinstance(r, str) for r in required):
        raise RequestValidationError(f"{where}: 'required' must be a list of property names.")
    missing = [r for r in required if properties and r not in properties]
    if missing:
        raise RequestValidationError(f"{where}: 'required' names {missing}, which are not in 'properties'.")
    if "items" in schema and isinstance(schema["items"], Mapping):
        _check_schema(f"{where}.items", schema["items"])


def _check_against_metaschema(where: str, schema: Mapping[str, Any]) -> None:
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return  # the body encoder refuses it, naming the value
    problem = _metaschema_problem(text)
    if problem:
        raise RequestValidationError(f"{where} is not valid JSON Schema: {problem}. Fix the schema or the tool types.")


@functools.lru_cache(maxsize=256)
def _metaschema_problem(text: str) -> str | None:
    """What is wrong with a schema by the JSON Schema 2020-12 metaschema (cached: a bound tool is checked per call)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(json.loads(text)))
    return None if error is None else f"at {error.json_path}, {error.message}"


def check_tool_choice(
    spec: ProviderSpec, model: ModelEntry, tool_choice: str | Mapping[str, Any], names: set[str]
) -> str | dict[str, Any]:
    """``tool_choice`` if the model can honour it, else an error saying what it can do."""
    if not names:
        raise RequestValidationError("tool_choice was set without function tools; pass tools= as well.")
    if isinstance(tool_choice, str):
        kind = tool_choice
        if kind not in ("auto", "none", "required"):
            raise RequestValidationError(
                f"tool_choice {tool_choice!r} is not 'auto', 'none', 'required' or "
                "{'type': 'function', 'function': {'name': ...}}."
            )
    else:
        kind = "function"
        name = (tool_choice.get("function") or {}).get("name")
        if name not in names:
            raise RequestValidationError(
                f"tool_choice names function {name!r}, which is not among the tools {sorted(names)}."
            )
    allowed = model.capabilities.tool_choice
    shown = "a named function" if kind == "function" else repr(kind)
    if allowed is None and kind in ("required", "function"):
        warn_unverified(model, "tool_choice", f"tool_choice {shown}", stacklevel=4)
    elif allowed is not None and kind not in allowed:
        can = ", ".join(repr(a) for a in allowed) or "nothing"
        raise UnsupportedCapabilityError(
            f"{model.id} on {spec.name} cannot honour tool_choice {shown}: it accepts {can}. "
            "Use one of those (and check the reply's tool_calls), or pick a model that supports it; "
            f"if you know it does, pass capabilities={{'tool_choice': {[*allowed, kind]!r}}}."
        )
    return tool_choice if isinstance(tool_choice, str) else dict(tool_choice)
