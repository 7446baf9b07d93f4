"""Baichuan AI's own API (api.baichuan-ai.com).

Ranges from Baichuan's API docs (reference/providers.md §1.2): temperature [0, 1], top_p [0, 1),
top_k [0, 20], max_tokens [1, 2048]. ``tool_choice`` takes only ``auto``/``none`` (catalog).
``n``, ``seed``, ``logprobs`` and the penalties are not documented, so they are refused.
"""

from __future__ import annotations

from typing import Any

from hostedllm.providers import openai_params as oai
from hostedllm.providers.openai_params import TOP_K
from hostedllm.providers.spec import AccountLimits, DiscoveredModel, EmbeddingSpec, ParamSpec, ProviderSpec, params


def parse_baichuan_models(payload: Any) -> list[DiscoveredModel]:
    """Baichuan's ``/v1/models`` items have no ``id``: the id is in ``model``."""
    items = payload.get("data", []) if isinstance(payload, dict) else []
    return [
        DiscoveredModel(
            id=str(item["model"]),
            context_window=item.get("max_input_length"),
            max_output_tokens=item.get("max_tokens"),
            tools=item.get("function_call"),
        )
        for item in items
        if isinstance(item, dict) and item.get("model")
    ]


def server_tools(web_search: bool | str | None = None, retrieval: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Baichuan's server-side tools: web search (``True`` or a search mode) and knowledge-base retrieval.

    >>> server_tools(web_search="quality_first")
    [{'type': 'web_search', 'web_search': {'enable': True, 'search_mode': 'quality_first'}}]
    """
    tools: list[dict[str, Any]] = []
    if web_search:
        search: dict[str, Any] = {"enable": True}
        if isinstance(web_search, str):
            search["search_mode"] = web_search
        tools.append({"type": "web_search", "web_search": search})
    if retrieval:
        tools.append({"type": "retrieval", "retrieval": dict(retrieval)})
    return tools


BAICHUAN = ProviderSpec(
    name="baichuan",
    display_name="Baichuan AI",
    base_url="https://api.baichuan-ai.com/v1",
    api_key_env="BAICHUAN_API_KEY",
    base_url_env="BAICHUAN_BASE_URL",
    vendor="baichuan",
    key_url="https://platform.baichuan-ai.com/console/apikey",
    docs_url="https://platform.baichuan-ai.com/docs/api",
    params=params(
        oai.TEMPERATURE.with_range(0, 1),
        oai.TOP_P.with_range(0, 1, exclusive_maximum=True),
        ParamSpec("top_k", int, 0, 20, doc=TOP_K),
        oai.MAX_TOKENS.with_range(1, 2048),
        oai.STOP,
        ParamSpec(
            "knowledge_base", dict, doc='Answer from knowledge bases: {"ids": [...]} (the older form of retrieval)'
        ),
    ),
    removed_params={
        "with_search_enhance": "a tool {'type': 'web_search', 'web_search': {'enable': True}}",
    },
    server_tool_types=frozenset({"web_search", "retrieval"}),
    # The last stream chunk carries usage unasked; stream_options is not documented.
    stream_options=False,
    model_ids_case_insensitive=True,
    request_id_headers=("x-bc-request-id", "x-request-id"),
    quota_markers=("insufficient account balance", "insufficient_quota"),
    parse_models=parse_baichuan_models,
    embeddings=EmbeddingSpec(
        max_batch=16,
        max_batch_source="Baichuan's embeddings docs as quoted in langchain-ai/langchain#22942 (at most 16 texts)",
    ),
    account_limits=AccountLimits(
        summary="120 requests a minute for every account",
        source="Baichuan's API docs, status codes (apifox doc-3441122): 当前单账号限制 120 rpm",
        requests_per_minute=120,
    ),
)
