"""The NVIDIA API catalog (integrate.api.nvidia.com) and self-hosted NIM containers.

Each hosted model validates its body with ``additionalProperties: false``, so an unknown key is a
400: only the parameters below are sent, and models refusing some of them say so in the catalog.
temperature is [0, 1] (not OpenAI's 0–2); ``n`` and ``logprobs`` are refused. Several model
reference pages require user/assistant turns to alternate after an optional first system message.
"""

from __future__ import annotations

from hostedllm.images import ImageRules
from hostedllm.providers import openai_params as oai
from hostedllm.providers.spec import AccountLimits, EmbeddingSpec, ParamSpec, ProviderSpec, RerankSpec, params

NIM = ProviderSpec(
    name="nim",
    display_name="NVIDIA API catalog (NIM)",
    base_url="https://integrate.api.nvidia.com/v1",
    api_key_env="NVIDIA_API_KEY",
    base_url_env="NVIDIA_BASE_URL",
    vendor="nvidia",
    key_url="https://build.nvidia.com",
    docs_url="https://docs.api.nvidia.com/nim/reference/llm-apis",
    params=params(
        oai.TEMPERATURE.with_range(0, 1),
        oai.TOP_P,
        oai.MAX_TOKENS,
        oai.STOP,
        oai.SEED,
        oai.PRESENCE_PENALTY,
        oai.FREQUENCY_PENALTY,
        ParamSpec("chat_template_kwargs", dict, doc='Options for the model\'s chat template, e.g. {"thinking": True}'),
    ),
    alternating_roles=True,
    request_id_headers=("nvcf-reqid", "x-request-id"),
    auth_failure_markers=("authorization failed",),
    parse_models=oai.parse_openai_models,
    embeddings=EmbeddingSpec(
        max_batch=50,
        max_batch_source="no documented limit; langchain-nvidia-ai-endpoints' _DEFAULT_BATCH_SIZE",
        input_type=True,
        truncate=("NONE", "START", "END"),
        dimensions=True,
    ),
    images=ImageRules(
        types=frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"}),
        max_inline_chars=180_000,
        source="NIM API reference, e.g. nvidia-llama-3_1-nemotron-nano-vl-8b-v1-infer: larger images go through "
        "NVIDIA's asset API; types per langchain-nvidia-ai-endpoints' VLM tests",
        larger="resize or recompress it, or upload it with hostedllm.assets.upload_image() and pass the reference "
        "it returns as the image URL",
        asset_headers=("NVCF-INPUT-ASSET-REFERENCES", "NVCF-FUNCTION-ASSET-IDS"),
    ),
    rerank=RerankSpec(
        max_batch=32,
        max_batch_source="no documented limit; langchain-nvidia-ai-endpoints' NVIDIARerank batches 32",
        shape="nvidia",
        base_url="https://ai.api.nvidia.com/v1/retrieval",
        model_path="/{slug}/reranking",
        model_paths={"nv-rerank-qa-mistral-4b:1": "/nvidia/reranking"},
        self_hosted_path="/ranking",
        truncate=("NONE", "END"),
    ),
    account_limits=AccountLimits(
        summary="per account, set by model and traffic (trial accounts report about 40 requests a minute; "
        "build.nvidia.com shows yours)",
        source="no NVIDIA page gives a number; NVIDIA staff on its forums as reported in steipete/CodexBar#2498, "
        "40 RPM in Future-House/paper-qa#1219",
    ),
)
