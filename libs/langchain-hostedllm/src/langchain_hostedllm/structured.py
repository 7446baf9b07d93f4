"""``with_structured_output``: pick the method the catalog says the model supports, then parse."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from hostedllm.errors import UnsupportedCapabilityError

if TYPE_CHECKING:
    from langchain_hostedllm.chat_models import BaseChatHosted

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
PREFERENCE: tuple[StructuredMethod, ...] = ("json_schema", "function_calling", "json_mode")


def choose_method(chat: BaseChatHosted, method: StructuredMethod | None) -> StructuredMethod:
    """``method`` as given, or the best the model is known to support, else the best not known
    to be missing (tried, with a one-time warning when the request is built).

    An explicit method the model lacks is not refused here: LangChain expects construction to
    succeed, and the request builder refuses it, clearly, before anything is sent.
    """
    caps = chat.catalog_entry.capabilities
    supported = {"json_schema": caps.json_schema, "function_calling": caps.tools, "json_mode": caps.json_object}
    known = [name for name in PREFERENCE if supported[name] is True]
    untried = [name for name in PREFERENCE if supported[name] is None]
    where = f"{chat.model} on {chat.provider_name()}"
    if method is None:
        if not known and not untried:
            raise UnsupportedCapabilityError(
                f"{where} supports no structured output (no JSON schema, tools or JSON mode). "
                "Pick another model (`hostedllm models --capability json_schema`) or parse the text yourself; "
                "if you know it has one, pass capabilities={'json_schema': True} (or 'tools', 'json_object')."
            )
        return (known or untried)[0]  # an unverified one is tried; the request warns once
    if method not in supported:
        raise ValueError(f"method={method!r} is not one of {', '.join(PREFERENCE)}.")
    return method


def structured_output_runnable(
    chat: BaseChatHosted,
    schema: Mapping[str, Any] | type,
    *,
    method: StructuredMethod | None,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, Any]:
    chosen = choose_method(chat, method)
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    name = function["name"]
    is_model = isinstance(schema, type) and is_basemodel_subclass(schema)
    trace: dict[str, Any] = {
        "ls_structured_output_format": {"kwargs": {"method": chosen, "strict": strict}, "schema": schema}
    }
    llm: Runnable[LanguageModelInput, Any]
    parser: Runnable[Any, Any]
    if chosen == "function_calling":
        llm = chat.bind_tools([schema], tool_choice=_forcing_choice(chat, name), strict=strict, **trace)
        parser = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if is_model
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    else:
        if chosen == "json_schema":
            spec: dict[str, Any] = {"name": name, "schema": function.get("parameters", {})}
            if function.get("description"):
                spec["description"] = function["description"]
            if strict is not None:
                spec["strict"] = strict
            response_format: dict[str, Any] = {"type": "json_schema", "json_schema": spec}
        else:
            response_format = {"type": "json_object"}
        llm = chat.bind(response_format=response_format, **trace)
        parser = PydanticOutputParser(pydantic_object=schema) if is_model else JsonOutputParser()
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    fallback = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parsed.with_fallbacks([fallback], exception_key="parsing_error")


def _forcing_choice(chat: BaseChatHosted, name: str) -> Any:
    """The strongest tool_choice the model honours: the named function (also when undocumented),
    ``required``, else ``auto``."""
    allowed = chat.catalog_entry.capabilities.tool_choice
    if allowed is None or "function" in allowed:
        return {"type": "function", "function": {"name": name}}
    if "required" in allowed:
        return "required"
    return "auto"
