"""LangChain chat models for Baichuan, the NVIDIA API catalog, Novita, local servers, and any catalog model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import model_validator

from hostedllm.adapter import StructuredMethod, force_tool_call, split_call_kwargs
from hostedllm.client import ChatClient
from hostedllm.errors import RequestValidationError
from hostedllm.provider_fields import BaichuanFields, LocalFields, NIMFields, NovitaFields
from hostedllm.streaming import StreamAccumulator
from hostedllm.token_estimate import estimate_message_tokens, estimate_tokens
from hostedllm.tools import check_tools
from hostedllm.wire_types import ChatCompletionChunk
from langchain_hostedllm.connection import AnyProvider
from langchain_hostedllm.convert import chat_result, chunk_from_delta, cost_metadata, to_wire_messages
from langchain_hostedllm.profile import facts_from_profile, profile_for
from langchain_hostedllm.settings import HostedSettings
from langchain_hostedllm.structured import structured_output_runnable


class BaseChatHosted(HostedSettings, BaseChatModel):
    """The machinery every hostedllm chat model shares; use one of its subclasses."""

    streaming: bool = False
    """Stream internally even for ``invoke`` (callbacks then see every token)."""
    stream_usage: bool | None = None
    """Usage on the last stream chunk. ``None``: on wherever the model reports it (catalog)."""

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_hostedllm", "chat_models"]

    @property
    def _llm_type(self) -> str:
        return f"hostedllm-{self.provider_name()}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "provider": self.provider_name(),
            "model": self.model,
            "base_url": self.base_url,
            **self.sampling_params(),
        }

    @model_validator(mode="before")
    @classmethod
    def _facts_from_profile(cls, data: Any) -> Any:
        """A ``profile`` the user gives states facts too: they reach every check, not only LangChain."""
        if not isinstance(data, dict) or not isinstance(data.get("profile"), Mapping):
            return data
        facts = facts_from_profile(data["profile"])
        given = {**facts.pop("capabilities", {}), **(data.get("capabilities") or {})}
        merged = {**facts, **{key: value for key, value in data.items() if value is not None}}
        return {**merged, "capabilities": given} if given else merged

    @model_validator(mode="after")
    def _check_stream_usage(self) -> BaseChatHosted:
        if self.stream_usage and self.catalog_entry.capabilities.stream_usage is False:
            raise RequestValidationError(
                f"{self.model} on {self.provider_name()} does not report usage in streams; "
                "leave stream_usage unset (usage still comes with invoke)."
            )
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        return profile_for(self.catalog_entry)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=self.spec.vendor,
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        stops = stop or self.stop
        if temperature is not None:
            params["ls_temperature"] = temperature
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stops:
            params["ls_stop"] = [stops] if isinstance(stops, str) else list(stops)
        return params

    # --- requests -------------------------------------------------------------------------

    def _request(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, *, stream: bool, **kwargs: Any
    ) -> tuple[ChatClient, dict[str, Any]]:
        client = self.client(kwargs.pop("model", None))
        shape, kwargs = split_call_kwargs(kwargs)
        if self.thinking is not None:
            shape.setdefault("thinking", self.thinking)
        server = self.server_tools()
        if server:
            shape["tools"] = [*server, *(shape.get("tools") or [])]
        if stop is not None:
            kwargs["stop"] = stop
        params = self.sampling_params(**kwargs)
        request = client.build_request(
            to_wire_messages(messages),
            params=params,
            stream=stream,
            include_usage=self.stream_usage,
            extra_body=self.extra_body,
            **shape,
        )
        if stream and request.get("n", 1) > 1:  # after the provider's own checks, which may refuse n at all
            raise RequestValidationError("n > 1 cannot be streamed; use invoke for several answers.")
        return client, request

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        client, request = self._request(messages, stop, stream=False, **kwargs)
        return chat_result(client.create(request), provider=self.spec.vendor, estimate=client.estimate_cost)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            chunks = [chunk async for chunk in self._astream(messages, stop, run_manager, **kwargs)]
            return generate_from_stream(iter(chunks))
        client, request = self._request(messages, stop, stream=False, **kwargs)
        return chat_result(await client.acreate(request), provider=self.spec.vendor, estimate=client.estimate_cost)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        client, request = self._request(messages, stop, stream=True, **kwargs)
        convert = _ChunkConverter(client, self.spec.vendor)
        for wire in client.stream(request):
            for chunk in convert(wire):
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        client, request = self._request(messages, stop, stream=True, **kwargs)
        convert = _ChunkConverter(client, self.spec.vendor)
        async for wire in client.astream(request):
            for chunk in convert(wire):
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    # --- token counts (offline estimate) ---------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """About how many tokens ``text`` is: an offline estimate (:mod:`hostedllm.token_estimate`).

        No tokenizer ships for these models, so the count is estimated from the text, with no
        network and no ``transformers`` (LangChain's default downloads GPT-2's tokenizer). Against
        a real tokenizer (SmolLM2's, ``bench/token_estimate.py``) on the cookbook's documents it is
        off by 5.1% on average per document (worst 6.0%), 8.3% per line of 7-42 tokens (worst 25%);
        other models' tokenizers differ more, so keep a margin. ``custom_get_token_ids``, when
        set, counts instead.
        """
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        return estimate_tokens(text)

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """About how many prompt tokens ``messages`` (and ``tools``) are: an offline estimate.

        The messages as sent (chat-completions dicts) with each message's role and template
        tokens, tool calls' names and arguments, and each tool's JSON schema
        (:func:`hostedllm.token_estimate.estimate_message_tokens`; an image part counts a flat
        256). No network, no ``transformers``: ``trim_messages(..., token_counter=chat)`` works
        offline. Against the local model's ``prompt_tokens`` for message lists built from the
        cookbook's documents it is off by 4.0% on average (worst 4.8%), and by 7.6% (worst 11%)
        on JSON tool schemas; other models' tokenizers and templates differ more.
        """
        schemas = [convert_to_openai_tool(tool) for tool in tools or ()]
        return estimate_message_tokens(to_wire_messages(messages), schemas, count=self.get_num_tokens)

    # --- tools and structured output -------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (checked now, without network) and an optional ``tool_choice``.

        ``"any"`` means "call a tool" and ``True`` "call this (only) tool", decided by the core's one
        policy (:func:`hostedllm.adapter.force_tool_call`): ``required`` where the model takes it,
        else the single tool by name. A tool's name forces that tool. A call the model cannot be
        made to make (Baichuan takes only ``auto``/``none``) is refused when the model is called,
        before anything is sent (LangChain expects binding to succeed).
        """
        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        check_tools(self.spec, self.catalog_entry, [*self.server_tools(), *formatted])
        choice = self._wire_tool_choice(tool_choice, [tool["function"]["name"] for tool in formatted])
        bound: dict[str, Any] = {"tools": formatted}
        if choice is not None:
            bound["tool_choice"] = choice
        if parallel_tool_calls is not None:
            bound["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(**bound, **kwargs)

    def _wire_tool_choice(self, choice: str | bool | Mapping[str, Any] | None, names: list[str]) -> Any:
        """LangChain's tool_choice spellings as the chat-completions value to send."""
        if choice is None or choice is False:
            return None if choice is None else "none"
        if choice is True or choice == "any":
            decision = force_tool_call(self.catalog_entry, names, this_tool=choice is True and len(names) == 1)
            # LangChain binds without failing; a call the model cannot be forced to make is refused
            # when invoked, before sending, by the request check (naming what the model accepts).
            return "required" if decision.problem else decision.choice
        if isinstance(choice, str):
            return (
                choice if choice in ("auto", "none", "required") else {"type": "function", "function": {"name": choice}}
            )
        return dict(choice)

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Structured output by ``json_schema``, ``function_calling`` or ``json_mode``.

        Without ``method``, the best the catalog says the model supports is used (json_schema,
        then function_calling, then json_mode); a method it does not support raises. No network.
        """
        if kwargs:
            raise RequestValidationError(f"with_structured_output got unsupported arguments {sorted(kwargs)}.")
        return structured_output_runnable(self, schema, method=method, include_raw=include_raw, strict=strict)


class _ChunkConverter:
    """Wire chunks to LangChain chunks for one stream: the core's accumulator's deltas, and the cost."""

    def __init__(self, client: ChatClient, provider: str) -> None:
        self._client = client
        self._provider = provider
        self._stream = StreamAccumulator()

    def __call__(self, wire: ChatCompletionChunk) -> list[ChatGenerationChunk]:
        delta = self._stream.feed(wire)
        chunk = chunk_from_delta(wire, delta, provider=self._provider)
        if chunk is not None and delta.tokens is not None:
            chunk.message.response_metadata.update(cost_metadata(self._client.estimate_cost(delta.tokens)))
        return [chunk] if chunk is not None else []


class ChatBaichuan(BaichuanFields, BaseChatHosted):
    """Baichuan AI's own API (``BAICHUAN_API_KEY``).

    ```python
    from langchain_hostedllm import ChatBaichuan

    chat = ChatBaichuan(model="Baichuan4-Turbo", temperature=0.3, max_tokens=512)
    print(chat.invoke("世界第一高峰是?").content)
    ```

    ``web_search`` and ``retrieval`` turn on Baichuan's own server-side tools.
    """


class ChatNIM(NIMFields, BaseChatHosted):
    """The NVIDIA API catalog or a self-hosted NIM (``NVIDIA_API_KEY``, ``NVIDIA_BASE_URL``).

    ```python
    from langchain_hostedllm import ChatNIM

    chat = ChatNIM(model="meta/llama-3.3-70b-instruct", max_tokens=256)
    print(chat.invoke("Name three rivers.").content)
    ```
    """


class ChatNovita(NovitaFields, BaseChatHosted):
    """Novita AI (``NOVITA_API_KEY``).

    ```python
    from langchain_hostedllm import ChatNovita

    chat = ChatNovita(model="qwen/qwen-2.5-72b-instruct", top_k=40, min_p=0.05)
    print(chat.invoke("Name three rivers.").content)
    ```
    """


class ChatLocal(LocalFields, BaseChatHosted):
    """A local OpenAI-compatible server: llama.cpp, vLLM, Ollama (``HOSTEDLLM_LOCAL_BASE_URL``).

    ```python
    from langchain_hostedllm import ChatLocal

    chat = ChatLocal(model="smollm2-135m-instruct", base_url="http://127.0.0.1:8080/v1")
    print(chat.invoke("Hi!").content)
    ```
    """


class ChatHosted(AnyProvider, BaseChatHosted):
    """Any catalog model; the provider comes from the catalog unless given.

    ```python
    from langchain_hostedllm import ChatHosted

    chat = ChatHosted(model="novita:deepseek/deepseek-v3.2")   # or model=..., provider="novita"
    print(chat.invoke("Why is the sky blue?").content)
    ```

    Provider-specific parameters go in ``model_kwargs`` and are checked like the others.
    """

    @property
    def lc_attributes(self) -> dict[str, Any]:
        return {"provider": self.provider}
