"""Fixtures for the reliability tests: the loopback fault server and a refusing port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fault_server import FaultServer, refused_url


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh fault server for one test; it stops when the test ends, or after 30 s at most."""
    with FaultServer(lifetime=30) as server:
        yield server


@pytest.fixture
def refused_base_url() -> Iterator[str]:
    """A loopback base URL where nothing listens (connections are refused)."""
    sock, url = refused_url()
    try:
        yield url
    finally:
        sock.close()
