"""hostedllm's pytest plugin (entry point ``pytest11``): fixtures, a cassette marker, ``--hostedllm-record``.

Every name is prefixed ``hostedllm_`` so nothing collides with a project's own fixtures; in
particular pytest-recording's ``vcr_config`` is left alone (re-export ours in ``conftest.py`` with
``from hostedllm.testing import vcr_config``). The plugin costs nothing unless used: no autouse
fixture (the cassette fixture is added only to marked tests), old-style hook wrappers that every
pytest and pluggy understand, and vcrpy and httpx imported only by the fixture that needs them. The
adapters' own plugins add ``hostedllm_chat_local`` and ``hostedllm_llm_local``.
A test replayed from ``cassettes/<module>/<test>.yaml`` next to it, recorded on the
first run that has a key::

    @pytest.mark.hostedllm_cassette
    def test_my_chain():
        assert "Paris" in chain.invoke({"country": "France"})
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from hostedllm.testing.fixtures import (
    _hostedllm_local_gate,
    hostedllm_cassette,
    hostedllm_local_server,
    hostedllm_vcr_config,
)
from hostedllm.testing.options import MARKER, RECORD_OPTION

__all__ = [
    "_hostedllm_local_gate",
    "hostedllm_cassette",
    "hostedllm_local_server",
    "hostedllm_vcr_config",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("hostedllm").addoption(
        RECORD_OPTION,
        action="store_true",
        help="record every @pytest.mark.hostedllm_cassette test again, over its cassette (needs the network)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name=None, *, provider=None): replay the test's HTTP traffic from "
        "cassettes/<module>/<name or test>.yaml next to it; record it when missing and a key is set",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each marked test its cassette, set up before its other fixtures (which may call a provider)."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if isinstance(names, list) and MARKER not in names and item.get_closest_marker(MARKER) is not None:
            names.insert(0, MARKER)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A replayed request that is not in the cassette: say how to record the cassette again."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not call.excinfo or item.get_closest_marker(MARKER) is None:
        return
    error: BaseException | None = call.excinfo.value
    while error is not None and type(error).__name__ != "CannotOverwriteExistingCassetteException":
        error = error.__cause__ or error.__context__
    if error is not None:
        hint = f"Record it again: pytest {item.nodeid} {RECORD_OPTION}"
        report.sections.append(("hostedllm", f"The chain sent a request its cassette does not hold. {hint}"))
