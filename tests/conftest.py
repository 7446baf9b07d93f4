"""Shared test set-up: no real keys or base URLs leak in, and cassettes replay offline."""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostedllm.catalog.status import reset_warnings
from hostedllm.providers import PROVIDERS
from hostedllm.testing.config import vcr_config_for_providers

CASSETTES = Path(__file__).parent / "cassettes"
#: The scripts that write cassettes are run by hand, not collected (they import their siblings by name).
collect_ignore_glob = ["cassettes/*/*.py"]
#: Set to "recorded" (by `make record-cassettes`) to record into, and replay from, real recordings.
CASSETTE_ORIGIN = os.environ.get("HOSTEDLLM_CASSETTES", "documented")
FAKE_KEY = "test-key-not-a-secret"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every provider key is a fake one and no base URL override comes from the real environment.

    When re-recording, the real keys stay (they are scrubbed from cassettes by ``vcr_config``).
    """
    for spec in PROVIDERS.values():
        monkeypatch.delenv(spec.base_url_env, raising=False)
        if spec.api_key_env and CASSETTE_ORIGIN != "recorded":
            monkeypatch.setenv(spec.api_key_env, FAKE_KEY)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    reset_warnings()
    yield
    reset_warnings()


def json_body(recorded: Any, sent: Any) -> None:
    """vcrpy's body matcher, with every JSON ``description`` compared as Python 3.13 compiles docstrings.

    Tool and schema descriptions come from docstrings, which Python 3.13 dedents and 3.10 to 3.12 do not:
    the same tool sends different whitespace (``inspect.cleandoc`` makes them equal).
    """
    assert _docstrings_cleaned(recorded.body) == _docstrings_cleaned(sent.body)


def _docstrings_cleaned(body: Any) -> Any:
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return body

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: inspect.cleandoc(v) if k == "description" and isinstance(v, str) else clean(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return clean(data)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("json_body", json_body)


def project_vcr() -> Any:
    """A ``vcr.VCR`` that knows our matchers, for tests that drive vcrpy themselves with ``vcr_config``."""
    import vcr

    recorder = vcr.VCR()
    recorder.register_matcher("json_body", json_body)
    return recorder


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """The plugin's scrubbing (every provider's key, wherever it appears), with the record mode left
    to the command line (``none`` unless re-recording), each recorded answer played once, in order,
    so retry tests see the 429 before the 200, and bodies matched by ``json_body``. Framework-free,
    so the core's tests run without LangChain."""
    from vcr import VCR

    config = vcr_config_for_providers()
    config["allow_playback_repeats"] = False
    config["match_on"] = [name if name != "body" else "json_body" for name in config["match_on"]]
    config["path_transformer"] = VCR.ensure_suffix(".yaml")
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``tests/cassettes/<documented|recorded>/<provider>/`` for ``tests/core/wire/test_<provider>.py``."""
    provider = Path(str(request.module.__file__)).stem.removeprefix("test_")
    return str(CASSETTES / CASSETTE_ORIGIN / provider)
