"""Read a non-streamed chat-completions answer into a checked dict."""

from __future__ import annotations

import json
from typing import Any, cast

from hostedllm.errors import MalformedResponseError
from hostedllm.provider_errors import error_from_payload, redact
from hostedllm.providers import ProviderSpec
from hostedllm.wire_types import ChatCompletion


def parse_completion(
    spec: ProviderSpec, content: bytes, *, model: str | None = None, secrets: tuple[str, ...] = ()
) -> ChatCompletion:
    """The answer as a dict, with ``finish_reason: ""`` made ``None``; unknown keys are kept.

    >>> from hostedllm.providers import get_provider
    >>> parse_completion(get_provider("novita"), b'{"choices": [{"message": {"content": "Hi"}}]}')
    {'choices': [{'message': {'content': 'Hi'}}]}
    """
    try:
        data: Any = json.loads(content.decode("utf-8", "replace"))  # a stray bad byte is not a broken answer
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter allows
        snippet = redact(content.decode("utf-8", "replace"), secrets)[:80]
        raise _malformed(spec, f"the answer is not JSON: {snippet!r}") from None
    if isinstance(data, dict) and "error" in data and "choices" not in data:
        raise error_from_payload(spec, data, model=model, secrets=secrets)
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise _malformed(spec, "the answer has no 'choices' list")
    for choice in data["choices"]:
        if isinstance(choice, dict) and choice.get("finish_reason") == "":
            choice["finish_reason"] = None
    return cast(ChatCompletion, data)


def _malformed(spec: ProviderSpec, message: str) -> MalformedResponseError:
    return MalformedResponseError(
        message,
        provider=spec.name,
        status_code=200,
        hint="The endpoint may not be a chat-completions API; check the base URL.",
    )
