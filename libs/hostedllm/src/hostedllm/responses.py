"""Read a non-streamed chat-completions answer into a checked dict.

The check is the shape every reader relies on, made once here so that no adapter needs its own:
a non-empty ``choices`` list of objects, each with a ``message`` object whose ``content`` is text,
``None`` or a list of parts, whose ``tool_calls`` is a list of objects with a ``function`` object
(``name`` and ``arguments`` text; left out or ``null``, they are read as ``""``), a text or ``null``
``finish_reason`` and ``logprobs`` as chat completions has them. Anything else is a
:class:`MalformedResponseError` naming where the answer went wrong. ``usage`` is bookkeeping, not the
answer: one of the wrong shape is "not reported" (:func:`hostedllm.tokens.checked_usage`).
Only types are checked, and only what the adapters read: it is on the path of every call.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, cast

from hostedllm.errors import MalformedResponseError
from hostedllm.provider_errors import error_from_payload, redact
from hostedllm.providers import ProviderSpec
from hostedllm.tokens import checked_usage
from hostedllm.wire_types import ChatCompletion

#: A key the answer left out (told apart from an explicit ``null`` in messages).
_MISSING: Any = object()
_NOT_JSON_HINT = "The endpoint may not be a chat-completions API; check the base URL."
_BROKEN_HINT = "The provider sent a broken answer; retry the request."


class Problem(NamedTuple):
    """Where an answer has the wrong shape: a path (``choices[0].message``), what belongs there, what came."""

    where: str
    expected: str
    value: Any

    def describe(self, secrets: tuple[str, ...]) -> str:
        """``"<where> is not <expected>: <snippet>"``, the snippet redacted and short."""
        if self.value is _MISSING:
            return f"{self.where} is not {self.expected}: missing"
        snippet = redact(json.dumps(self.value, ensure_ascii=False), secrets)[:80]
        return f"{self.where} is not {self.expected}: {snippet!r}"


def parse_completion(
    spec: ProviderSpec, content: bytes, *, model: str | None = None, secrets: tuple[str, ...] = ()
) -> ChatCompletion:
    """The answer as a dict, with ``finish_reason: ""`` made ``None``; unknown keys are kept.

    >>> from hostedllm.providers import get_provider
    >>> parse_completion(get_provider("novita"), b'{"choices": [{"message": {"content": "Hi"}}]}')
    {'choices': [{'message': {'content': 'Hi'}}]}
    >>> parse_completion(get_provider("novita"), b'{"choices": [{"message": "Hi"}]}')
    Traceback (most recent call last):
    ...
    hostedllm.errors.MalformedResponseError: [novita] HTTP 200: the answer's choices[0].message is not an object: \
'"Hi"'. The provider sent a broken answer; retry the request.
    """
    try:
        data: Any = json.loads(content.decode("utf-8", "replace"))  # a stray bad byte is not a broken answer
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter allows
        snippet = redact(content.decode("utf-8", "replace"), secrets)[:80]
        raise _malformed(spec, f"the answer is not JSON: {snippet!r}", _NOT_JSON_HINT) from None
    if isinstance(data, dict) and "error" in data and "choices" not in data:
        raise error_from_payload(spec, data, model=model, secrets=secrets)
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise _malformed(spec, "the answer has no 'choices' list", _NOT_JSON_HINT)
    if not _well_formed(data, data["choices"]):
        _check(spec, data, secrets)  # raises, or reads what may be read (a usage of the wrong shape)
    return cast(ChatCompletion, data)


def _well_formed(data: dict[str, Any], choices: list[Any]) -> bool:
    """The common case, checked inline (on the path of every call): every choice and the usage as the
    readers need them, with ``finish_reason: ""`` made ``None``. ``False`` sends the answer to :func:`_check`."""
    if not choices:
        return False
    for choice in choices:
        if type(choice) is not dict:  # json.loads makes dicts and lists, never subclasses
            return False
        finish = choice.get("finish_reason")
        if type(finish) is not str:
            if finish is not None:
                return False
        elif not finish:
            choice["finish_reason"] = None
        message = choice.get("message")
        if type(message) is not dict:
            return False
        content = message.get("content")
        if (content is not None and type(content) is not str) or choice.get("logprobs") is not None:
            return False  # a list of parts, or logprobs: rare, checked item by item
        calls = message.get("tool_calls")
        if calls is not None and not _calls_well_formed(calls):
            return False
    usage = data.get("usage")
    if usage is None:
        return True
    if type(usage) is not dict:
        return False
    prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    total = usage.get("total_tokens", 0)
    return type(prompt) is int and type(completion) is int and type(total) is int and (prompt | completion | total) >= 0


def _calls_well_formed(calls: Any) -> bool:
    if type(calls) is not list:
        return False
    for call in calls:
        if type(call) is not dict:
            return False
        function, call_id = call.get("function"), call.get("id")
        if type(function) is not dict or (call_id is not None and type(call_id) is not str):
            return False
        if type(function.get("name")) is not str or type(function.get("arguments")) is not str:
            return False
    return True


def _check(spec: ProviderSpec, data: dict[str, Any], secrets: tuple[str, ...]) -> None:
    """The slow path: raise for the first place the answer has the wrong shape; otherwise read a tool
    call's missing name or arguments as ``""`` and a usage of the wrong shape as not reported."""
    if not data["choices"]:
        raise _malformed(spec, "the answer's 'choices' list is empty (no answer in it)", _BROKEN_HINT)
    problem = _choices_problem(data["choices"])
    if problem is not None:
        raise _malformed(spec, f"the answer's {problem.describe(secrets)}", _BROKEN_HINT)
    usage = data.get("usage")
    if usage is not None and checked_usage(usage) is None:
        del data["usage"]  # not an object: not reported


