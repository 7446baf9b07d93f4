"""A LangChain ``ModelProfile`` from the catalog entry (the single source of model facts)."""

from __future__ import annotations

from langchain_core.language_models import ModelProfile

from hostedllm.catalog import ModelEntry
from hostedllm.request import max_tokens_limit


def profile_for(entry: ModelEntry) -> ModelProfile:
    """What LangChain should know about ``entry``: limits, modalities, tools, structured output.

    >>> from hostedllm.catalog import default_catalog
    >>> profile_for(default_catalog().get("baichuan:Baichuan4"))["max_output_tokens"]
    2048
    """
    caps = entry.capabilities
    profile = ModelProfile(
        text_inputs=True,
        text_outputs=True,
        image_inputs=caps.vision,
        image_url_inputs=caps.vision,
        tool_calling=caps.tools,
        tool_choice=bool({"required", "function"} & set(caps.tool_choice)),
        structured_output=caps.json_schema,
        reasoning_output=caps.reasoning,
        status=entry.status.state,
    )
    if entry.context_window is not None:
        profile["max_input_tokens"] = entry.context_window
    limit = max_tokens_limit(entry)
    if limit is not None:
        profile["max_output_tokens"] = limit
    return profile
