"""The scrubbing behind every cassette: names from the provider specs, values from the environment."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import zstandard
from pydantic import SecretStr
from vcr import VCR
from vcr.request import Request

from hostedllm.providers import PROVIDERS
from hostedllm.settings import request_headers
from hostedllm.testing import vcr_config_for_providers
from hostedllm.testing.recording import MissingCassetteError, cassette, import_vcr, should_record
from hostedllm.testing.scrub import MIN_KEY_LENGTH, key_env_vars, key_headers, scrub_request, scrub_response

KEY = "nk-live-0123456789abcdef"


def as_recorded(request: Request) -> Request:
    """What vcrpy stores (and matches) for ``request`` with our settings."""
    recorded: Request = VCR(**vcr_config_for_providers())._build_before_record_request({})(request)
    return recorded


def as_stored(response: dict[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = VCR(**vcr_config_for_providers())._build_before_record_response({})(response)
    return stored


@pytest.fixture(autouse=True)
def _a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", KEY)


def test_key_headers_and_variables_come_from_the_provider_specs() -> None:
    for spec in PROVIDERS.values():
        carrying = {name.lower() for name, value in request_headers(spec, SecretStr(KEY)).items() if KEY in value}
        assert carrying, spec.name
        assert carrying <= set(key_headers())
    assert set(key_env_vars()) == {spec.api_key_env for spec in PROVIDERS.values() if spec.api_key_env}
    config = vcr_config_for_providers()
    assert [name for name, _ in config["filter_headers"]] == list(key_headers())
    assert {value for _, value in config["filter_headers"]} == {"REDACTED"}
    assert config["decode_compressed_response"] is True
    assert config["match_on"] == ("method", "scheme", "host", "port", "path", "body")
    assert "record_mode" not in config


def test_a_request_loses_every_key_and_keeps_the_rest() -> None:
    body = json.dumps({"model": "m", "api_key": "in-the-body-0123", "messages": [{"content": f"x {KEY}"}]})
    request = Request(
        "POST",
        f"https://api.test/v1/chat?api_key=abc123456789&token={KEY}&page=2",
        body.encode(),
        {"Authorization": f"Bearer {KEY}", "X-Custom": KEY, "Content-Type": "application/json"},
    )
    scrubbed = as_recorded(request)

    assert scrubbed.uri == "https://api.test/v1/chat?api_key=REDACTED&token=REDACTED&page=2"
    assert scrubbed.headers["Authorization"] == "REDACTED"
    assert scrubbed.headers["X-Custom"] == "REDACTED"
    assert json.loads(scrubbed.body) == {"model": "m", "api_key": "REDACTED", "messages": [{"content": "x REDACTED"}]}
    assert KEY in request.headers["Authorization"], "vcrpy scrubs a copy; the request sent keeps its key"


def test_a_request_without_keys_is_left_byte_for_byte() -> None:
    body = b'{"model":"m",  "messages":[]}'
    assert scrub_request(Request("POST", "https://api.test/v1/chat", body, {})).body == body


def test_a_key_echoed_in_a_response_is_redacted() -> None:
    response = {
        "status": {"code": 401, "message": "Unauthorized"},
        "headers": {"x-echo": [f"Bearer {KEY}"]},
        "body": {"string": f'{{"error": "bad key {KEY}"}}'.encode()},
    }
    scrubbed = scrub_response(response)
    assert scrubbed["headers"]["x-echo"] == ["Bearer REDACTED"]
    assert scrubbed["body"]["string"] == b'{"error": "bad key REDACTED"}'
    assert KEY in response["body"]["string"].decode(), "the answer the chain reads is untouched"


def test_extra_variables_and_short_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-0123456789")
    monkeypatch.setenv("BAICHUAN_API_KEY", "x" * (MIN_KEY_LENGTH - 1))  # too short to replace safely
    request = Request("POST", "https://api.test/v1", b"sk-openai-0123456789 xxxxxxx", {})
    assert scrub_request(request, extra_env=["OPENAI_API_KEY"]).body == b"REDACTED xxxxxxx"


def test_compressed_answers_are_stored_decoded() -> None:
    text = b'{"choices": []}'
    for encoding, data in (("gzip", gzip.compress(text)), ("zstd", zstandard.ZstdCompressor().compress(text))):
        response = {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Encoding": [encoding], "Content-Length": [str(len(data))]},
            "body": {"string": data},
        }
        stored = as_stored(response)
        assert stored["body"]["string"] == text, encoding
        assert "Content-Encoding" not in stored["headers"]
        assert [str(len(text))] in stored["headers"].values()


def test_should_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.yaml"
    assert should_record(path) is True, "missing, and NOVITA_API_KEY is set"
    path.write_text("interactions: []\nversion: 1\n")
    assert should_record(path) is False
    assert should_record(path, force=True) is True
    for name in key_env_vars():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        MissingCassetteError, match=r"and no NVIDIA_API_KEY: record it with `NVIDIA_API_KEY=\.\.\. the test`"
    ):
        should_record(tmp_path / "b.yaml", provider="nim")


def test_the_context_manager_puts_cassettes_next_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in key_env_vars():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingCassetteError) as raised:
        cassette("nowhere")
    assert "tests/testing/cassettes/nowhere.yaml" in str(raised.value)


def test_a_missing_vcrpy_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vcr", None)
    with pytest.raises(ImportError, match=r"pip install 'hostedllm\[testing\]'"):
        import_vcr()
