"""A LangChain ``ModelProfile`` from the catalog entry (the single source of model facts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import ModelProfile

from hostedllm.catalog import ModelEntry
from hostedllm.request import max_tokens_limit


def profile_for(entry: ModelEntry) -> ModelProfile:
    """What LangChain should know about ``entry``: limits, modalities, tools, structured output.
    A capability the catalog has no evidence about is left out (unknown), not set to ``False``.

    >>> from hostedllm.catalog import default_catalog
    >>> profile_for(default_catalog().get("baichuan:Baichuan4"))["max_output_tokens"]
    2048
    """
    caps = entry.capabilities
    profile = ModelProfile(text_inputs=True, text_outputs=True, status=entry.status.state)
    known = {
        "image_inputs": caps.vision,
        "image_url_inputs": caps.vision,
        "tool_calling": caps.tools,
        "tool_choice": None if caps.tool_choice is None else bool({"required", "function"} & set(caps.tool_choice)),
        "structured_output": caps.json_schema,
        "reasoning_output": caps.reasoning,
    }
    profile.update({key: value for key, value in known.items() if value is not None})  # type: ignore[typeddict-item]
    if entry.context_window is not None:
        profile["max_input_tokens"] = entry.context_window
    limit = max_tokens_limit(entry)
    if limit is not None:
        profile["max_output_tokens"] = limit
    return profile


#: A user-given ``profile`` key and the catalog fact it states.
PROFILE_FACTS = {
    "tool_calling": "tools",
    "structured_output": "json_schema",
    "image_inputs": "vision",
    "reasoning_output": "reasoning",
}


def facts_from_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog overrides a user's ``profile`` states: capabilities, context window, max output.

    >>> facts_from_profile({"tool_calling": True, "max_input_tokens": 32768})
    {'capabilities': {'tools': True}, 'context_window': 32768}
    """
    facts: dict[str, Any] = {}
    capabilities = {name: profile[key] for key, name in PROFILE_FACTS.items() if isinstance(profile.get(key), bool)}
    if capabilities:
        facts["capabilities"] = capabilities
    for key, name in (("max_input_tokens", "context_window"), ("max_output_tokens", "max_output_tokens")):
        if isinstance(profile.get(key), int):
            facts[name] = profile[key]
    return facts
