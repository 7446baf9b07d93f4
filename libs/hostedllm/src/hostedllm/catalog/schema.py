"""The pydantic schema of ``models.toml``, checked when the catalog loads."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveInt, ValidationError, model_validator

ToolChoice = Literal["auto", "none", "required", "function"]
StatusState = Literal["active", "deprecated", "retired"]
Kind = Literal["chat", "embedding", "rerank"]
#: Where an entry's facts come from: the hand-curated file, the generated file (public sources), the
#: user's own catalog file, per-instance overrides, a live ``/models``, or nothing (an unlisted id).
Origin = Literal["curated", "generated", "user", "live", "unlisted"]


def problems(error: ValidationError) -> str:
    """A pydantic error as one line: ``where: what`` for each problem."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Price(_Strict):
    """Price per one million tokens. ``None`` means no trustworthy source was found."""

    input: NonNegativeFloat | None = None
    output: NonNegativeFloat | None = None
    currency: Literal["USD", "CNY"]
    source: str
    as_of: datetime.date


class Capabilities(_Strict):
    """What a model can do, three-valued: ``True`` and ``False`` need evidence; ``None`` is unknown.

    An unknown capability is not refused: the request is sent and the provider decides (with a
    one-time :class:`~hostedllm.catalog.UnverifiedCapabilityWarning`). Only a ``False`` refuses.
    """

    tools: bool | None = None
    #: The ``tool_choice`` values the model honours (``function``: a named function); a listed set
    #: is complete, so a value outside it is refused. ``None``: not documented.
    tool_choice: tuple[ToolChoice, ...] | None = None
    parallel_tool_calls: bool | None = None
    json_object: bool | None = None
    json_schema: bool | None = None
    vision: bool | None = None
    reasoning: bool | None = None
    #: Usage arrives in streams when ``stream_options.include_usage`` is sent.
    stream_usage: bool | None = None
    #: ``False`` only where a model is known to refuse system messages.
    system_role: bool | None = None

    @model_validator(mode="after")
    def _tool_facts_need_tools(self) -> Capabilities:
        if self.tool_choice and self.tools is not True:
            raise ValueError("tool_choice values are listed but tools is not true")
        if self.parallel_tool_calls and self.tools is not True:
            raise ValueError("parallel_tool_calls is true but tools is not true")
        return self

    def names(self) -> list[str]:
        """The capabilities known to be on, by field name."""
        return [name for name, value in self if value is True or (isinstance(value, tuple) and value)]

    def unknown(self) -> list[str]:
        """The capabilities the catalog has no evidence about."""
        return [name for name, value in self if value is None]


class ParamRange(_Strict):
    """A model-specific range that narrows or widens the provider's."""

    minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: bool | None = None


class Status(_Strict):
    state: StatusState = "active"
    since: datetime.date | None = None
    reason: str | None = None
    #: ``provider:model`` of the suggested replacement.
    replacement: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _inactive_needs_details(self) -> Status:
        if self.state != "active" and not (self.reason and self.since):
            raise ValueError(f"a {self.state} model needs a reason and a since date")
        if self.state == "retired" and not self.replacement:
            raise ValueError("a retired model must name a replacement")
        return self


class ModelEntry(_Strict):
    """One model as served by one provider."""

    provider: str
    id: str = Field(min_length=1)
    kind: Kind = "chat"
    aliases: tuple[str, ...] = ()
    context_window: PositiveInt | None = None
    max_output_tokens: PositiveInt | None = None
    #: Length of the vectors an embedding model returns by default.
    dimensions: PositiveInt | None = None
    price: Price | None = None
    capabilities: Capabilities = Capabilities()
    params: dict[str, ParamRange] = Field(default_factory=dict)
    unsupported_params: tuple[str, ...] = ()
    status: Status = Status()
    sources: tuple[str, ...] = Field(min_length=1)
    notes: str | None = None
    origin: Origin = "curated"

    @property
    def curated(self) -> bool:
        """Whether a maintainer wrote this entry by hand."""
        return self.origin == "curated"

    @property
    def key(self) -> str:
        """``provider:id``, unique across the catalog."""
        return f"{self.provider}:{self.id}"

    @model_validator(mode="after")
    def _output_fits_context(self) -> ModelEntry:
        if self.context_window and self.max_output_tokens and self.max_output_tokens > self.context_window:
            raise ValueError(f"max_output_tokens {self.max_output_tokens} exceeds context_window {self.context_window}")
        return self


class CatalogFile(_Strict):
    """The whole data file: per-provider defaults, then the models."""

    defaults: dict[str, dict[str, object]] = Field(default_factory=dict)
    model: list[dict[str, object]]
