"""The LlamaIndex LLM of each provider, and :class:`HostedLLM` for any catalog model.

Each class adds its provider's parameters to :class:`~llama_index.llms.hostedllm.base.HostedLLMBase`,
declared from the provider's spec (the same fields as the LangChain adapter's classes).
"""

from __future__ import annotations

from typing import Any

from llama_index.core.bridge.pydantic import Field, model_validator

from hostedllm.adapter import param_field
from hostedllm.catalog import default_catalog
from hostedllm.errors import RequestValidationError
from hostedllm.providers import baichuan
from hostedllm.providers.baichuan import BAICHUAN
from hostedllm.providers.local import LOCAL
from hostedllm.providers.nim import NIM as NIM_SPEC
from hostedllm.providers.novita import NOVITA
from llama_index.llms.hostedllm.base import HostedLLMBase


class Baichuan(HostedLLMBase):
    """Baichuan AI's own API (``BAICHUAN_API_KEY``).

    ```python
    from llama_index.llms.hostedllm import Baichuan

    llm = Baichuan(model="Baichuan4-Turbo", temperature=0.3)
    print(llm.complete("世界第一高峰是?").text)
    ```
    """

    top_k: int | None = param_field(BAICHUAN, "top_k")
    knowledge_base: dict[str, Any] | None = param_field(BAICHUAN, "knowledge_base")
    web_search: bool | str | None = Field(
        default=None, description="Let Baichuan search the web: True, or 'performance_first' / 'quality_first'."
    )
    retrieval: dict[str, Any] | None = Field(
        default=None, description='Answer from knowledge bases: {"kb_ids": [...], "answer_mode": ...}.'
    )

    def provider_name(self) -> str:
        return BAICHUAN.name

    def server_tools(self) -> list[dict[str, Any]]:
        return baichuan.server_tools(self.web_search, self.retrieval)


class NIM(HostedLLMBase):
    """The NVIDIA API catalog or a self-hosted NIM (``NVIDIA_API_KEY``, ``NVIDIA_BASE_URL``).

    ```python
    from llama_index.llms.hostedllm import NIM

    print(NIM(model="meta/llama-3.3-70b-instruct").complete("Name three rivers.").text)
    ```
    """

    seed: int | None = param_field(NIM_SPEC, "seed")
    presence_penalty: float | None = param_field(NIM_SPEC, "presence_penalty")
    frequency_penalty: float | None = param_field(NIM_SPEC, "frequency_penalty")
    chat_template_kwargs: dict[str, Any] | None = param_field(NIM_SPEC, "chat_template_kwargs")

    def provider_name(self) -> str:
        return NIM_SPEC.name


class Novita(HostedLLMBase):
    """Novita AI (``NOVITA_API_KEY``).

    ```python
    from llama_index.llms.hostedllm import Novita

    print(Novita(model="qwen/qwen-2.5-72b-instruct", top_k=40).complete("Name three rivers.").text)
    ```
    """

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


class Local(HostedLLMBase):
    """A local OpenAI-compatible server (``HOSTEDLLM_LOCAL_BASE_URL``; no key needed).

    ```python
    from llama_index.llms.hostedllm import Local

    print(Local(model="smollm2-135m-instruct", api_base="http://127.0.0.1:8080/v1").complete("Hi!").text)
    ```
    """

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


class HostedLLM(HostedLLMBase):
    """Any catalog model; the provider comes from the catalog unless given.

    ```python
    from llama_index.llms.hostedllm import HostedLLM

    print(HostedLLM(model="novita:deepseek/deepseek-v3.2").complete("Why is the sky blue?").text)
    ```
    """

    provider: str | None = Field(default=None, description="The provider; found in the catalog when omitted.")

    @model_validator(mode="before")
    @classmethod
    def _provider_from_catalog(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("provider") and isinstance(data.get("model"), str):
            provider, ident = default_catalog().locate(data["model"])
            data = {**data, "provider": provider, "model": ident}
        return data

    def provider_name(self) -> str:
        if self.provider is None:
            raise RequestValidationError("HostedLLM needs a model (and, when ambiguous, a provider).")
        return self.provider
