"""Check a message list against what a provider and model accept, before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hostedllm.catalog.evidence import require
from hostedllm.catalog.schema import ModelEntry
from hostedllm.errors import InvalidMessagesError, UnsupportedCapabilityError
from hostedllm.images import check_image_part, with_asset_tags
from hostedllm.providers import ProviderSpec
from hostedllm.thinking import sends_reasoning_back

_KEY_ORDER = ("role", "content", "name", "tool_calls", "tool_call_id")


def check_messages(
    spec: ProviderSpec, model: ModelEntry, messages: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Return the messages as new dicts in a stable key order, or raise :class:`InvalidMessagesError`."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise InvalidMessagesError("messages must be a non-empty list of {'role': ..., 'content': ...} dicts.")
    checked = [_check_one(spec, model, index, message) for index, message in enumerate(messages)]
    _reasoning_for(model, checked)
    if spec.alternating_roles:
        _check_alternation(spec, checked)
    return checked


def _check_one(spec: ProviderSpec, model: ModelEntry, index: int, message: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        raise InvalidMessagesError(f"messages[{index}] is a {type(message).__name__}, not a dict with 'role'.")
    role = message.get("role")
    if role not in spec.message_roles:
        allowed = ", ".join(sorted(spec.message_roles))
        raise InvalidMessagesError(
            f"messages[{index}] has role {role!r}, which {spec.name} does not accept. Use one of: {allowed}."
        )
    if role == "system" and model.capabilities.system_role is False:
        raise UnsupportedCapabilityError(
            f"{model.id} on {spec.name} has no system role: put the instructions at the start "
            "of the first user message instead (if you know it has one, pass capabilities={'system_role': True})."
        )
    content = message.get("content")
    if role == "tool" and not message.get("tool_call_id"):
        raise InvalidMessagesError(f"messages[{index}] is a tool result without 'tool_call_id'.")
    if content is None and not (role == "assistant" and message.get("tool_calls")):
        raise InvalidMessagesError(f"messages[{index}] ({role}) has no content.")
    if isinstance(content, list):
        content = _check_parts(spec, model, index, content)
        if spec.images.asset_headers:
            content = with_asset_tags(content) or content
    elif content is not None and not isinstance(content, str):
        raise InvalidMessagesError(
            f"messages[{index}].content is a {type(content).__name__}; use a string or a list of content parts."
        )
    ordered = {key: message[key] for key in _KEY_ORDER if key in message}
    ordered.update({key: value for key, value in message.items() if key not in ordered})
    if content is not message.get("content"):  # the checked parts, or NVIDIA's asset form
        ordered["content"] = content
    if content is None and spec.empty_content_not_null:
        ordered["content"] = ""
    return ordered


def _reasoning_for(model: ModelEntry, messages: list[dict[str, Any]]) -> None:
    """Earlier turns' ``reasoning_content`` kept (an empty one added) for a model that needs it back,
    stripped for every other (DeepSeek R1 refuses it; most templates ignore it)."""
    keep = None
    for message in messages:
        if message["role"] != "assistant":
            continue
        if keep is None:
            keep = sends_reasoning_back(model)
        if not keep:
            message.pop("reasoning_content", None)
        elif not isinstance(message.get("reasoning_content"), str):
            message["reasoning_content"] = ""


def _check_parts(spec: ProviderSpec, model: ModelEntry, index: int, parts: list[Any]) -> list[Any]:
    checked = []
    for part in parts:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind is None:
            raise InvalidMessagesError(f"messages[{index}].content has a part without a 'type': {part!r}.")
        if kind in ("image_url", "input_image", "video_url"):
            hint = "Send text only or pick a vision model (`hostedllm models --capability vision`)"
            require(model, "vision", "images", alternative=hint)
        if kind in ("file", "input_audio", "input_file"):
            raise UnsupportedCapabilityError(
                f"{model.id} on {spec.name} does not take {kind} parts (no catalog model takes files or "
                "audio yet); extract the text first and send it as text."
            )
        checked.append(check_image_part(spec, part, index) if kind == "image_url" else part)
    return checked


def _check_alternation(spec: ProviderSpec, messages: list[dict[str, Any]]) -> None:
    """System first (optional), then user and assistant alternating; tool results follow tool calls."""
    expected = "user"
    previous: dict[str, Any] | None = None
    for index, message in enumerate(messages):
        role = message["role"]
        if role == "system":
            if index != 0:
                raise InvalidMessagesError(
                    f"messages[{index}] is a system message, but {spec.name} takes one only as the first message."
                )
        elif role == "tool":
            if previous is None or not (previous["role"] == "tool" or previous.get("tool_calls")):
                raise InvalidMessagesError(
                    f"messages[{index}] is a tool result that does not follow an assistant tool call."
                )
            expected = "assistant"
        elif role != expected:
            raise InvalidMessagesError(
                f"messages[{index}] is {role!r} where {spec.name} expects {expected!r}: user and assistant "
                "turns must alternate. Merge consecutive messages of the same role into one."
            )
        else:
            expected = "assistant" if role == "user" else "user"
        previous = message
