"""Novita AI (api.novita.ai), the most OpenAI-like of the providers.

Besides the OpenAI parameters it takes ``top_k``, ``min_p``, ``repetition_penalty``,
``separate_reasoning`` and ``enable_thinking`` in the body. Its ``/models`` prices are in
1/10,000 USD per million tokens. Out of balance is 403 ``NOT_ENOUGH_BALANCE``.
"""

from __future__ import annotations

from typing import Any

from hostedllm.providers import openai_params as oai
from hostedllm.providers.openai_params import MIN_P, TOP_K
from hostedllm.providers.spec import (
    AccountLimits,
    DiscoveredModel,
    EmbeddingSpec,
    ParamSpec,
    ProviderSpec,
    RerankSpec,
    params,
)

#: ``/models`` reports prices in 1/10,000 USD per 1M tokens (3900 means $0.39).
PRICE_UNITS_PER_USD = 10_000


def parse_novita_models(payload: Any) -> list[DiscoveredModel]:
    items = payload.get("data", []) if isinstance(payload, dict) else []
    found = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        features = item.get("features") or []
        found.append(
            DiscoveredModel(
                id=str(item["id"]),
                context_window=item.get("context_size"),
                max_output_tokens=item.get("max_output_tokens"),
                input_price=_usd(item.get("input_token_price_per_m")),
                output_price=_usd(item.get("output_token_price_per_m")),
                currency="USD",
                tools=("function-calling" in features) if features else None,
                reasoning=("reasoning" in features) if features else None,
                vision=("image" in (item.get("input_modalities") or [])) or None,
            )
        )
    return found


def _usd(units: Any) -> float | None:
    return None if units is None else float(units) / PRICE_UNITS_PER_USD


NOVITA = ProviderSpec(
    name="novita",
    display_name="Novita AI",
    base_url="https://api.novita.ai/v3/openai",
    api_key_env="NOVITA_API_KEY",
    base_url_env="NOVITA_BASE_URL",
    vendor="novita",
    key_url="https://novita.ai/settings/key-management",
    docs_url="https://novita.ai/docs/api-reference/model-apis-llm-create-chat-completion",
    params=params(
        oai.TEMPERATURE,
        oai.TOP_P,
        ParamSpec("top_k", int, -1, doc=TOP_K),
        ParamSpec("min_p", float, 0, 1, doc=MIN_P),
        oai.MAX_TOKENS,
        oai.STOP,
        oai.N.with_range(1, 128),
        oai.SEED,
        oai.PRESENCE_PENALTY,
        oai.FREQUENCY_PENALTY,
        ParamSpec("repetition_penalty", float, 0, doc="Penalise repeated tokens (1 is none)"),
        oai.LOGPROBS,
        oai.TOP_LOGPROBS,
        oai.LOGIT_BIAS,
        ParamSpec("separate_reasoning", bool, doc="Send reasoning in reasoning_content, not in the text"),
        ParamSpec("enable_thinking", bool, doc="Let a hybrid model reason before answering"),
    ),
    request_id_headers=("x-request-id",),
    quota_markers=("not_enough_balance",),
    parse_models=parse_novita_models,
    embeddings=EmbeddingSpec(max_batch=64, max_batch_source="no documented limit; 64 as other clients use"),
    rerank=RerankSpec(
        max_batch=64,
        max_batch_source="no documented limit; 64 as for embeddings",
        shape="cohere",
        base_url="https://api.novita.ai/openai/v1",  # Novita's rerank API reference (POST /openai/v1/rerank)
    ),
    account_limits=AccountLimits(
        summary="requests and tokens per minute for each model and account tier (T1 to T5), listed at "
        "https://novita.ai/docs/guides/llm-rate-limits",
        source="Novita's LLM rate limits guide and LLM FAQ",
    ),
)
