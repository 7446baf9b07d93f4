"""A local OpenAI-compatible server (llama.cpp's server by default; vLLM or Ollama by base URL).

It serves whatever model it loaded, so any model id is accepted, and no key is needed (one is
sent if ``HOSTEDLLM_LOCAL_API_KEY`` is set). Streams carry no usage, even when asked.
"""

from __future__ import annotations

from hostedllm.providers import openai_params as oai
from hostedllm.providers.openai_params import MIN_P, TOP_K
from hostedllm.providers.spec import EmbeddingSpec, ParamSpec, ProviderSpec, params

LOCAL = ProviderSpec(
    name="local",
    display_name="Local OpenAI-compatible server",
    base_url="http://127.0.0.1:8080/v1",
    api_key_env="HOSTEDLLM_LOCAL_API_KEY",
    base_url_env="HOSTEDLLM_LOCAL_BASE_URL",
    vendor="local",
    api_key_required=False,
    params=params(
        oai.TEMPERATURE,
        oai.TOP_P,
        ParamSpec("top_k", int, -1, doc=TOP_K),
        ParamSpec("min_p", float, 0, 1, doc=MIN_P),
        oai.MAX_TOKENS,
        oai.STOP,
        oai.N,
        oai.SEED,
        oai.PRESENCE_PENALTY,
        oai.FREQUENCY_PENALTY,
        ParamSpec("repeat_penalty", float, 0, doc="Penalise repeated tokens (1 is none; llama.cpp's name)"),
        oai.LOGPROBS,
        oai.TOP_LOGPROBS,
        oai.LOGIT_BIAS,
    ),
    open_model_list=True,
    # Found against llama-cpp-python 0.3.36: response_format json_schema is refused (HTTP 500, a
    # validation error) while json_object with a "schema" is grammar-constrained; request
    # validation errors come back as 500; an assistant turn with content null is refused.
    json_schema_as_json_object=True,
    bad_request_markers=("validation error",),
    empty_content_not_null=True,
    unreachable_hint="Is a local server running? Start one with `hostedllm local serve`, "
    "or use `hostedllm chat --local`.",
    parse_models=oai.parse_openai_models,
    # llama-cpp-python 0.3.36's server returns pooled vectors unscaled (its embed(normalize=False)),
    # while sentence-transformers models such as all-MiniLM-L6-v2 end with a Normalize step.
    embeddings=EmbeddingSpec(
        max_batch=64, max_batch_source="llama.cpp's server takes any list; 64 bounds a request", normalize=True
    ),
)
