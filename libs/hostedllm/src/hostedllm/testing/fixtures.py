"""The plugin's fixtures (framework-free): scrubbed vcr settings, a test's cassette, and the local server.

In a test (the server starts once per session, or the test is skipped saying what to install)::

    def test_my_client(hostedllm_local_server):
        client = ChatClient("local", hostedllm_local_server.model_id, base_url=hostedllm_local_server.base_url)

The adapters build on ``hostedllm_local_server`` in their own plugins: ``hostedllm_chat_local``
(langchain-hostedllm) and ``hostedllm_llm_local`` (llama-index-llms-hostedllm). Everything heavy
(vcrpy, httpx) is imported inside the fixture that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hostedllm.testing.local import LocalServerGate, local_model_missing
from hostedllm.testing.options import MARKER, RECORD_OPTION

if TYPE_CHECKING:
    from hostedllm.local import LocalServer


@pytest.fixture(scope="module")
def hostedllm_vcr_config() -> dict[str, Any]:
    """:func:`~hostedllm.testing.vcr_config_for_providers`; used by ``hostedllm_cassette``, override it to change both.

    Example, in ``conftest.py``: ``from hostedllm.testing import vcr_config`` (pytest-recording's name).
    """
    from hostedllm.testing.config import vcr_config_for_providers

    return vcr_config_for_providers()


@pytest.fixture(scope="module")
def vcr_config(hostedllm_vcr_config: dict[str, Any]) -> dict[str, Any]:
    """pytest-recording's settings with every provider's key scrubbed; not registered by the plugin.

    Example, in ``conftest.py``: ``from hostedllm.testing import vcr_config  # noqa: F401``.
    """
    return hostedllm_vcr_config


def default_cassette_name(node: pytest.Item) -> str:
    """``Class.test[param]`` with the characters a file name cannot hold replaced (as pytest-recording does)."""
    cls = getattr(node, "cls", None)
    name = f"{cls.__name__}.{node.name}" if cls is not None else node.name
    return "".join("-" if char in "<>?%*:|\"'/\\" else char for char in name)


@pytest.fixture
def hostedllm_cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The vcrpy cassette of a ``@pytest.mark.hostedllm_cassette`` test (``None`` for other tests).

    The plugin adds it to every marked test, first; a test names it only to look inside.
    Example: ``assert hostedllm_cassette.play_count == 1`` after a replayed call.
    """
    from hostedllm.testing.recording import MissingCassetteError, cassette_path, open_cassette, should_record

    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        yield None
        return
    module = Path(str(request.node.path))
    directory = module.parent / "cassettes" / module.stem
    path = cassette_path(marker.args[0] if marker.args else default_cassette_name(request.node), directory)
    force = bool(request.config.getoption(RECORD_OPTION))
    try:
        record = should_record(path, force=force, provider=marker.kwargs.get("provider"), rerun=request.node.nodeid)
    except MissingCassetteError as exc:
        missing = str(exc)
    else:
        missing = ""
    if missing:
        pytest.fail(missing, pytrace=False)
    with open_cassette(path, record=record, config=request.getfixturevalue("hostedllm_vcr_config")) as recorded:
        yield recorded


@pytest.fixture(scope="session")
def _hostedllm_local_gate() -> Iterator[LocalServerGate | None]:
    """The session's local server behind a :class:`LocalServerGate`; ``None`` when it is not installed."""
    if local_model_missing() is not None:
        yield None
        return
    with LocalServerGate.embedded() as gate:
        yield gate


@pytest.fixture
def hostedllm_local_server(
    _hostedllm_local_gate: LocalServerGate | None, request: pytest.FixtureRequest
) -> LocalServer:
    """SmolLM2-135M-Instruct behind llama.cpp's server on loopback, started once per session.

    Skipped, saying what to install, when the server or the model is missing; if the server cannot
    start or has died, the first test fails with why (exit signal, log) and the rest are skipped.
    Example: ``ChatLocal(model="smollm2-135m-instruct", base_url=hostedllm_local_server.base_url)``.
    """
    if _hostedllm_local_gate is None:
        pytest.skip(f"hostedllm_local_server: {local_model_missing()}")
    return _hostedllm_local_gate.server_for(request.node.nodeid)
