"""The local-model fixtures without the model: a clear skip, and each adapter's fixture in its own plugin."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from hostedllm.testing import fixtures, plugin

from .conftest import INNER_ARGS, INNER_INI

USER_TESTS = """
class FakeServer:
    base_url = "http://127.0.0.1:9/v1"


def test_llamaindex(hostedllm_llm_local):
    assert hostedllm_llm_local.api_base == FakeServer.base_url
    assert hostedllm_llm_local.temperature == 0


def test_langchain(hostedllm_chat_local):
    assert hostedllm_chat_local.base_url == FakeServer.base_url
    assert hostedllm_chat_local.temperature == 0
"""


def test_the_server_fixture_skips_saying_what_to_install(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fixtures, "local_model_missing", lambda: "llama.cpp's server is not installed (test).")
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_user_local="def test_x(hostedllm_chat_local):\n    pass\n")
    result = pytester.runpytest(*INNER_ARGS, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*hostedllm_local_server: llama.cpp's server is not installed (test).*"])


def test_each_adapter_brings_its_own_fixture(pytester: pytest.Pytester) -> None:
    """The core's plugin knows no framework; each adapter's plugin (``pytest11``) adds its fixture."""
    plugins = {entry.value for entry in entry_points(group="pytest11")}
    assert {"langchain_hostedllm.testing", "llama_index.llms.hostedllm.testing"} <= plugins
    assert not hasattr(plugin, "hostedllm_chat_local")
    assert not hasattr(plugin, "hostedllm_llm_local")
    pytester.makeini(INNER_INI)
    pytester.makeconftest(
        "import pytest\n\n@pytest.fixture(scope='session')\n"
        "def hostedllm_local_server():\n    return type('S', (), "
        "{'base_url': 'http://127.0.0.1:9/v1', 'model_id': 'smollm2-135m-instruct'})()\n"
    )
    pytester.makepyfile(test_user_adapters=USER_TESTS)
    result = pytester.runpytest(*INNER_ARGS)
    result.assert_outcomes(passed=2)


def test_the_plugin_loads_without_vcrpy_or_the_adapters() -> None:
    code = (
        "import sys\n"
        "for name in ('vcr', 'langchain_hostedllm', 'llama_index', 'langchain_core'):\n"
        "    sys.modules[name] = None\n"
        "import hostedllm.testing.plugin\n"
        "from hostedllm.testing.recording import import_vcr\n"
        "try:\n"
        "    import_vcr()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert "pip install 'hostedllm[testing]'" in result.stdout


def test_the_gate_fails_the_first_test_once_and_skips_the_rest(pytester: pytest.Pytester) -> None:
    """The e2e tier's set-up: one failure with the reason, not one "connection refused" per test."""
    pytester.makeconftest(
        f"""
import pytest, sys
sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
from local_stub import ScriptedServer
from hostedllm.testing.local import LocalServerGate

@pytest.fixture(scope="session")
def gate(tmp_path_factory):
    with LocalServerGate(lambda: ScriptedServer(tmp_path_factory.mktemp("s"), "segfault").start()) as gate:
        yield gate

@pytest.fixture
def server(gate, request):
    return gate.server_for(request.node.nodeid)
"""
    )
    pytester.makepyfile(test_user="def test_a(server): pass\ndef test_b(server): pass\ndef test_c(server): pass\n")
    pytester.makeini(INNER_INI)
    result = pytester.runpytest(*INNER_ARGS, "-rs")
    result.assert_outcomes(errors=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*was killed by SIGSEGV (a crash in native code)*",
            "*the local model server is down; why is reported once, by test_user.py::test_a*",
        ]
    )


def test_loading_the_plugins_imports_nothing_heavy() -> None:
    """Every project with hostedllm (or an adapter) installed loads its plugin at pytest start-up: it
    must cost nothing, the frameworks included."""
    heavy = ("httpx", "pydantic", "vcr", "aiohttp", "hostedllm.providers", "langchain_core", "llama_index.core")
    code = (
        "import sys, hostedllm.testing.plugin, langchain_hostedllm.testing, llama_index.llms.hostedllm.testing\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
