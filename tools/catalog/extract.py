"""Pull the needed facts out of the pinned wheels' files (data only: nothing is imported or run)."""

from __future__ import annotations

import ast
import json
from typing import Any

#: LiteLLM's per-model keys the generator reads.
LITELLM_KEYS = (
    "litellm_provider",
    "mode",
    "max_input_tokens",
    "max_output_tokens",
    "input_cost_per_token",
    "output_cost_per_token",
    "supports_function_calling",
    "supports_tool_choice",
    "supports_parallel_function_calling",
    "supports_response_schema",
    "supports_vision",
    "supports_reasoning",
    "supports_system_messages",
)
LITELLM_PROVIDERS = ("novita", "nvidia_nim")
#: The models.dev profile keys the generator reads (context, output, and declared modalities/abilities).
PROFILE_KEYS = (
    "max_input_tokens",
    "max_output_tokens",
    "image_inputs",
    "text_outputs",
    "reasoning_output",
    "tool_calling",
    "structured_output",
)


def litellm_rows(raw: bytes) -> dict[str, dict[str, Any]]:
    """The cost-map rows of Novita (``novita/`` keys) and NVIDIA NIM, with only the keys we read."""
    table = json.loads(raw)
    rows = {}
    for key, row in table.items():
        if not isinstance(row, dict):
            continue
        if key.startswith("novita/") or row.get("litellm_provider") in LITELLM_PROVIDERS:
            rows[key] = {k: row[k] for k in LITELLM_KEYS if k in row}
    return dict(sorted(rows.items()))


def lcn_registry(raw: bytes) -> list[dict[str, Any]]:
    """langchain-nvidia's model registry, one reduced entry per model, sorted by id."""
    registry = json.loads(raw)
    out = []
    for entry in registry["models"]:
        model = entry["model"]
        out.append(
            {
                "id": entry["id"],
                "table": entry["table"],
                "model_type": model["model_type"],
                "aliases": model.get("aliases") or [],
                "deprecated": bool(model.get("deprecated")),
                "endpoint": model.get("endpoint"),
                "capabilities": entry["capabilities"],
            }
        )
    return sorted(out, key=lambda e: e["id"])


def _assigned_value(tree: ast.Module, name: str) -> ast.expr:
    for node in tree.body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return value
    raise ValueError(f"no assignment to {name}")


def lcn_profiles(source: str) -> dict[str, dict[str, Any]]:
    """``_PROFILES`` of ``data/_profiles.py``, read with ast.literal_eval, reduced to PROFILE_KEYS."""
    profiles = ast.literal_eval(_assigned_value(ast.parse(source), "_PROFILES"))
    return {mid: {k: p[k] for k in PROFILE_KEYS if k in p} for mid, p in sorted(profiles.items())}


def statics_deprecated(source: str) -> list[str]:
    """Ids that an older ``_statics.py`` flags ``Model(..., deprecated=True)`` (parsed, never run)."""
    flagged = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Model"):
            continue
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        model_id, deprecated = kwargs.get("id"), kwargs.get("deprecated")
        if isinstance(model_id, ast.Constant) and isinstance(deprecated, ast.Constant) and deprecated.value is True:
            flagged.add(str(model_id.value))
    return sorted(flagged)
