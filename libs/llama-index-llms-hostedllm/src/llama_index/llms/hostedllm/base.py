"""What every hostedllm LlamaIndex LLM shares: :class:`BaseHostedLLM` (fields, the core client, metadata,
chat and completion, streaming); tool calling and structured output decide in ``tools.py`` and
``structured.py``, and each provider's class is in ``providers.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, model_validator
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.prompts import BasePromptTemplate
from llama_index.core.types import Model

from hostedllm.adapter import (
    PLACEHOLDER_MODEL,
    ClientOptions,
    gather_unknown_kwargs,
    sampling_params,
    split_call_kwargs,
)
from hostedllm.catalog import ModelEntry
from hostedllm.client import ChatClient
from hostedllm.errors import RequestValidationError
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.request import check_params, max_tokens_limit
from llama_index.llms.hostedllm.connection import Connection
from llama_index.llms.hostedllm.convert import StreamAssembler, chat_response, to_wire_messages
from llama_index.llms.hostedllm.structured import by_json_schema, parse_structured, schema_format
from llama_index.llms.hostedllm.tools import chat_with_tools, first_call_only, tool_selections


class BaseHostedLLM(Connection, FunctionCallingLLM):
    """What every hostedllm LlamaIndex LLM shares; use one of its subclasses."""

    model: str = Field(description="The model id (or alias) from the catalog.")
    temperature: float | None = Field(default=None, description="Sampling temperature, in the provider's range.")
    top_p: float | None = Field(default=None, description="Nucleus sampling, in the provider's range.")
    max_tokens: int | None = Field(default=None, description="Sent as max_tokens; no default cuts answers short.")
    stop: list[str] | str | None = Field(default=None, description="Text that ends the answer.")
    thinking: bool | str | int | None = Field(
        default=None,
        description="Switch a reasoning model's thinking on or off with the knob that model takes, or set its "
        "effort ('high') or token budget (4096) where the catalog knows one; None sends none.",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="More provider parameters, checked against the provider's ranges."
    )
    context_window: int | None = Field(default=None, description="Override the catalog's context window.")
    max_output_tokens: int | None = Field(default=None, description="Override the catalog's max output tokens.")
    is_function_calling_model: bool | None = Field(
        default=None, description="Say whether the model calls tools (the catalog's tools flag, for every check)."
    )
    capabilities: dict[str, Any] | None = Field(
        default=None, description='What you know the model can do, over the catalog, e.g. {"json_schema": True}.'
    )
    price: dict[str, Any] | None = Field(
        default=None, description='USD per 1M tokens for cost estimates, e.g. {"input": 0.5, "output": 1.5}.'
    )

    _client: ChatClient | None = PrivateAttr(default=None)
    _metadata: tuple[Any, LLMMetadata] | None = PrivateAttr(default=None)

    @property
    def spec(self) -> ProviderSpec:
        return get_provider(self.provider_name())

    @property
    def catalog_entry(self) -> ModelEntry:
        return self.client.model

    @property
    def client(self) -> ChatClient:
        """The core client, created on first use (read on every call: straight from pydantic's
        private-attribute dict, a microsecond cheaper than its attribute lookup)."""
        client: ChatClient | None = self._private("_client")
        if client is None:
            client = self._client = ClientOptions.from_fields(
                self.__dict__,
                base_url=self.api_base,
                capabilities=self._stated_capabilities(),
                transport=self.http_transport,
                async_transport=self.async_http_transport,
            ).client(self.spec, self.model)
        return client

    def _private(self, name: str) -> Any:
        private = self.__pydantic_private__
        return private.get(name) if private else None

    def _stated_capabilities(self) -> dict[str, Any] | None:
        stated = dict(self.capabilities or {})
        if self.is_function_calling_model is not None:
            stated.setdefault("tools", self.is_function_calling_model)
        return stated or None

    @model_validator(mode="before")
    @classmethod
    def _gather_additional_kwargs(cls, data: Any) -> Any:
        return gather_unknown_kwargs(cls, data, into="additional_kwargs")

    @model_validator(mode="after")
    def _set_up(self) -> BaseHostedLLM:
        self.api_key = self.client.api_key
        check_params(self.spec, self.catalog_entry, self.sampling_params())
        return self

    def available_models(self) -> list[ModelEntry]:
        """What the provider serves now, each model with the catalog's facts where it has them.

        One ``GET /models`` with this instance's key and base URL (never called for you)::

            ids = [entry.id for entry in Novita(model="deepseek/deepseek-v3.2").available_models()]
        """
        return self.client.available_models()

    async def aavailable_models(self) -> list[ModelEntry]:
        """:meth:`available_models` on the async path."""
        return await self.client.aavailable_models()

    @classmethod
    def get_available_models(cls, **kwargs: Any) -> list[ModelEntry]:
        """:meth:`available_models` without a model: ``api_key``, ``api_base`` (and ``provider`` for
        :class:`HostedLLM`) as keywords, e.g. ``Novita.get_available_models()``."""
        return cls(**{"model": PLACEHOLDER_MODEL, "allow_unknown_model": True, **kwargs}).available_models()

    def sampling_params(self, **overrides: Any) -> dict[str, Any]:
        # self.__dict__ holds the field values (cheaper than iterating the model)
        params = sampling_params(self.spec, self.__dict__, self.additional_kwargs, overrides)
        if "n" in self.spec.params and isinstance(params.get("n"), int) and params["n"] > 1:  # else refused as unknown
            raise RequestValidationError(
                f"n={params['n']}: a LlamaIndex LLM reads one answer per call, so the other "
                f"{params['n'] - 1} would be paid for and dropped. Leave n unset and call again for more answers."
            )
        return params

    @classmethod
    def class_name(cls) -> str:
        return f"hostedllm_{cls.__name__}"

    def to_payload(self) -> dict[str, Any]:
        """What instrumentation events carry: LlamaIndex's metadata plus the provider (never the key)."""
        return {**super().to_payload(), "provider": self.provider_name()}

    @property
    def metadata(self) -> LLMMetadata:
        """From the catalog entry with what the user stated on top; a model whose tool calling is
        unknown counts as function-calling (agents try tools, the request warns once). Built once per
        ``max_tokens`` value: every call's instrumentation events read it."""
        entry = self.catalog_entry
        cached: tuple[Any, LLMMetadata] | None = self._private("_metadata")
        key = (entry, self.max_tokens)
        if cached is not None and cached[0] == key:
            return cached[1].model_copy()  # a copy: the caller may change it
        metadata = LLMMetadata(
            context_window=entry.context_window or DEFAULT_CONTEXT_WINDOW,
            num_output=self.max_tokens or max_tokens_limit(entry) or DEFAULT_NUM_OUTPUTS,
            is_chat_model=True,
            is_function_calling_model=entry.capabilities.tools is not False,
            model_name=self.model,
            system_role=MessageRole.USER if entry.capabilities.system_role is False else MessageRole.SYSTEM,
        )
        self._metadata = (key, metadata)
        return metadata.model_copy()

    # --- chat -------------------------------------------------------------------------------

    def server_tools(self) -> list[dict[str, Any]]:
        """Provider-run tools added to every request (Baichuan's web search and retrieval)."""
        return []

    def _request(self, messages: Sequence[ChatMessage], *, stream: bool, **kwargs: Any) -> dict[str, Any]:
        shape, kwargs = split_call_kwargs(kwargs)
        if self.thinking is not None:
            shape.setdefault("thinking", self.thinking)
        if self.server_tools():
            shape["tools"] = [*self.server_tools(), *(shape.get("tools") or [])]
        return self.client.build_request(
            to_wire_messages(messages), params=self.sampling_params(**kwargs), stream=stream, **shape
        )

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return chat_response(self.client.create(self._request(messages, stream=False, **kwargs)))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return chat_response(await self.client.acreate(self._request(messages, stream=False, **kwargs)))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._request(messages, stream=True, **kwargs)

        def generate() -> ChatResponseGen:
            assembler = StreamAssembler()
            for chunk in self.client.stream(request):
                yield assembler.feed(chunk)

        return generate()

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        request = self._request(messages, stream=True, **kwargs)

        async def generate() -> ChatResponseAsyncGen:
            assembler = StreamAssembler()
            async for chunk in self.client.astream(request):
                yield assembler.feed(chunk)

        return generate()

    # --- completion: the prompt becomes one user message (never the legacy completions API) --

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return chat_to_completion_decorator(self.chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return await achat_to_completion_decorator(self.achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        return stream_chat_to_completion_decorator(self.stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseAsyncGen:
        return await astream_chat_to_completion_decorator(self.astream_chat)(prompt, **kwargs)

    # --- tools (the decisions in tools.py) ----------------------------------------------------

    def _prepare_chat_with_tools(  # noqa: PLR0917 - the signature FunctionCallingLLM defines
        self,
        tools: Sequence[Any],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat`` arguments for a tool call (:func:`~llama_index.llms.hostedllm.tools.chat_with_tools`)."""
        return chat_with_tools(
            self, tools, user_msg, chat_history, allow_parallel_tool_calls, tool_required, tool_choice, kwargs
        )

    def _validate_chat_with_tools_response(
        self, response: ChatResponse, tools: Sequence[Any], allow_parallel_tool_calls: bool = False, **kwargs: Any
    ) -> ChatResponse:
        return response if allow_parallel_tool_calls else first_call_only(response)

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """The tool calls in ``response`` (its ``ToolCallBlock``s), tolerating partial JSON arguments."""
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)

    # --- structured output (the decisions in structured.py) -----------------------------------

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """A JSON-schema response format where the core's choice (:func:`hostedllm.adapter.structured_method`,
        the same as LangChain's) is one; else LlamaIndex's own route (tools for function-calling
        models, a JSON prompt otherwise)."""
        if not by_json_schema(self.catalog_entry):
            return cast(Model, super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args))
        messages = prompt.format_messages(llm=self, **prompt_args)
        response = self.chat(messages, response_format=schema_format(output_cls), **(llm_kwargs or {}))
        return parse_structured(output_cls, response.message.content)

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: BasePromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        if not by_json_schema(self.catalog_entry):
            return cast(Model, await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args))
        messages = prompt.format_messages(llm=self, **prompt_args)
        response = await self.achat(messages, response_format=schema_format(output_cls), **(llm_kwargs or {}))
        return parse_structured(output_cls, response.message.content)


#: The name before 0.2 (``BaseHostedLLM`` now, as LangChain's ``BaseChatHosted``); kept for one release.
HostedLLMBase = BaseHostedLLM
