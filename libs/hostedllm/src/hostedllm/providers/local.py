"""A local OpenAI-compatible server (llama.cpp's server by default; vLLM or Ollama by base URL).

It serves whatever model it loaded, so any model id is accepted, and no key is needed (one is
sent if ``HOSTEDLLM_LOCAL_API_KEY`` is set).
"""

from __future__ import annotations

from hostedllm.providers import openai_params as oai
from hostedllm.providers.spec import ParamSpec, ProviderSpec, params

LOCAL = ProviderSpec(
    name="local",
    display_name="Local OpenAI-compatible server",
    base_url="http://127.0.0.1:8080/v1",
    api_key_env="HOSTEDLLM_LOCAL_API_KEY",
    base_url_env="HOSTEDLLM_LOCAL_BASE_URL",
    ls_provider="local",
    api_key_required=False,
    params=params(
        oai.TEMPERATURE,
        oai.TOP_P,
        ParamSpec("top_k", int, -1),
        ParamSpec("min_p", float, 0, 1),
        oai.MAX_TOKENS,
        oai.STOP,
        oai.N,
        oai.SEED,
        oai.PRESENCE_PENALTY,
        oai.FREQUENCY_PENALTY,
        ParamSpec("repeat_penalty", float, 0),
        oai.LOGPROBS,
        oai.TOP_LOGPROBS,
        oai.LOGIT_BIAS,
    ),
    open_model_list=True,
    parse_models=oai.parse_openai_models,
)
