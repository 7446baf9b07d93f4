"""hostedllm's pytest plugin (entry point ``pytest11``): fixtures, a cassette marker, ``--hostedllm-record``.

Every name is prefixed ``hostedllm_`` so nothing collides with a project's own fixtures; in
particular pytest-recording's ``vcr_config`` is left alone (re-export ours in ``conftest.py`` with
``from hostedllm.testing import vcr_config``). vcrpy and the adapters are imported only when used.
A test replayed from ``cassettes/<module>/<test>.yaml`` next to it, recorded on the first run
that has a key::

    @pytest.mark.hostedllm_cassette
    def test_my_chain():
        assert "Paris" in chain.invoke({"country": "France"})
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hostedllm.testing.cassette import RECORD_OPTION, MissingCassetteError, cassette_path, open_cassette, should_record
from hostedllm.testing.fixtures import (
    hostedllm_chat_local,
    hostedllm_llm_local,
    hostedllm_local_server,
    hostedllm_vcr_config,
)

__all__ = ["hostedllm_chat_local", "hostedllm_llm_local", "hostedllm_local_server", "hostedllm_vcr_config"]

MARKER = "hostedllm_cassette"


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


def default_cassette_name(node: pytest.Item) -> str:
    """``Class.test[param]`` with the characters a file name cannot hold replaced (as pytest-recording does)."""
    cls = getattr(node, "cls", None)
    name = f"{cls.__name__}.{node.name}" if cls is not None else node.name
    return "".join("-" if char in "<>?%*:|\"'/\\" else char for char in name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A replayed request that is not in the cassette: say how to record the cassette again."""
    report: pytest.TestReport = yield
    error = call.excinfo.value if call.excinfo else None
    while error is not None and type(error).__name__ != "CannotOverwriteExistingCassetteException":
        error = error.__cause__ or error.__context__
    if error is not None and item.get_closest_marker(MARKER):
        hint = f"Record it again: pytest {item.nodeid} {RECORD_OPTION}"
        report.sections.append(("hostedllm", f"The chain sent a request its cassette does not hold. {hint}"))
    return report


@pytest.fixture(autouse=True)
def hostedllm_cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The vcrpy cassette of a ``@pytest.mark.hostedllm_cassette`` test (``None`` for other tests).

    Example: ``assert hostedllm_cassette.play_count == 1`` after a replayed call.
    """
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
