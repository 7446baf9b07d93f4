"""The `hostedllm models` command."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from hostedllm import cli
from hostedllm.catalog import default_catalog


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_every_model_with_status(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["PROVIDER", "MODEL", "CONTEXT"]
    assert f"{len(default_catalog())} models." in out
    llama2 = next(line for line in lines if "meta/llama2-70b" in line)
    assert "retired 2025-09-24 -> nim:meta/llama-3.3-70b-instruct" in llama2
    qwen = next(line for line in lines if "qwen/qwen-2-72b-instruct" in line)
    assert "131,072" in qwen
    assert "$0.39 / $0.39" in qwen
    baichuan = next(line for line in lines if line.startswith("baichuan") and " Baichuan4 " in line)
    assert "¥100.00 / ¥100.00" in baichuan
    assert "2,048" in baichuan, "the effective max output includes the provider's cap"


def test_filters(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "models", "--provider", "nim", "--capability", "reasoning")
    rows = [line for line in out.splitlines()[1:] if line.startswith("nim")]
    assert [row.split()[1] for row in rows] == ["nvidia/llama-3.3-nemotron-super-49b-v1"]
    _, out, _ = run(capsys, "models", "--status", "deprecated")
    assert "2 models." in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "models", "--provider", "baichuan", "--json")
    rows = json.loads(out)
    assert {row["provider"] for row in rows} == {"baichuan"}
    baichuan4 = next(row for row in rows if row["id"] == "Baichuan4")
    assert baichuan4["capabilities"]["tool_choice"] == ["auto", "none"]
    assert baichuan4["effective_max_output_tokens"] == 2048
    assert baichuan4["price"]["currency"] == "CNY"


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["models", "--provider", "openai"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_live_is_explicit_and_merges_without_touching_the_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {
        "data": [
            {
                "id": "qwen/qwen-2.5-72b-instruct",
                "context_size": 32000,
                "input_token_price_per_m": 3800,
                "output_token_price_per_m": 4000,
            },
            {
                "id": "new/model-x",
                "context_size": 65536,
                "max_output_tokens": 8192,
                "input_token_price_per_m": 2690,
                "output_token_price_per_m": 4000,
                "features": ["function-calling"],
            },
        ]
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    from hostedllm.catalog import discovery

    original = discovery.discover_models
    monkeypatch.setattr(
        discovery, "discover_models", lambda name, **kw: original(name, transport=httpx.MockTransport(handler), **kw)
    )
    code, out, _ = run(capsys, "models", "--provider", "novita", "--live")
    assert code == 0
    assert [str(r.url) for r in seen] == ["https://api.novita.ai/v3/openai/models"]
    line = next(line for line in out.splitlines() if "new/model-x" in line)
    assert "(live)" in line
    assert "$0.269 / $0.40" in line
    assert default_catalog().find("new/model-x", provider="novita") is None, "the packaged catalog is unchanged"


def test_live_without_key_says_which_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOVITA_API_KEY")
    code, _, err = run(capsys, "models", "--provider", "novita", "--live")
    assert code == 1
    assert "set NOVITA_API_KEY" in err


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hostedllm", "models", "--provider", "local"], capture_output=True, text=True, check=True
    )
    assert "smollm2-135m-instruct" in result.stdout
