"""Each provider's parameters as typed pydantic fields, declared once from its spec for both adapters.

A provider class is its fields plus its framework's base: ``class ChatNovita(NovitaFields,
BaseChatHosted)`` in LangChain, ``class Novita(NovitaFields, BaseHostedLLM)`` in LlamaIndex. So the
two expose the same parameters, typed for IDEs, each described with the spec's range
(:func:`param_description`); the shared sampling fields (:data:`SHARED_PARAMS`) are on the bases.

>>> NovitaFields.model_fields["top_k"].description
'Sample from the k likeliest tokens; an integer in [-1, inf) on Novita AI.'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hostedllm.providers import ProviderSpec, baichuan
from hostedllm.providers.baichuan import BAICHUAN
from hostedllm.providers.local import LOCAL
from hostedllm.providers.nim import NIM
from hostedllm.providers.novita import NOVITA
from hostedllm.providers.spec import ParamSpec

#: Parameters every class of both adapters declares on its base; the provider fields are the rest.
SHARED_PARAMS = ("temperature", "top_p", "max_tokens", "stop")


def provider_params(spec: ProviderSpec) -> dict[str, ParamSpec]:
    """The parameters a provider's fields declare: its spec's, less :data:`SHARED_PARAMS`.

    >>> list(provider_params(BAICHUAN))
    ['top_k', 'knowledge_base']
    """
    return {name: param for name, param in spec.params.items() if name not in SHARED_PARAMS}


def param_description(spec: ProviderSpec, name: str) -> str:
    """A field's description from the spec: what the parameter does and the range it takes there.

    >>> param_description(BAICHUAN, "top_k")
    'Sample from the k likeliest tokens; an integer in [0, 20] on Baichuan AI.'
    """
    param = spec.params[name]
    return f"{param.doc or name}; {param.describe()} on {spec.display_name}."


def param_field(spec: ProviderSpec, name: str) -> Any:
    """A pydantic field (default ``None``: not sent) for the spec's parameter ``name``."""
    return Field(default=None, description=param_description(spec, name))


class BaichuanFields(BaseModel):
    """Baichuan's parameters, and its server-side tools (web search, knowledge-base retrieval)."""

    top_k: int | None = param_field(BAICHUAN, "top_k")
    knowledge_base: dict[str, Any] | None = param_field(BAICHUAN, "knowledge_base")
    web_search: bool | Literal["performance_first", "quality_first"] | None = Field(
        default=None, description="Let Baichuan search the web: True, or 'performance_first' / 'quality_first'."
    )
    retrieval: dict[str, Any] | None = Field(
        default=None,
        description='Answer from knowledge bases: {"kb_ids": [...], "answer_mode": "knowledge-base-only"}.',
    )

    def provider_name(self) -> str:
        return BAICHUAN.name

    def server_tools(self) -> list[dict[str, Any]]:
        """The server-side tools these fields turn on, added to every request."""
        return baichuan.server_tools(self.web_search, self.retrieval)


class NIMFields(BaseModel):
    """The NVIDIA API catalog's parameters."""

    seed: int | None = param_field(NIM, "seed")
    presence_penalty: float | None = param_field(NIM, "presence_penalty")
    frequency_penalty: float | None = param_field(NIM, "frequency_penalty")
    chat_template_kwargs: dict[str, Any] | None = param_field(NIM, "chat_template_kwargs")

    def provider_name(self) -> str:
        return NIM.name


class NovitaFields(BaseModel):
    """Novita AI's parameters."""

    top_k: int | None = param_field(NOVITA, "top_k")
    min_p: float | None = param_field(NOVITA, "min_p")
    n: int | None = param_field(NOVITA, "n")
    seed: int | None = param_field(NOVITA, "seed")
    presence_penalty: float | None = param_field(NOVITA, "presence_penalty")
    frequency_penalty: float | None = param_field(NOVITA, "frequency_penalty")
    repetition_penalty: float | None = param_field(NOVITA, "repetition_penalty")
    logprobs: bool | None = param_field(NOVITA, "logprobs")
    top_logprobs: int | None = param_field(NOVITA, "top_logprobs")
    logit_bias: dict[str, Any] | None = param_field(NOVITA, "logit_bias")
    separate_reasoning: bool | None = param_field(NOVITA, "separate_reasoning")
    enable_thinking: bool | None = param_field(NOVITA, "enable_thinking")

    def provider_name(self) -> str:
        return NOVITA.name


class LocalFields(BaseModel):
    """A local OpenAI-compatible server's parameters (llama.cpp's names)."""

    top_k: int | None = param_field(LOCAL, "top_k")
    min_p: float | None = param_field(LOCAL, "min_p")
    n: int | None = param_field(LOCAL, "n")
    seed: int | None = param_field(LOCAL, "seed")
    presence_penalty: float | None = param_field(LOCAL, "presence_penalty")
    frequency_penalty: float | None = param_field(LOCAL, "frequency_penalty")
    repeat_penalty: float | None = param_field(LOCAL, "repeat_penalty")
    logprobs: bool | None = param_field(LOCAL, "logprobs")
    top_logprobs: int | None = param_field(LOCAL, "top_logprobs")
    logit_bias: dict[str, Any] | None = param_field(LOCAL, "logit_bias")

    def provider_name(self) -> str:
        return LOCAL.name
