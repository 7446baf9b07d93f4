"""Test your own chains: scrubbed cassettes, and the local model as pytest fixtures.

Installed with hostedllm as a pytest plugin (``hostedllm_*`` fixtures, the
``@pytest.mark.hostedllm_cassette`` marker, ``--hostedllm-record``). For pytest-recording, one
line in ``conftest.py`` gives it the same scrubbing::

    from hostedllm.testing import vcr_config  # noqa: F401
"""

from __future__ import annotations

from hostedllm.testing.cassette import MissingCassetteError, cassette
from hostedllm.testing.config import vcr_config_for_providers
from hostedllm.testing.fixtures import vcr_config

__all__ = ["MissingCassetteError", "cassette", "vcr_config", "vcr_config_for_providers"]
