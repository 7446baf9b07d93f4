"""Shared test set-up: no real keys or base URLs leak in, and cassettes replay offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_tests.conftest import base_vcr_config

from hostedllm.catalog.status import reset_warnings
from hostedllm.providers import PROVIDERS

CASSETTES = Path(__file__).parent / "cassettes"
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


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """langchain-tests' ``base_vcr_config()`` (authorization, x-api-key and api-key scrubbed), with
    the record mode left to the command line (``none`` unless re-recording, never "once"), and each
    recorded answer played once, in order, so retry tests see the 429 before the 200."""
    config = base_vcr_config()
    for key in ("record_mode", "cassette_library_dir"):
        config.pop(key)
    config["allow_playback_repeats"] = False
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``tests/cassettes/<documented|recorded>/<provider>/`` for ``tests/core/wire/test_<provider>.py``."""
    provider = Path(str(request.module.__file__)).stem.removeprefix("test_")
    return str(CASSETTES / CASSETTE_ORIGIN / provider)
