"""The plugin's own tests: user test files run by pytester against a loopback fake provider.

``pytest_plugins = ["pytester"]`` is refused in a conftest below the top level when the whole
suite runs, so pytester is registered from ``pytest_configure`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Imported here, before any in-process inner run: pytester drops the modules an inner run imported,
# and numpy (under LlamaIndex) cannot be imported twice in one process.
import langchain_hostedllm.chat_models  # noqa: F401
import llama_index.llms.hostedllm.base  # noqa: F401
from hostedllm.testing.scrub import key_env_vars

from .fake_provider import FakeProvider

#: The inner runs: no cache, pytest-socket left to the outer run (which allows loopback only).
INNER_ARGS = ("-p", "no:cacheprovider", "-p", "no:socket")
INNER_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
    config.addinivalue_line("markers", "e2e: needs the real local model (SmolLM2-135M-Instruct on llama.cpp)")


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key and no local base URL in the environment (the inner runs inherit it)."""
    for name in key_env_vars():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HOSTEDLLM_LOCAL_BASE_URL", raising=False)
    assert not any(os.environ.get(name) for name in key_env_vars())
