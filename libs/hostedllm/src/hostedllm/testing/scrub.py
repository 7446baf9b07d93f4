"""Keep API keys out of recorded HTTP exchanges (vcrpy's ``before_record_*`` hooks).

Which headers carry a key and which variables hold one come from the provider specs; the values
of those variables are replaced wherever they appear: URL, headers and body, of the request and
of the response (a server that echoes the key).

>>> from vcr.request import Request
>>> request = Request("POST", "https://x.test/v1?api_key=sk-12345678", b"{}", {"Authorization": "Bearer sk-1"})
>>> scrub_request(request).uri
'https://x.test/v1?api_key=REDACTED'
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

from hostedllm import provider_errors
from hostedllm.providers import PROVIDERS
from hostedllm.settings import request_headers

REDACTED = "REDACTED"
#: Query parameters and top-level JSON body fields that carry a key in APIs a chain may also call.
KEY_FIELDS = ("api_key", "apikey", "api-key", "key", "access_token")
#: Key headers of other clients a chain may use (OpenAI-compatible SDKs, Azure, Anthropic).
OTHER_KEY_HEADERS = ("api-key", "x-api-key")
#: Shorter values are not treated as keys (replacing them everywhere would garble the cassette).
MIN_KEY_LENGTH = 8
_PROBE = "hostedllm-probe-key-0123456789"


def key_headers() -> tuple[str, ...]:
    """Every header a provider's request carries its key in (found with a probe key), then the others.

    >>> key_headers()
    ('authorization', 'api-key', 'x-api-key')
    """
    names: dict[str, None] = {}
    for spec in PROVIDERS.values():
        for name, value in request_headers(spec, SecretStr(_PROBE)).items():
            if _PROBE in value:
                names[name.lower()] = None
    return (*names, *(name for name in OTHER_KEY_HEADERS if name not in names))


def key_env_vars(*, required_only: bool = False) -> tuple[str, ...]:
    """The providers' key variables, in the specs' order.

    >>> key_env_vars(required_only=True)
    ('BAICHUAN_API_KEY', 'THETURBO_API_KEY', 'NVIDIA_API_KEY', 'NOVITA_API_KEY')
    """
    return tuple(
        spec.api_key_env
        for spec in PROVIDERS.values()
        if spec.api_key_env and (spec.api_key_required or not required_only)
    )


def secret_values(extra_env: Iterable[str] = ()) -> list[str]:
    """The keys set now (providers' variables and ``extra_env``), with their URL-encoded forms, longest first."""
    values: set[str] = set()
    for name in (*key_env_vars(), *extra_env):
        value = os.environ.get(name, "")
        if len(value) >= MIN_KEY_LENGTH:
            values.update((value, quote(value, safe=""), quote_plus(value)))
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``REDACTED`` (the error normaliser's redaction).

    >>> redact("Bearer sk-12345678", ["sk-12345678"])
    'Bearer REDACTED'
    """
    return provider_errors.redact(text, secrets, mask=REDACTED)


def _redact_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    for secret in secrets:
        data = data.replace(secret.encode(), REDACTED.encode())
    return data


def _redact_query(uri: str) -> str:
    parts = urlsplit(uri)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(name.lower() in KEY_FIELDS for name, _ in pairs):
        return uri
    query = urlencode([(name, REDACTED if name.lower() in KEY_FIELDS else value) for name, value in pairs])
    return urlunsplit(parts._replace(query=query))


def _redact_json_fields(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict) or not any(isinstance(data.get(name), str) for name in KEY_FIELDS):
        return body
    return json.dumps({k: REDACTED if k in KEY_FIELDS and isinstance(v, str) else v for k, v in data.items()}).encode()


def scrub_request(request: Any, extra_env: Iterable[str] = ()) -> Any:
    """A vcrpy ``before_record_request``: key query parameters, key JSON fields and key values redacted.

    vcrpy applies it to a copy of each request before recording it and before matching it.
    """
    secrets = secret_values(extra_env)
    request.uri = redact(_redact_query(request.uri), secrets)
    for name, value in list(request.headers.items()):
        if isinstance(value, str) and any(secret in value for secret in secrets):
            request.headers[name] = redact(value, secrets)
    body = request.body
    if isinstance(body, bytes) and body:
        request.body = _redact_bytes(_redact_json_fields(body), secrets)
    return request


def scrub_response(response: dict[str, Any], extra_env: Iterable[str] = ()) -> dict[str, Any]:
    """A vcrpy ``before_record_response``: a zstd body decoded (vcrpy does gzip, deflate, br), keys redacted."""
    response = copy.deepcopy(response)
    headers: dict[str, list[str]] = response.get("headers") or {}
    body = response.get("body") or {}
    _decode_zstd(headers, body)
    secrets = secret_values(extra_env)
    if not secrets:
        return response
    for name, values in headers.items():
        headers[name] = [redact(value, secrets) if isinstance(value, str) else value for value in values]
    content = body.get("string")
    if isinstance(content, bytes):
        body["string"] = _redact_bytes(content, secrets)
    elif isinstance(content, str):
        body["string"] = redact(content, secrets)
    return response


def _decode_zstd(headers: dict[str, list[str]], body: dict[str, Any]) -> None:
    name = next((name for name in headers if name.lower() == "content-encoding"), None)
    if name is None or [value.lower() for value in headers[name]] != ["zstd"]:
        return
    try:
        import zstandard  # type: ignore[import-not-found, unused-ignore]  # httpx's zstd decoder, when installed
    except ImportError:
        return
    content = bytes(body.get("string") or b"")
    body["string"] = zstandard.ZstdDecompressor().decompressobj().decompress(content)
    del headers[name]
    for length in [key for key in headers if key.lower() == "content-length"]:
        headers[length] = [str(len(body["string"]))]
