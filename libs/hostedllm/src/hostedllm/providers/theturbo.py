"""Zenlayer's AI gateway ("theturbo"), which serves Baichuan models over an OpenAI-style API.

A provider of its own, not a base URL of Baichuan's: it takes a Zenlayer key (sending
``BAICHUAN_API_KEY`` to a third party would leak it), lists a different set of models, documents
other ranges (temperature 0–2, ``n``, ``stop`` up to 4, penalties) and requires
``Accept: application/json``. Source:
https://docs.console.zenlayer.com/api-reference/aigw/dialogue-generation/baichuan-chat-completion
"""

from __future__ import annotations

from hostedllm.providers import openai_params as oai
from hostedllm.providers.spec import ProviderSpec, params

THETURBO = ProviderSpec(
    name="theturbo",
    display_name="Zenlayer AI Gateway (theturbo)",
    base_url="https://gateway.theturbo.ai/v1",
    api_key_env="THETURBO_API_KEY",
    base_url_env="THETURBO_BASE_URL",
    vendor="theturbo",
    key_url="https://console.zenlayer.com",
    docs_url="https://docs.console.zenlayer.com/api-reference/aigw/dialogue-generation/baichuan-chat-completion",
    params=params(
        oai.TEMPERATURE,
        oai.TOP_P,
        oai.N,
        oai.STOP,
        oai.MAX_TOKENS,
        oai.PRESENCE_PENALTY,
        oai.FREQUENCY_PENALTY,
    ),
    message_roles=frozenset({"system", "user", "assistant"}),
    model_ids_case_insensitive=True,
    default_headers={"Accept": "application/json"},
    parse_models=oai.parse_openai_models,
)
