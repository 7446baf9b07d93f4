"""``Hosted``: a LangChain string LLM (prompt in, text out) over the same chat-completions call.

Named like LangChain's own pairs (``ChatOpenAI``/``OpenAI``): ``ChatHosted`` is the chat model,
``Hosted`` the string LLM. ``HostedLLM``, its name until 0.1, is a deprecated alias (LlamaIndex's
any-model class has that name).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM, LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult

from hostedllm.reasoning import message_reasoning
from hostedllm.streaming import StreamAccumulator
from hostedllm.token_estimate import estimate_tokens
from hostedllm.tokens import Tokens
from langchain_hostedllm.connection import AnyProvider
from langchain_hostedllm.settings import HostedSettings


class Hosted(AnyProvider, HostedSettings, BaseLLM):
    """A string-in, string-out LLM for chains built on string LLMs; each prompt is one user message.

    ```python
    from langchain_hostedllm import Hosted

    llm = Hosted(model="Baichuan4-Air", provider="baichuan", max_tokens=128)
    print(llm.invoke("Write a haiku about rivers."))
    ```
    """

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_hostedllm", "llms"]

    @property
    def _llm_type(self) -> str:
        return f"hostedllm-{self.provider_name()}-text"

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = self.spec.vendor
        params["ls_model_name"] = kwargs.get("model") or self.model
        return params

    def get_num_tokens(self, text: str) -> int:
        """About how many tokens ``text`` is: an offline estimate (:mod:`hostedllm.token_estimate`).

        No tokenizer ships for these models, so the count is estimated from the text, with no
        network and no ``transformers`` (LangChain's default downloads GPT-2's tokenizer). Against
        a real tokenizer (SmolLM2's, ``bench/token_estimate.py``) on the cookbook's documents it is
        off by 5.1% on average per document (worst 6.0%), 8.3% per line of 7-42 tokens (worst 25%);
        other models' tokenizers differ more, so keep a margin. ``custom_get_token_ids``, when
        set, counts instead. A prompt is sent as one user message, which adds about 9 tokens.
        """
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return estimate_tokens(text)

    def _request(self, prompt: str, stop: list[str] | None, *, stream: bool, **kwargs: Any) -> Any:
        client = self.client(kwargs.pop("model", None))
        if stop is not None:
            kwargs["stop"] = stop
        thinking = kwargs.pop("thinking", None)
        request = client.build_request(
            [{"role": "user", "content": prompt}],
            params=self.sampling_params(**kwargs),
            stream=stream,
            extra_body=self.extra_body,
            thinking=self.thinking if thinking is None else thinking,
        )
        return client, request

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations, usage = [], Counter[str]()
        for prompt in prompts:
            client, request = self._request(prompt, stop, stream=False, **kwargs)
            answer = client.create(request)
            generations.append([_generation(choice) for choice in answer["choices"]])
            usage.update(_token_counts(answer))
        return LLMResult(generations=generations, llm_output={"token_usage": dict(usage), "model_name": self.model})

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations, usage = [], Counter[str]()
        for prompt in prompts:
            client, request = self._request(prompt, stop, stream=False, **kwargs)
            answer = await client.acreate(request)
            generations.append([_generation(choice) for choice in answer["choices"]])
            usage.update(_token_counts(answer))
        return LLMResult(generations=generations, llm_output={"token_usage": dict(usage), "model_name": self.model})

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        client, request = self._request(prompt, stop, stream=True, **kwargs)
        chunks = _Chunks()
        for wire in client.stream(request):
            for chunk in chunks(wire):
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        client, request = self._request(prompt, stop, stream=True, **kwargs)
        chunks = _Chunks()
        async for wire in client.astream(request):
            for chunk in chunks(wire):
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk


class HostedLLM(Hosted):
    """Deprecated alias of :class:`Hosted` (kept for one release; loads of saved ``HostedLLM`` objects work)."""

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn(
            "langchain_hostedllm.HostedLLM is now Hosted (as ChatOpenAI/OpenAI); the old name goes in 0.3.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(**kwargs)


def _token_counts(answer: Any) -> dict[str, int]:
    """``token_usage`` as langchain-openai reports it, with only the counts the provider sent."""
    tokens = Tokens.from_usage(answer.get("usage"))
    if tokens is None:
        return {}
    counts = {"prompt_tokens": tokens.input, "completion_tokens": tokens.output, "total_tokens": tokens.total}
    return {key: count for key, count in counts.items() if count is not None}


def _generation(choice: Any) -> Generation:
    """The answer's text; reasoning (a field or ``<think>`` tags) goes to ``generation_info``."""
    reasoning, text = message_reasoning(choice.get("message") or {})
    info = _info(choice.get("finish_reason"), reasoning)
    return Generation(text=text if isinstance(text, str) else str(text), generation_info=info)


class _Chunks:
    """Wire chunks to text chunks for one stream: each choice read by its own core accumulator."""

    def __init__(self) -> None:
        self._streams: dict[int, StreamAccumulator] = {}

    def __call__(self, wire: Any) -> list[GenerationChunk]:
        out = []
        for choice in wire.get("choices") or []:
            index = int(choice.get("index") or 0)
            delta = self._streams.setdefault(index, StreamAccumulator(choice=index)).feed({"choices": [choice]})
            out.append(GenerationChunk(text=delta.text, generation_info=_info(delta.finish_reason, delta.reasoning)))
        return out


def _info(finish_reason: str | None, reasoning: str) -> dict[str, Any] | None:
    info = {"finish_reason": finish_reason} if finish_reason else {}
    if reasoning:
        info["reasoning_content"] = reasoning
    return info or None
