"""``@pytest.mark.hostedllm_cassette`` and ``cassette()``, run by pytester on user test files.

The user's chain calls a loopback fake provider that echoes the key it got (``fake_provider.py``):
recorded once with a key, the cassettes hold no key and readable bodies, and replay with the
provider stopped; a missing cassette with no key fails with a clear message and sends nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import INNER_ARGS, INNER_INI
from .fake_provider import ANSWER, FakeProvider

SENTINEL = "nk-sentinel-0123456789abcdef"

USER_CHAIN = """
import os

import pytest
from langchain_hostedllm import ChatNovita

from hostedllm.testing import cassette


def chat():
    return ChatNovita(model="qwen/qwen-2.5-72b-instruct", base_url=os.environ["FAKE_URL"], max_retries=0)


@pytest.mark.hostedllm_cassette
def test_invoke(hostedllm_cassette):
    assert chat().invoke("Capital of France?").content == "{answer}"
    assert len(hostedllm_cassette) == 1


@pytest.mark.hostedllm_cassette("shared_stream")
def test_stream():
    assert "".join(chunk.content for chunk in chat().stream("Capital of France?")) == "{answer}"


@pytest.mark.hostedllm_cassette
async def test_ainvoke():
    assert (await chat().ainvoke("Capital of France?")).content == "{answer}"


def test_context_manager():
    with cassette("by_hand"):
        assert chat().invoke("And of Italy?").content == "{answer}"
""".replace("{answer}", ANSWER)

LOCAL_CHAIN = """
import os

import pytest
from langchain_hostedllm import ChatLocal


@pytest.mark.hostedllm_cassette
def test_local():
    chat = ChatLocal(model="any-model", base_url=os.environ["FAKE_URL"], max_retries=0)
    assert chat.invoke("{question}").content
