"""The OpenAI chat-completions parameters with OpenAI's ranges, for provider specs to pick from.

A provider spec lists the ones it accepts, narrowing ranges with :meth:`ParamSpec.with_range`.
"""

from __future__ import annotations

from typing import Any

from hostedllm.providers.spec import DiscoveredModel, ParamSpec

TEMPERATURE = ParamSpec("temperature", float, 0, 2, doc="Sampling temperature")
TOP_P = ParamSpec("top_p", float, 0, 1, doc="Nucleus sampling: the probability mass to sample from")
MAX_TOKENS = ParamSpec("max_tokens", int, 1, doc="The longest answer, in tokens")
STOP = ParamSpec("stop", list, max_items=4, doc="Text that ends the answer")
N = ParamSpec("n", int, 1, doc="How many answers to generate")
SEED = ParamSpec("seed", int, doc="A seed for repeatable sampling")
PRESENCE_PENALTY = ParamSpec("presence_penalty", float, -2, 2, doc="Penalise tokens already present")
FREQUENCY_PENALTY = ParamSpec("frequency_penalty", float, -2, 2, doc="Penalise tokens by how often they appeared")
LOGPROBS = ParamSpec("logprobs", bool, doc="Return the log probabilities of the answer's tokens")
TOP_LOGPROBS = ParamSpec("top_logprobs", int, 0, 20, doc="How many likeliest alternatives per token to return")
LOGIT_BIAS = ParamSpec("logit_bias", dict, doc="Token id to bias added to its logit")
#: Docs of parameters beyond OpenAI's that several providers take (with their own ranges).
TOP_K = "Sample from the k likeliest tokens"
MIN_P = "Drop tokens less likely than this fraction of the likeliest"
USER = ParamSpec("user", str, doc="An id of the end user, for the provider's abuse monitoring")


def parse_openai_models(payload: Any) -> list[DiscoveredModel]:
    """Parse an OpenAI-style ``{"data": [{"id": ...}]}`` list (ids only)."""
    items = payload.get("data", []) if isinstance(payload, dict) else []
    return [DiscoveredModel(id=str(item["id"])) for item in items if isinstance(item, dict) and item.get("id")]
