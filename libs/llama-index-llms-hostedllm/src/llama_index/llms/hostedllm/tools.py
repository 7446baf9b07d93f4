"""Tool calling for the LlamaIndex LLMs: the ``chat`` arguments, and the calls read back.

The choice of how to force a call is the core's (:func:`hostedllm.adapter.force_tool_call`, as in
the LangChain adapter); LlamaIndex's idiom on top: a model that cannot be forced gets ``auto`` and a
:class:`~hostedllm.errors.ToolChoiceWarning`, where LangChain refuses when the call is made.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json

from hostedllm.adapter import force_tool_call
from hostedllm.errors import ToolChoiceWarning

if TYPE_CHECKING:
    from llama_index.llms.hostedllm.base import BaseHostedLLM

logger = logging.getLogger(__name__)


def chat_with_tools(  # noqa: PLR0917 - FunctionCallingLLM's arguments, passed on as they come
    llm: BaseHostedLLM,
    tools: Sequence[Any],
    user_msg: str | ChatMessage | None,
    chat_history: list[ChatMessage] | None,
    allow_parallel_tool_calls: bool,
    tool_required: bool,
    tool_choice: str | dict[str, Any] | None,
    kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``chat`` arguments for a tool call; the caller's ``chat_history`` is not modified.

    ``tool_required`` becomes ``required`` where the model takes it, else the single tool by name;
    a model that can honour neither (Baichuan: auto/none only) gets ``auto`` and a
    :class:`ToolChoiceWarning` saying the call is not forced. Parallel calls are allowed only where
    the catalog says the model makes them.
    """
    specs = [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]
    messages = list(chat_history or [])
    if user_msg is not None:
        messages.append(ChatMessage(role=MessageRole.USER, content=user_msg) if isinstance(user_msg, str) else user_msg)
    if tool_choice is None and specs:
        tool_choice = _required_choice(llm, specs) if tool_required else "auto"
    parallel = None
    if specs and llm.catalog_entry.capabilities.parallel_tool_calls is True:
        parallel = allow_parallel_tool_calls
    elif specs and allow_parallel_tool_calls:
        logger.info("%s on %s makes one tool call at a time; parallel calls are not offered.", llm.model, llm.spec.name)
    return {
        "messages": messages,
        "tools": specs or None,
        "tool_choice": tool_choice if specs else None,
        "parallel_tool_calls": parallel,
        **kwargs,
    }


def _required_choice(llm: BaseHostedLLM, specs: list[dict[str, Any]]) -> str | dict[str, Any]:
    decision = force_tool_call(llm.catalog_entry, [spec["function"]["name"] for spec in specs])
    if decision.problem:
        warnings.warn(decision.problem, ToolChoiceWarning, stacklevel=5)
    return decision.choice


def first_call_only(response: ChatResponse) -> ChatResponse:
    """``response`` with its tool calls after the first removed (parallel calls were not allowed)."""
    calls = [block for block in response.message.blocks if isinstance(block, ToolCallBlock)]
    for extra in calls[1:]:
        response.message.blocks.remove(extra)
    return response


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The tool calls in ``response`` (its ``ToolCallBlock``s), tolerating partial JSON arguments."""
    selections = []
    for block in response.message.blocks:
        if not isinstance(block, ToolCallBlock):
            continue
        arguments = block.tool_kwargs
        if isinstance(arguments, str):
            try:
                arguments = parse_partial_json(arguments) if arguments.strip() else {}
            except ValueError:
                arguments = {}
        selections.append(
            ToolSelection(
                tool_id=block.tool_call_id or "",
                tool_name=block.tool_name,
                tool_kwargs=arguments if isinstance(arguments, dict) else {},
            )
        )
    if error_on_no_tool_call and not selections:
        raise ValueError(f"Expected at least one tool call, but got 0. Response: {response.message.content!r}")
    return selections
