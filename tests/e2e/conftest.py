"""The end-to-end tier: a real small model (SmolLM2-135M-Instruct) behind llama.cpp's server on loopback.

The server starts once, after one real completion, before the first test. If it cannot start, or
its process dies mid-run (a llama.cpp built for another CPU crashes on the first completion), the
first test fails once with why (exit signal, log tail, the fix) and the rest of the tier is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hostedllm.local import LocalServer
from hostedllm.testing.local import LocalServerGate


@pytest.fixture(scope="session")
def local_gate() -> Iterator[LocalServerGate]:
    """One server for the whole session; stopped (with its process group) at the end."""
    with LocalServerGate.embedded() as gate:
        yield gate


@pytest.fixture(autouse=True)
def local_server(local_gate: LocalServerGate, request: pytest.FixtureRequest) -> LocalServer:
    """The session's server, checked alive before every test of the tier (the recipes start their own)."""
    return local_gate.server_for(request.node.nodeid)


@pytest.fixture(scope="session")
def embedding_gate() -> Iterator[LocalServerGate]:
    """The local embedding model's server (all-MiniLM-L6-v2), started by the first test that asks for it."""
    with LocalServerGate.embedding() as gate:
        yield gate


@pytest.fixture
def embedding_server(embedding_gate: LocalServerGate, request: pytest.FixtureRequest) -> LocalServer:
    """The session's embedding server, checked alive before each test that uses it."""
    return embedding_gate.server_for(request.node.nodeid)
