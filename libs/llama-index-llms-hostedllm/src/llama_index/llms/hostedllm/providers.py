"""The LlamaIndex LLM of each provider, and :class:`HostedLLM` for any catalog model.

Each class is its provider's fields (:mod:`hostedllm.provider_fields`, declared once from the spec,
the same as the LangChain adapter's classes) on :class:`~llama_index.llms.hostedllm.base.BaseHostedLLM`.
"""

from __future__ import annotations

from hostedllm.provider_fields import BaichuanFields, LocalFields, NIMFields, NovitaFields
from llama_index.llms.hostedllm.base import BaseHostedLLM
from llama_index.llms.hostedllm.connection import AnyProvider


class Baichuan(BaichuanFields, BaseHostedLLM):
    """Baichuan AI's own API (``BAICHUAN_API_KEY``).

    ```python
    from llama_index.llms.hostedllm import Baichuan

    llm = Baichuan(model="Baichuan4-Turbo", temperature=0.3)
    print(llm.complete("世界第一高峰是?").text)
    ```
    """


class NIM(NIMFields, BaseHostedLLM):
    """The NVIDIA API catalog or a self-hosted NIM (``NVIDIA_API_KEY``, ``NVIDIA_BASE_URL``).

    ```python
    from llama_index.llms.hostedllm import NIM

    print(NIM(model="meta/llama-3.3-70b-instruct").complete("Name three rivers.").text)
    ```
    """


class Novita(NovitaFields, BaseHostedLLM):
    """Novita AI (``NOVITA_API_KEY``).

    ```python
    from llama_index.llms.hostedllm import Novita

    print(Novita(model="qwen/qwen-2.5-72b-instruct", top_k=40).complete("Name three rivers.").text)
    ```
    """


class Local(LocalFields, BaseHostedLLM):
    """A local OpenAI-compatible server (``HOSTEDLLM_LOCAL_BASE_URL``; no key needed).

    ```python
    from llama_index.llms.hostedllm import Local

    print(Local(model="smollm2-135m-instruct", api_base="http://127.0.0.1:8080/v1").complete("Hi!").text)
    ```
    """


class HostedLLM(AnyProvider, BaseHostedLLM):
    """Any catalog model; the provider comes from the catalog unless given.

    ```python
    from llama_index.llms.hostedllm import HostedLLM

    print(HostedLLM(model="novita:deepseek/deepseek-v3.2").complete("Why is the sky blue?").text)
    ```
    """
