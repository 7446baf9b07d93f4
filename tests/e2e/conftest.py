"""The end-to-end tier: a real small model (SmolLM2-135M-Instruct) behind llama.cpp's server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hostedllm.local import LocalServer


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """One server for the whole session; stopped (with its process group) at the end."""
    with LocalServer(startup_timeout=180) as server:
        yield server
