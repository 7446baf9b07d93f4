"""The e2e tier of the plugin: its local-model fixtures and the cookbook recipe, on the real local model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hostedllm.local import LocalServer
from hostedllm.testing.local import local_model_missing
from hostedllm.testing.scrub import key_env_vars

from .conftest import INNER_ARGS, INNER_INI

ROOT = Path(__file__).parent.parent.parent
RECIPE = ROOT / "cookbook" / "testing_your_chain.py"
RECIPE_CASSETTE = ROOT / "cookbook" / "cassettes" / "testing_your_chain" / "test_answers_offline.yaml"
MISSING = local_model_missing()

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(MISSING is not None, reason=str(MISSING))]

USER_TESTS = """
SERVERS = set()


def test_langchain(hostedllm_chat_local):
    message = hostedllm_chat_local.bind(max_tokens=24).invoke("Name a colour.")
    assert message.content
    assert message.response_metadata["model_name"] == "smollm2-135m-instruct"
    assert hostedllm_chat_local.temperature == 0
    SERVERS.add(hostedllm_chat_local.base_url)


def test_llamaindex(hostedllm_llm_local):
    assert hostedllm_llm_local.complete("Name a colour.", max_tokens=24).text
    SERVERS.add(hostedllm_llm_local.api_base)
    assert len(SERVERS) == 1, "one server for the session"
"""


def test_the_fixtures_answer_from_the_real_local_model(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(test_user_local=USER_TESTS)
    pytester.runpytest(*INNER_ARGS).assert_outcomes(passed=2)


def test_the_recipe_runs_as_its_docstring_says() -> None:
    """``pytest cookbook/testing_your_chain.py``: live on the local model, then replayed from its cassette."""
    before = RECIPE_CASSETTE.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in {*key_env_vars(), "HOSTEDLLM_LOCAL_BASE_URL"}}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(RECIPE.relative_to(ROOT)), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert RECIPE_CASSETTE.read_bytes() == before, "replayed, not recorded again"
    assert "- REDACTED" in before.decode()


def test_the_recipe_records_its_cassette_then_replays_it_with_sockets_disabled(
    pytester: pytest.Pytester, hostedllm_local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, no_keys: None
) -> None:
    sentinel = "local-sentinel-0123456789"
    monkeypatch.setenv("HOSTEDLLM_LOCAL_BASE_URL", hostedllm_local_server.base_url)
    monkeypatch.setenv("HOSTEDLLM_LOCAL_API_KEY", sentinel)  # llama.cpp ignores it; the cassette must not keep it
    pytester.makeini(INNER_INI)
    shutil.copy(RECIPE, pytester.path / RECIPE.name)
    cassette = pytester.path / "cassettes" / "testing_your_chain" / "test_answers_offline.yaml"

    pytester.runpytest(*INNER_ARGS, RECIPE.name, "-k", "offline", "--hostedllm-record").assert_outcomes(passed=1)
    assert cassette.is_file()
    assert sentinel not in cassette.read_text()

    offline = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", RECIPE.name, "-k", "offline", "--disable-socket", "--allow-unix-socket"
    )
    offline.assert_outcomes(passed=1, deselected=1)