"""


@pytest.fixture
def user_dir(pytester: pytest.Pytester, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeini(INNER_INI)
    monkeypatch.setenv("FAKE_URL", fake.base_url)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*INNER_ARGS, "-rs", *args)


def load(path: Path) -> list[dict[str, Any]]:
    interactions: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
    return interactions


def test_records_once_with_a_key_then_replays_offline(
    user_dir: pytest.Pytester, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", SENTINEL)
    user_dir.makepyfile(test_user_chain=USER_CHAIN)

    run(user_dir).assert_outcomes(passed=4)

    assert [request["authorization"] for request in fake.requests] == [f"Bearer {SENTINEL}"] * 4
    folder = user_dir.path / "cassettes"
    paths = [
        folder / "test_user_chain" / "test_invoke.yaml",
        folder / "test_user_chain" / "shared_stream.yaml",
        folder / "test_user_chain" / "test_ainvoke.yaml",
        folder / "by_hand.yaml",  # cassette("by_hand"): cassettes/ next to the calling module
    ]
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.yaml")) == sorted(
        str(p.relative_to(folder)) for p in paths
    )
    for path in paths:
        text = path.read_text()
        assert SENTINEL not in text, path
        (interaction,) = load(path)
        request, response = interaction["request"], interaction["response"]
        assert {k.lower(): v for k, v in request["headers"].items()}["authorization"] == ["REDACTED"]
        headers = {k.lower(): v for k, v in response["headers"].items()}
        assert "content-encoding" not in headers, "stored decoded"
        assert headers["x-echo-key"] == ["Bearer REDACTED"], "a key echoed in a response header"
        body = response["body"]["string"]
        assert "Paris" in body, "a readable body"
        assert "chatcmpl-Bearer REDACTED" in body, "a key echoed in the response body"

    fake.stop()
    monkeypatch.setenv("NOVITA_API_KEY", "another-key-on-the-replaying-machine")
    run(user_dir).assert_outcomes(passed=4)
    assert len(fake.requests) == 4


def test_a_missing_cassette_without_a_key_fails_and_sends_nothing(
    user_dir: pytest.Pytester, fake: FakeProvider, no_keys: None
) -> None:
    user_dir.makepyfile(test_user_chain=USER_CHAIN)

    result = run(user_dir, "-k", "test_invoke")

    result.assert_outcomes(errors=1, deselected=3)
    result.stdout.fnmatch_lines(
        [
            "no cassette cassettes/test_user_chain/test_invoke.yaml and no provider key (BAICHUAN_API_KEY, "
            "THETURBO_API_KEY, NVIDIA_API_KEY, NOVITA_API_KEY): record it with "
            "`NOVITA_API_KEY=... pytest test_user_chain.py::test_invoke` (the key of the provider your chain "
            "calls), or with `pytest test_user_chain.py::test_invoke --hostedllm-record` for a server that "
            "needs no key. Nothing was sent."
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert fake.requests == []
    assert not (user_dir.path / "cassettes").exists()


def test_the_marker_names_the_provider_whose_key_records(user_dir: pytest.Pytester, no_keys: None) -> None:
    user_dir.makepyfile(
        test_user_novita="""
        import pytest

        @pytest.mark.hostedllm_cassette(provider="novita")
        def test_x():
            pass
        """
    )
    result = run(user_dir)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "no cassette cassettes/test_user_novita/test_x.yaml and no NOVITA_API_KEY: record it with "
            "`NOVITA_API_KEY=... pytest test_user_novita.py::test_x`, or with "
            "`pytest test_user_novita.py::test_x --hostedllm-record` for a server that needs no key. Nothing was sent."
        ]
    )


def test_record_option_records_without_a_key_and_replay_refuses_a_changed_request(
    user_dir: pytest.Pytester, fake: FakeProvider, no_keys: None
) -> None:
    user_dir.makepyfile(test_user_local=LOCAL_CHAIN.replace("{question}", "Hi"))
    cassette = user_dir.path / "cassettes" / "test_user_local" / "test_local.yaml"

    run(user_dir, "--hostedllm-record").assert_outcomes(passed=1)
    assert len(fake.requests) == 1
    assert cassette.is_file()

    run(user_dir).assert_outcomes(passed=1)
    assert len(fake.requests) == 1, "replayed"

    run(user_dir, "--hostedllm-record").assert_outcomes(passed=1)
    assert len(fake.requests) == 2, "recorded again"
    assert len(load(cassette)) == 1, "over the old cassette, not appended to it"

    user_dir.makepyfile(test_user_local=LOCAL_CHAIN.replace("{question}", "Hello"))
    result = run(user_dir)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Can't overwrite existing cassette*",
            "The chain sent a request its cassette does not hold. Record it again: "
            "pytest test_user_local.py::test_local --hostedllm-record",
        ]
    )
    assert len(fake.requests) == 2, "a request the cassette does not hold never reaches the network"


def test_pytest_recording_gets_the_scrubbing_from_one_line_in_conftest(
    user_dir: pytest.Pytester, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", SENTINEL)
    user_dir.makeconftest("from hostedllm.testing import vcr_config  # noqa: F401\n")
    user_dir.makepyfile(
        test_user_vcr="""
        import os

        import pytest
        from langchain_hostedllm import ChatNovita

        @pytest.mark.vcr
        def test_x():
            chat = ChatNovita(model="qwen/qwen-2.5-72b-instruct", base_url=os.environ["FAKE_URL"], max_retries=0)
            assert chat.invoke("Capital of France?").content
        """
    )
    run(user_dir, "--record-mode=once").assert_outcomes(passed=1)
    path = user_dir.path / "cassettes" / "test_user_vcr" / "test_x.yaml"
    assert SENTINEL not in path.read_text()
    assert "chatcmpl-Bearer REDACTED" in load(path)[0]["response"]["body"]["string"]

    fake.stop()
    run(user_dir, "--record-mode=none").assert_outcomes(passed=1)


def test_the_plugin_leaves_vcr_config_to_the_project(user_dir: pytest.Pytester) -> None:
    user_dir.makepyfile(
        test_user_config="""
        def test_pytest_recordings_own(vcr_config):
            assert vcr_config == {}

        def test_ours(hostedllm_vcr_config):
            assert hostedllm_vcr_config["filter_headers"][0] == ("authorization", "REDACTED")

        def test_unmarked_tests_get_no_cassette(hostedllm_cassette):
            assert hostedllm_cassette is None
        """
    )
    run(user_dir).assert_outcomes(passed=3)
