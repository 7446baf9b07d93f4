"""Where a client's key and base URL come from, and the checks that keep the key safe."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import SecretStr

from hostedllm.errors import ConfigurationError
from hostedllm.providers import ProviderSpec

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def resolve_api_key(spec: ProviderSpec, api_key: str | SecretStr | None) -> SecretStr | None:
    """The explicit key, else the provider's own env var (never another provider's).

    >>> from hostedllm.providers import get_provider
    >>> resolve_api_key(get_provider("novita"), "nk-123")
    SecretStr('**********')
    """
    if isinstance(api_key, SecretStr):
        value = api_key.get_secret_value()
    else:
        value = api_key if api_key is not None else os.environ.get(spec.api_key_env or "", "")
    if value:
        check_key(spec, value)
        return SecretStr(value)
    if spec.api_key_required:
        raise ConfigurationError(
            f"No API key for {spec.display_name}: set {spec.api_key_env} or pass api_key=."
            + (f" Get a key at {spec.key_url}." if spec.key_url else "")
        )
    return None


def resolve_base_url(spec: ProviderSpec, base_url: str | None, *, allow_insecure_http: bool = False) -> str:
    """The explicit base URL, else ``{spec.base_url_env}``, else the provider's default; checked.

    Plain ``http`` is refused for any host but loopback unless ``allow_insecure_http=True``,
    because the key would cross the network in clear text.
    """
    url = (base_url or os.environ.get(spec.base_url_env) or spec.base_url).rstrip("/")
    shown = without_credentials(url)
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        hostname = None
    if not hostname or parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"base_url {shown!r} is not an http(s) URL such as {spec.base_url!r}.")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(hostname):
        raise ConfigurationError(
            f"base_url {shown!r} uses plain http to a non-loopback host, which would send the API key "
            "unencrypted. Use https, or pass allow_insecure_http=True if the network is trusted."
        )
    if "@" in parts.netloc:
        key = f"api_key= (or {spec.api_key_env})" if spec.api_key_env else "api_key="
        raise ConfigurationError(
            f"base_url {shown!r} carries a user name or password: it would show in reprs, traces and error "
            f"messages, and be sent instead of the key. Remove it from the URL; pass the key as {key} and "
            "any other credential in default_headers."
        )
    return url


def without_credentials(url: str) -> str:
    """``url`` with any ``user:password@`` part shown as ``***@``.

    >>> without_credentials("http://user:pw@127.0.0.1:8000/v1")
    'http://***@127.0.0.1:8000/v1'
    """
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if not sep or "@" not in netloc:
        return url
    return f"{scheme}://***@{netloc.rpartition('@')[2]}{slash}{path}"


def check_key(spec: ProviderSpec, key: str) -> None:
    """Refuse a key that cannot be sent in a header as it is, naming what is wrong, never the key.

    >>> from hostedllm.providers import get_provider
    >>> check_key(get_provider("novita"), "nk-123\\n")
    Traceback (most recent call last):
    ...
    hostedllm.errors.ConfigurationError: The API key for Novita AI ends with a line break ...
    """
    problem = _header_value_problem(key, strict=True)
    if problem:
        where = f"{spec.api_key_env} or api_key=" if spec.api_key_env else "api_key="
        raise ConfigurationError(
            f"The API key for {spec.display_name} {problem} ({where}); keys are printable ASCII. "
            "Copy the key again without it."
        )


def check_headers(headers: Mapping[str, str]) -> None:
    """Refuse ``default_headers`` that cannot be sent as they are (naming the header, never its value)."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfigurationError(
                f"default_headers has a header name {_shown_name(name)} that is not a valid HTTP header name "
                "(letters, digits and !#$%&'*+-.^_`|~ only)."
            )
        if not isinstance(value, str):
            raise ConfigurationError(f"default_headers[{name!r}] is a {type(value).__name__}; give it as a str.")
        problem = _header_value_problem(value, strict=False)
        if problem:
            raise ConfigurationError(
                f"default_headers[{name!r}] {problem}; HTTP header values are ASCII without line breaks, "
                "control characters or surrounding spaces. Fix the value (it is not shown here)."
            )


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _shown_name(name: object) -> str:
    return repr(name)[:40] if isinstance(name, str) and name.isprintable() else f"({type(name).__name__})"


def _header_value_problem(value: str, *, strict: bool) -> str | None:
    """What stops ``value`` from being sent as a header value as it is (``None``: nothing);
    ``strict`` (keys) also refuses inner spaces."""
    if value.isascii() and value.isprintable() and value == value.strip() and (not strict or " " not in value):
        return None  # the common case, checked at C speed
    if value != value.rstrip():
        return f"ends with {_describe(value[-1])}"
    if value != value.lstrip():
        return f"starts with {_describe(value[0])}"
    for char in value:
        if char in "\r\n":
            return "contains a line break"
        if char == "\0":
            return "contains a NUL character"
        if not char.isascii():
            return "contains a non-ASCII character"
        if not char.isprintable() and char != "\t":
            return f"contains the control character U+{ord(char):04X}"
        if strict and char in " \t":
            return "contains a space or tab"
    return None


def _describe(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char == "\0":
        return "a NUL character"
    return "a space" if char == " " else f"the character U+{ord(char):04X}"


def request_headers(
    spec: ProviderSpec, api_key: SecretStr | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The headers every request to ``spec`` carries (the key only in ``Authorization``)."""
    from hostedllm import __version__

    if extra:
        check_headers(extra)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"hostedllm/{__version__}",
        **spec.default_headers,
        **(extra or {}),
    }
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key.get_secret_value()}"
    return headers


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
