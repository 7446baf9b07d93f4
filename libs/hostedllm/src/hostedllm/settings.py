"""Where a client's key and base URL come from, and the checks that keep the key safe."""

from __future__ import annotations

import ipaddress
import os
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
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url {url!r} is not an http(s) URL such as {spec.base_url!r}.")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"base_url {url!r} uses plain http to a non-loopback host, which would send the API key "
            "unencrypted. Use https, or pass allow_insecure_http=True if the network is trusted."
        )
    return url


def request_headers(
    spec: ProviderSpec, api_key: SecretStr | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The headers every request to ``spec`` carries (the key only in ``Authorization``)."""
    from hostedllm import __version__

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