def _choices_problem(choices: list[Any]) -> Problem | None:
    """The first place the choices have the wrong shape; ``finish_reason: ""`` is made ``None`` on the way."""
    for position, choice in enumerate(choices):
        if type(choice) is not dict:  # json.loads makes dicts and lists, never subclasses
            return Problem(f"choices[{position}]", "an object", choice)
        finish = choice.get("finish_reason")
        if finish is not None and type(finish) is not str:
            return Problem(f"choices[{position}].finish_reason", "text", finish)
        if finish == "":
            choice["finish_reason"] = None
        message = choice.get("message", _MISSING)
        if type(message) is not dict:
            return Problem(f"choices[{position}].message", "an object", message)
        content = message.get("content")
        if content is not None and type(content) is not str:
            problem = _parts_problem(content, f"choices[{position}].message.content")
            if problem is not None:
                return problem
        calls = message.get("tool_calls")
        if calls is not None:
            problem = _calls_problem(calls, f"choices[{position}].message.tool_calls")
            if problem is not None:
                return problem
        logprobs = choice.get("logprobs")
        if logprobs is not None:
            problem = logprobs_problem(logprobs)
            if problem is not None:
                return problem._replace(where=f"choices[{position}].{problem.where}")
    return None


def _parts_problem(content: Any, where: str) -> Problem | None:
    if type(content) is not list:
        return Problem(where, "text or a list of content parts", content)
    for position, part in enumerate(content):
        if type(part) is not dict and type(part) is not str:
            return Problem(f"{where}[{position}]", "a content part (an object or text)", part)
    return None


def _calls_problem(calls: Any, where: str) -> Problem | None:
    """Tool calls: a list of objects, each with a ``function`` object; a name or arguments left out become ``""``."""
    if type(calls) is not list:
        return Problem(where, "a list", calls)
    for position, call in enumerate(calls):
        if type(call) is not dict:
            return Problem(f"{where}[{position}]", "an object", call)
        function = call.get("function", _MISSING)
        if type(function) is not dict:
            return Problem(f"{where}[{position}].function", "an object", function)
        call_id = call.get("id")
        if call_id is not None and type(call_id) is not str:
            return Problem(f"{where}[{position}].id", "text", call_id)
        for key in ("name", "arguments"):
            value = function.get(key)
            if type(value) is not str:
                if value is not None:
                    return Problem(f"{where}[{position}].function.{key}", "text", value)
                function[key] = ""  # left out: read as empty, as a stream's accumulated call has it
    return None


def logprobs_problem(logprobs: Any) -> Problem | None:
    """Where a choice's ``logprobs`` (not ``None``) departs from chat completions': an object whose
    ``content`` and ``refusal`` are lists of ``{token, logprob, bytes, top_logprobs}`` objects or ``null``.

    >>> logprobs_problem({"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]})
    >>> logprobs_problem({"content": [{"token": 5}]})
    Problem(where='logprobs.content[0].token', expected='text', value=5)
    """
    if type(logprobs) is not dict:
        return Problem("logprobs", "an object", logprobs)
    for key in ("content", "refusal"):
        entries = logprobs.get(key)
        if entries is None:
            continue
        if type(entries) is not list:
            return Problem(f"logprobs.{key}", "a list", entries)
        for position, entry in enumerate(entries):
            problem = _entry_problem(entry, f"logprobs.{key}[{position}]")
            if problem is not None:
                return problem
    return None


def _entry_problem(entry: Any, where: str) -> Problem | None:
    problem = _logprob_problem(entry, where)
    if problem is not None:
        return problem
    top = entry.get("top_logprobs")
    if top is None:
        return None
    if type(top) is not list:
        return Problem(f"{where}.top_logprobs", "a list", top)
    for rank, alternative in enumerate(top):
        problem = _logprob_problem(alternative, f"{where}.top_logprobs[{rank}]")
        if problem is not None:
            return problem
    return None


def _logprob_problem(entry: Any, where: str) -> Problem | None:
    if type(entry) is not dict:
        return Problem(where, "an object", entry)
    token, logprob, token_bytes = entry.get("token"), entry.get("logprob"), entry.get("bytes")
    if token is not None and type(token) is not str:
        return Problem(f"{where}.token", "text", token)
    if logprob is not None and type(logprob) is not float and type(logprob) is not int:
        return Problem(f"{where}.logprob", "a number", logprob)
    if token_bytes is not None and (type(token_bytes) is not list or any(type(b) is not int for b in token_bytes)):
        return Problem(f"{where}.bytes", "a list of integers", token_bytes)
    return None


def _malformed(spec: ProviderSpec, message: str, hint: str) -> MalformedResponseError:
    return MalformedResponseError(message, provider=spec.name, status_code=200, hint=hint)
