"""Turn a provider's error answer into one typed :class:`~hostedllm.errors.APIError`.

Four envelopes are understood: OpenAI ``{"error": {...}}``, NVIDIA's problem JSON
``{"status", "title", "detail"}``, Novita's ``{"code", "reason", "message"}``, and plain text or
HTML. The class comes from the status and a few markers; the message names the provider, the
status, the request id and what to do, and never contains the key.

>>> from hostedllm.providers import get_provider
>>> error = error_from_response(get_provider("novita"), 403, {},
...     b'{"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "not enough balance"}')
>>> type(error).__name__, error.retryable
('QuotaExhaustedError', False)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hostedllm import errors
from hostedllm.providers import ProviderSpec

MAX_MESSAGE_CHARS = 300
MAX_FIELD_CHARS = 80  # a request id, code or parameter name quoted in a message
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "too many tokens",
    "prompt is too long",
)


@dataclass(frozen=True)
class ErrorDetails:
    """What an error body says, whatever its envelope."""

    message: str
    code: str | None = None
    param: str | None = None


def parse_error_body(body: bytes | str | Mapping[str, Any]) -> ErrorDetails:
    """Read the message, code and parameter from any of the four envelopes."""
    data: Any = body
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        text = text.strip()
        if text.startswith("data:"):
            text = text[5:].strip()
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter allows
            return ErrorDetails(_plain(text) or "no error details in the response body")
    if not isinstance(data, Mapping):
        return ErrorDetails(_plain(str(data)))
    inner = data.get("error")
    if isinstance(inner, Mapping):
        code = inner.get("code") or inner.get("type")
        return ErrorDetails(
            _text(inner.get("message") or inner.get("type") or inner), _opt(code), _opt(inner.get("param"))
        )
    if isinstance(inner, str):
        return ErrorDetails(_text(data.get("message") or inner), _opt(data.get("code") or data.get("type")))
    if "title" in data or "detail" in data:
        parts = [str(data[k]) for k in ("title", "detail") if data.get(k)]
        return ErrorDetails(
            _text(": ".join(parts)), _opt(data.get("type") if data.get("type") != "about:blank" else None)
        )
    if "reason" in data or "message" in data:
        reason = data.get("reason")
        message = data.get("message") or reason or ""
        text = f"{reason}: {message}" if reason and message and reason != message else str(message)
        return ErrorDetails(_text(text), _opt(reason or data.get("code")))
    return ErrorDetails(_text(data))


def error_from_response(
    spec: ProviderSpec,
    status_code: int,
    headers: Mapping[str, str],
    body: bytes | str | Mapping[str, Any],
    *,
    model: str | None = None,
    secrets: Iterable[str] = (),
    retry_after: float | None = None,
) -> errors.APIError:
    """The typed error for one failed answer (``status_code`` >= 400, or an error in a 200 stream)."""
    secrets = [secret for secret in secrets if secret]
    details = parse_error_body(redact(_as_text(body), secrets))
    # Redacted again after decoding: a key echoed with JSON escapes ("\/", "\u00..") reads in clear only now.
    message = redact(details.message, secrets)
    code, param, request_id = (
        clean_field(value, secrets) for value in (details.code, details.param, request_id_from(spec, headers))
    )
    lowered = f"{code or ''} {message}".lower()
    cls = _classify(spec, status_code, lowered)
    common: dict[str, Any] = {
        "provider": spec.name,
        "status_code": status_code,
        "request_id": request_id,
        "code": code,
        "param": param,
        "hint": _hint(spec, cls, model, param),
        "retry_after": retry_after,
    }
    return cls(message, **common)


def error_from_payload(
    spec: ProviderSpec, data: Mapping[str, Any], *, model: str | None = None, secrets: Iterable[str] = ()
) -> errors.APIError:
    """The typed error for an error object sent with HTTP 200 (in a body or in a stream)."""
    inner = data.get("error")
    status = inner.get("code") if isinstance(inner, Mapping) else data.get("status", data.get("code"))
    code = status if isinstance(status, int) and 400 <= status < 600 else 500
    return error_from_response(spec, code, {}, data, model=model, secrets=secrets)


def _classify(spec: ProviderSpec, status: int, lowered: str) -> type[errors.APIError]:
    if any(marker in lowered for marker in spec.quota_markers):
        return errors.QuotaExhaustedError
    if status >= 500 and any(marker in lowered for marker in spec.bad_request_markers):
        return errors.BadRequestError
    if status == 401 or (status == 403 and any(m in lowered for m in spec.auth_failure_markers)):
        return errors.AuthenticationError
    if status == 403:
        return errors.PermissionDeniedError
    if status == 404:
        return errors.ModelNotFoundError
    if status == 410:
        return errors.ModelRetiredError
    if status == 429:
        return errors.RateLimitError
    if status in (400, 413, 422) or (400 <= status < 500 and status not in (408, 409)):
        if any(marker in lowered for marker in _CONTEXT_MARKERS):
            return errors.ContextLengthExceededError
        return errors.BadRequestError
    return errors.ServerError


def _hint(spec: ProviderSpec, cls: type[errors.APIError], model: str | None, param: str | None) -> str:
    key = spec.api_key_env or "the API key"
    what = f"model {model!r}" if model else "this model"
    hints: dict[type[errors.APIError], str] = {
        errors.AuthenticationError: f"Check {key}: the key is missing, malformed, revoked or for another provider.",
        errors.PermissionDeniedError: f"The key in {key} may not use {what} or this endpoint; check its permissions.",
        errors.QuotaExhaustedError: (
            f"Your {spec.display_name} account is out of balance: top up, then retry. Not retried."
        ),
        errors.RateLimitError: (
            "Rate limited: lower the concurrency (max_concurrency, a rate limiter) or raise max_retries."
        ),
        errors.ModelNotFoundError: (
            f"{what.capitalize()} is unknown or not available to this account, or the base URL is wrong; "
            f"see `hostedllm models --provider {spec.name}`."
        ),
        errors.ModelRetiredError: (
            f"{what.capitalize()} has been retired; pick another with `hostedllm models --provider {spec.name}`."
        ),
        errors.ContextLengthExceededError: "Shorten the prompt or lower max_tokens to fit the context window.",
        errors.BadRequestError: (
            f"Check the parameter {param!r}."
            if param
            else "Check the request parameters against the provider's limits."
        ),
        errors.ServerError: f"{spec.display_name} failed on its side; try again later.",
    }
    return hints.get(cls, "")


def request_id_from(spec: ProviderSpec, headers: Mapping[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in spec.request_id_headers:
        if lowered.get(name):
            return lowered[name]
    return None


def _as_text(body: bytes | str | Mapping[str, Any]) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)


def redact(text: str, secrets: Iterable[str], mask: str = "****") -> str:
    """``text`` with every secret replaced by ``mask`` (done before anything is shortened)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask)
    return text


def clean_field(value: str | None, secrets: Iterable[str], limit: int = MAX_FIELD_CHARS) -> str | None:
    """A header or body field to quote in a message: redacted, on one line, cut to ``limit``."""
    if value is None:
        return None
    value = _SPACE.sub(" ", redact(value, secrets)).strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _plain(text: str) -> str:
    return _text(_TAGS.sub(" ", text))


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _opt(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
