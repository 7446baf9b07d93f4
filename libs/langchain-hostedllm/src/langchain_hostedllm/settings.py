"""Fields shared by the chat models and the string LLM, and the core client they configure.

Construction does no network I/O: it resolves the model in the catalog (warning once if it is
deprecated or retired), the key from the provider's own env var, the base URL, and checks the
sampling parameters against the provider's ranges, so a bad value fails here, not at call time.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    model_validator,
)

from hostedllm.adapter import (
    PLACEHOLDER_MODEL,
    ClientOptions,
    gather_unknown_kwargs,
    sampling_params,
)
from hostedllm.catalog import ModelEntry
from hostedllm.client import ChatClient
from hostedllm.providers import ProviderSpec, get_provider
from hostedllm.request import check_params
from langchain_hostedllm.connection import Connection


class HostedSettings(Connection):
    """Connection (:class:`~langchain_hostedllm.connection.Connection`) and sampling settings for one
    provider model."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = Field(default=None, validation_alias=AliasChoices("max_tokens", "max_completion_tokens"))
    """Sent as ``max_tokens`` (never ``max_completion_tokens``); unset, none is sent, except the catalog's
    output budget for NVIDIA's reasoning models, whose own default cuts answers short."""
    stop: list[str] | str | None = Field(default=None, validation_alias=AliasChoices("stop", "stop_sequences"))
    thinking: bool | str | int | None = None
    """Switch a reasoning model's thinking on or off with the knob that model takes (a system-prompt
    line, ``chat_template_kwargs``, ``enable_thinking``: ``hostedllm.thinking``), or set its effort
    (``"high"``) or token budget (``4096``) where ``catalog/thinking.toml`` knows one; ``None`` sends no
    switch. Refused before sending where the catalog knows none; also per call: ``invoke(..., thinking=False)``."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """More provider parameters; each is checked against the provider's allowlist and ranges."""
    extra_body: dict[str, Any] | None = None
    """Keys sent as-is, unchecked: the explicit way to pass what the catalog does not know yet."""
    capabilities: dict[str, Any] | None = None
    """What you know the model can do, over the catalog, e.g. ``{"tools": True, "json_schema": True}``."""
    context_window: int | None = None
    """The model's context window, if the catalog lacks it or has it wrong."""
    max_output_tokens: int | None = None
    """The most tokens the model writes in one answer, if the catalog lacks it or has it wrong."""
    price: dict[str, Any] | None = None
    """USD per 1M tokens, for cost estimates: ``{"input": 0.5, "output": 1.5}`` (``currency="CNY"`` too)."""

    _clients: dict[str, ChatClient] = PrivateAttr(default_factory=dict)

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key serializes as a reference to the provider's own env var, never as its value."""
        env = self.spec.api_key_env
        return {"api_key": env} if env else {}

    @property
    def spec(self) -> ProviderSpec:
        return get_provider(self.provider_name())

    @property
    def catalog_entry(self) -> ModelEntry:
        """The catalog entry for ``model`` (context window, prices, capabilities, status)."""
        return self.client().model

    @model_validator(mode="before")
    @classmethod
    def _gather_model_kwargs(cls, data: Any) -> Any:
        return gather_unknown_kwargs(cls, data, into="model_kwargs")

    @model_validator(mode="after")
    def _set_up_client(self) -> HostedSettings:
        client = self.client()
        self.api_key = client.api_key
        check_params(self.spec, client.model, self.sampling_params())
        return self

    def client(self, model: str | None = None) -> ChatClient:
        """The core client for ``model`` (this instance's model by default), created once."""
        name = model or self.model
        found = self._clients.get(name)
        if found is None:
            found = self.client_options().client(self.spec, name)
            self._clients[name] = found
        return found

    def available_models(self) -> list[ModelEntry]:
        """What the provider serves now, each model with the catalog's facts where it has them.

        One ``GET /models`` with this instance's key and base URL (never called for you)::

            ids = [entry.id for entry in ChatNovita(model="deepseek/deepseek-v3.2").available_models()]
        """
        return self.client().available_models()

    async def aavailable_models(self) -> list[ModelEntry]:
        """:meth:`available_models` on the async path."""
        return await self.client().aavailable_models()

    @classmethod
    def get_available_models(cls, **kwargs: Any) -> list[ModelEntry]:
        """:meth:`available_models` without a model: ``api_key``, ``base_url`` (and ``provider`` for
        the any-provider classes) as keywords, e.g. ``ChatNovita.get_available_models()``."""
        return cls(**{"model": PLACEHOLDER_MODEL, "allow_unknown_model": True, **kwargs}).available_models()

    def client_options(self) -> ClientOptions:
        """This instance's connection and catalog options, as the core client takes them."""
        return ClientOptions.from_fields(
            self.__dict__, transport=self.http_transport, async_transport=self.async_http_transport
        )

    def sampling_params(self, **overrides: Any) -> dict[str, Any]:
        """Every sampling parameter set on this instance (fields named like provider parameters,
        then ``model_kwargs``), with per-call ``overrides`` on top."""
        return sampling_params(self.spec, self.__dict__, self.model_kwargs, overrides)  # __dict__: the field values

    def server_tools(self) -> list[dict[str, Any]]:
        """Provider-run tools to add to every request (Baichuan's web search and retrieval)."""
        return []
