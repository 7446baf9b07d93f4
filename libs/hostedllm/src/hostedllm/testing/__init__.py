"""Test your own chains: a fake provider, scrubbed cassettes, and the local model as pytest fixtures.

``FakeProvider`` (with the wire-format body builders in :mod:`hostedllm.testing.fake`) answers from
a queue behind an ``httpx.MockTransport``: ``ChatNovita(model=..., **FakeProvider().reply("Hi").transports)``.

Installed with hostedllm as a pytest plugin (``hostedllm_*`` fixtures, the
``@pytest.mark.hostedllm_cassette`` marker, ``--hostedllm-record``). For pytest-recording, one
line in ``conftest.py`` gives it the same scrubbing::

    from hostedllm.testing import vcr_config  # noqa: F401
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostedllm.lazy import lazy_exports

if TYPE_CHECKING:
    from hostedllm.testing.config import vcr_config_for_providers
    from hostedllm.testing.fake import FakeProvider
    from hostedllm.testing.fake_retrieval import FakeEmbeddings, FakeReranker
    from hostedllm.testing.fixtures import vcr_config
    from hostedllm.testing.recording import MissingCassetteError, cassette

# Imported on first use: the pytest plugin below this package must cost nothing at pytest start-up.
_EXPORTS = {
    "FakeProvider": "hostedllm.testing.fake",
    "FakeEmbeddings": "hostedllm.testing.fake_retrieval",
    "FakeReranker": "hostedllm.testing.fake_retrieval",
    "MissingCassetteError": "hostedllm.testing.recording",
    "cassette": "hostedllm.testing.recording",
    "vcr_config_for_providers": "hostedllm.testing.config",
    "vcr_config": "hostedllm.testing.fixtures",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "FakeEmbeddings",
    "FakeProvider",
    "FakeReranker",
    "MissingCassetteError",
    "cassette",
    "vcr_config",
    "vcr_config_for_providers",
]
