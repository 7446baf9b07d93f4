"""Provider specs, looked up by name.

>>> from hostedllm.providers import get_provider
>>> get_provider("novita").api_key_env
'NOVITA_API_KEY'
"""

from __future__ import annotations

from hostedllm.errors import ConfigurationError
from hostedllm.providers.baichuan import BAICHUAN
from hostedllm.providers.local import LOCAL
from hostedllm.providers.nim import NIM
from hostedllm.providers.novita import NOVITA
from hostedllm.providers.spec import AccountLimits, EmbeddingSpec, ParamSpec, ProviderSpec, RerankSpec
from hostedllm.providers.theturbo import THETURBO

PROVIDERS: dict[str, ProviderSpec] = {spec.name: spec for spec in (BAICHUAN, THETURBO, NIM, NOVITA, LOCAL)}


def get_provider(name: str | ProviderSpec) -> ProviderSpec:
    """The spec for ``name``; raises :class:`ConfigurationError` listing the known ones."""
    if isinstance(name, ProviderSpec):
        return name
    try:
        return PROVIDERS[name.lower()]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"Unknown provider {name!r}. Known providers: {known}.") from None


__all__ = ["PROVIDERS", "AccountLimits", "EmbeddingSpec", "ParamSpec", "ProviderSpec", "RerankSpec", "get_provider"]
