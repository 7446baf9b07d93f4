"""``with_structured_output``: pick the method the catalog says the model supports, then parse."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from hostedllm.adapter import StructuredMethod, force_tool_call, json_schema_format, structured_method

if TYPE_CHECKING:
    from langchain_hostedllm.chat_models import BaseChatHosted


def choose_method(chat: BaseChatHosted, method: StructuredMethod | None) -> StructuredMethod:
    """``method`` as given, or the best for the model (:func:`hostedllm.adapter.structured_method`).

    An explicit method the model lacks is not refused here: LangChain expects construction to
    succeed, and the request builder refuses it, clearly, before anything is sent.
    """
    return structured_method(chat.catalog_entry, method)


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
            response_format = json_schema_format(
                name, function.get("parameters", {}), function.get("description"), strict
            )
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
    """This tool, as strongly as the model allows; ``auto`` (unforced) where it cannot be forced."""
    return force_tool_call(chat.catalog_entry, [name], this_tool=True).choice
