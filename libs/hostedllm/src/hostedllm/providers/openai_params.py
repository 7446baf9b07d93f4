"""The OpenAI chat-completions parameters with OpenAI's ranges, for provider specs to pick from.

A provider spec lists the ones it accepts, narrowing ranges with :meth:`ParamSpec.with_range`.
"""

from __future__ import annotations

from typing import Any

from hostedllm.providers.spec import DiscoveredModel, ParamSpec

TEMPERATURE = ParamSpec("temperature", float, 0, 2)
TOP_P = ParamSpec("top_p", float, 0, 1)
MAX_TOKENS = ParamSpec("max_tokens", int, 1)
STOP = ParamSpec("stop", list, max_items=4)
N = ParamSpec("n", int, 1)
SEED = ParamSpec("seed", int)
PRESENCE_PENALTY = ParamSpec("presence_penalty", float, -2, 2)
FREQUENCY_PENALTY = ParamSpec("frequency_penalty", float, -2, 2)
LOGPROBS = ParamSpec("logprobs", bool)
TOP_LOGPROBS = ParamSpec("top_logprobs", int, 0, 20)
LOGIT_BIAS = ParamSpec("logit_bias", dict)
USER = ParamSpec("user", str)


def parse_openai_models(payload: Any) -> list[DiscoveredModel]:
    """Parse an OpenAI-style ``{"data": [{"id": ...}]}`` list (ids only)."""
    items = payload.get("data", []) if isinstance(payload, dict) else []
    return [DiscoveredModel(id=str(item["id"])) for item in items if isinstance(item, dict) and item.get("id")]
