"""The `hostedllm` command: `models`, and what every command shares (help, version, errors, exit codes)."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hostedllm import cli
from hostedllm.catalog import Catalog, ModelEntry, default_catalog
from hostedllm.cli.common import UsageError
from hostedllm.transport.ratelimit import RateLimit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_every_model_with_status(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["PROVIDER", "MODEL", "KIND", "CONTEXT"]
    assert f"{len(default_catalog())} models." in out
    llama2 = next(line for line in lines if "meta/llama2-70b" in line)
    assert "retired 2025-09-24 -> nim:meta/llama-3.3-70b-instruct" in llama2
    qwen = next(line for line in lines if "qwen/qwen-2-72b-instruct" in line)
    assert "131,072" in qwen
    assert "$0.39 / $0.39" in qwen
    baichuan = next(line for line in lines if line.startswith("baichuan") and " Baichuan4 " in line)
    assert "¥100.00 / ¥100.00" in baichuan
    assert "2,048" in baichuan, "the effective max output includes the provider's cap"
    assert " T.J.-.U " in baichuan, "tools, JSON mode, usage in streams; no vision; the rest unknown"


def test_kinds_and_three_valued_capabilities(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "models", "--kind", "embedding")
    rows = [line.split() for line in out.splitlines()[1:] if line and not line.endswith(".")]
    assert rows, "embedding models are listed as their own kind"
    assert {row[2] for row in rows} == {"embedding"}
    assert len(rows) == len(default_catalog().models(kind="embedding"))
    assert "'-' no, '.' unknown" in out


def test_filters(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "models", "--provider", "nim", "--capability", "reasoning")
    rows = [line.split()[1] for line in out.splitlines()[1:] if line.startswith("nim")]
    catalog = default_catalog()
    assert "nvidia/llama-3.3-nemotron-super-49b-v1" in rows
    assert rows == [e.id for e in catalog.models(provider="nim", capabilities=["reasoning"])]
    assert "meta/llama-3.3-70b-instruct" not in rows, "no reasoning"
    _, out, _ = run(capsys, "models", "--status", "deprecated")
    deprecated = catalog.models(status="deprecated")
    assert f"\n{len(deprecated)} models." in out
    assert any(e.key == "nim:baichuan-inc/baichuan2-13b-chat" for e in deprecated)


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
    assert err.startswith("hostedllm: error: NOVITA_API_KEY is not set; export it")
    assert len(err.splitlines()) == 1


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hostedllm", "models", "--provider", "local"], capture_output=True, text=True, check=True
    )
    assert "smollm2-135m-instruct" in result.stdout


def test_live_without_a_provider_asks_only_those_with_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hostedllm.catalog import discovery
    from hostedllm.providers import PROVIDERS

    for spec in PROVIDERS.values():
        if spec.api_key_env and spec.name != "nim":
            monkeypatch.delenv(spec.api_key_env, raising=False)
    asked: list[str] = []

    def discover(name: str, **kwargs: object) -> list[object]:
        asked.append(name)
        return []

    monkeypatch.setattr(discovery, "discover_models", discover)
    code, _, err = run(capsys, "models", "--live")
    assert code == 0
    assert asked == ["nim"]
    assert err.startswith("hostedllm: warning: --live skips the providers whose key is not set (BAICHUAN_API_KEY")

    monkeypatch.delenv("NVIDIA_API_KEY")
    code, _, err = run(capsys, "models", "--live")
    assert code == 1
    assert err.startswith("hostedllm: error: --live needs a provider key, and none is set")


def test_max_price_and_min_context(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--json", "--max-price", "0.3", "--min-context", "128k")
    assert code == 0
    rows = json.loads(out)
    assert rows, "some models are that cheap and long"
    for row in rows:
        assert row["price"]["input"] <= 0.3
        assert row["context_window"] >= 128_000
    everything = {row["id"] for row in json.loads(run(capsys, "models", "--json")[1])}
    free = {row["id"] for row in json.loads(run(capsys, "models", "--json", "--max-price", "0")[1])}
    assert free == {"smollm2-135m-instruct", "all-minilm-l6-v2"}, (
        "models without a price are left out, the free local ones stay"
    )
    assert free < everything
    _, out, _ = run(capsys, "models", "--min-context", "1M")
    assert "0 models." in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["models", "--max-price", "-1"], "argument --max-price: '-1' is not a price"),
        (["models", "--max-price", "cheap"], "argument --max-price: 'cheap' is not a number"),
        (["models", "--min-context", "lots"], "argument --min-context: 'lots' is not a token count"),
        (["local"], "the following arguments are required: ACTION"),
        (["nonsense"], "argument COMMAND: invalid choice: 'nonsense'"),
    ],
)
def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"hostedllm: error: {message}")


@pytest.mark.parametrize(
    "command",
    [[], ["models"], ["chat"], ["local"], ["local", "serve"], ["local", "stop"], ["local", "status"]],
)
def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: hostedllm {' '.join(command)}".rstrip())
    assert "--debug" in out
    examples = out.split("examples:\n", 1)[1]
    assert examples.lstrip().startswith("hostedllm ")


def test_version_and_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    from hostedllm import __version__

    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"hostedllm {__version__}\n"
    assert cli.main([]) == 2
    assert "commands:" in capsys.readouterr().out


def test_max_price_help_names_the_currency(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["models", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "input price per 1M tokens is at most X, in the model's own currency" in help_text


def test_import_is_cheap_and_the_console_script_resolves() -> None:
    code = (
        "import sys, hostedllm.cli; heavy = {'httpx', 'pydantic', 'hostedllm.catalog', 'hostedllm.client'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "hostedllm"]
    assert script.value == "hostedllm.cli:main"
    assert script.load() is cli.main


def test_a_closed_pipe_is_quiet(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["models"]) == 141  # as if killed by SIGPIPE, like `hostedllm models | head -1`
    assert capsys.readouterr().err == ""


# --- models --live --diff ------------------------------------------------------------------------------

MODELS_ANSWERS = Path(__file__).parents[1] / "cassettes" / "models"


def _novita_catalog() -> Catalog:
    """A fixed catalog (the packaged one moves): one row gone upstream, one with another price."""
    as_of = datetime.date(2026, 12, 1)

    def row(model: str, **facts: object) -> ModelEntry:
        return ModelEntry.model_validate({"provider": "novita", "id": model, "sources": ("test",), **facts})

    return Catalog(
        [
            row(
                "meta-llama/llama-3.3-70b-instruct",
                context_window=131072,
                price={"input": 0.135, "output": 0.40, "currency": "USD", "source": "test", "as_of": as_of},
            ),
            row("deepseek/deepseek-v3.2", context_window=163840, max_output_tokens=65536),
            row("deepseek/deepseek-r1-0528"),
            row("baichuan/baichuan-m2-32b"),
            row("qwen/qwen-2.5-72b-instruct", context_window=32000),
        ]
    )


@pytest.fixture
def novita_live(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """`--live` against Novita's documented /models answer, with the small catalog above."""
    import hostedllm.catalog
    from hostedllm.catalog import discovery

    fixture = json.loads((MODELS_ANSWERS / "novita.json").read_text("utf-8"))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=fixture["response"]["json"])

    original = discovery.discover_models
    monkeypatch.setattr(
        discovery, "discover_models", lambda name, **kw: original(name, transport=httpx.MockTransport(handler), **kw)
    )
    monkeypatch.setattr(hostedllm.catalog, "default_catalog", _novita_catalog)
    return seen


def test_live_diff_prints_what_differs(novita_live: list[httpx.Request], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--live", "--diff", "--provider", "novita")
    assert code == 0
    assert [str(r.url) for r in novita_live] == ["https://api.novita.ai/v3/openai/models"]
    assert out.startswith("novita: 6 models listed upstream:")
    sections = {block.split(":\n")[0].strip(): block for block in out.split("\n\n")[1:]}
    assert set(sections) == {
        "missing upstream (maybe retired) (1)",
        "new upstream (not in the catalog) (2)",
        "changed (catalog -> live) (2)",
    }
    missing = sections["missing upstream (maybe retired) (1)"].splitlines()[1].split()
    assert missing[:2] == ["qwen/qwen-2.5-72b-instruct", "active"]
    new = sections["new upstream (not in the catalog) (2)"]
    assert "openai/gpt-oss-120b  context 131,072  max out 32,768  $0.05 / $0.25" in new
    assert "openai/gpt-oss-20b" in new
    changed = sections["changed (catalog -> live) (2)"]
    assert "meta-llama/llama-3.3-70b-instruct  price.input   $0.135 -> $0.39" in changed
    assert "PROVIDER" not in out, "the diff, not the table"


def test_live_diff_as_json(novita_live: list[httpx.Request], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--live", "--diff", "--provider", "novita", "--json")
    assert code == 0
    (diff,) = json.loads(out)
    assert (diff["provider"], diff["listed"]) == ("novita", 6)
    assert [row["id"] for row in diff["missing_upstream"]] == ["qwen/qwen-2.5-72b-instruct"]
    assert [row["id"] for row in diff["new_upstream"]] == ["openai/gpt-oss-120b", "openai/gpt-oss-20b"]
    assert diff["new_upstream"][0]["price"] == {"input": 0.05, "output": 0.25, "currency": "USD"}
    assert diff["changed"][0] == {
        "id": "meta-llama/llama-3.3-70b-instruct",
        "field": "price.input",
        "catalog": 0.135,
        "live": 0.39,
        "unit": "USD",
    }
    assert diff["listed_but_retired"] == []


def test_live_diff_when_nothing_differs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from hostedllm.catalog import discovery

    fixture = json.loads((MODELS_ANSWERS / "local.json").read_text("utf-8"))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=fixture["response"]["json"]))
    original = discovery.discover_models
    monkeypatch.setattr(discovery, "discover_models", lambda name, **kw: original(name, transport=transport, **kw))
    code, out, _ = run(capsys, "models", "--live", "--diff", "--provider", "local")
    assert code == 0
    assert out.startswith("local: 1 model listed upstream; the catalog agrees")


def test_diff_without_live_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["models", "--diff", "--provider", "novita"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("hostedllm: error: --diff compares the catalog with what the providers list now; add --live")
    assert len(err.splitlines()) == 1


def test_live_diff_without_key_says_which_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOVITA_API_KEY")
    code, out, err = run(capsys, "models", "--live", "--diff", "--provider", "novita")
    assert (code, out) == (1, "")
    assert err.startswith("hostedllm: error: NOVITA_API_KEY is not set; export it")


def batch_limit(capsys: pytest.CaptureFixture[str], model: str, *flags: str) -> tuple[object, str]:
    """The rate limit ``hostedllm batch`` keeps for ``model`` with ``flags``, and what it says about it."""
    from hostedllm.cli import batch
    from hostedllm.providers import get_provider

    args = cli.build_parser().parse_args(["batch", "in.jsonl", "--model", model, "--output", "out", *flags])
    limit = batch.rate_limit(args, get_provider(model.split(":", maxsplit=1)[0]))
    return limit, capsys.readouterr().err


def test_batch_keeps_the_limit_a_provider_publishes_for_every_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BAICHUAN_BASE_URL", raising=False)
    limit, said = batch_limit(capsys, "baichuan:Baichuan4-Air")
    assert limit == RateLimit(requests_per_minute=120)
    assert "120 requests a minute for every account" in said
    assert "--rpm" in said
    assert "--no-rate-limit" in said
    assert batch_limit(capsys, "baichuan:Baichuan4-Air", "--rpm", "600")[0] == RateLimit(requests_per_minute=600)
    assert batch_limit(capsys, "baichuan:Baichuan4-Air", "--tpm", "9000")[0] == RateLimit(tokens_per_minute=9000)
    assert batch_limit(capsys, "baichuan:Baichuan4-Air", "--no-rate-limit") == (None, "")


def test_batch_to_a_server_of_ones_own_keeps_no_published_limit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    own = ("--base-url", "http://127.0.0.1:8000/v1")
    assert batch_limit(capsys, "baichuan:Baichuan4-Air", *own) == (None, "")
    monkeypatch.setenv("BAICHUAN_BASE_URL", "https://gateway.example.com/v1")
    assert batch_limit(capsys, "baichuan:Baichuan4-Air") == (None, "")


def test_batch_says_where_limits_that_vary_are_listed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOVITA_BASE_URL", raising=False)
    monkeypatch.delenv("NVIDIA_BASE_URL", raising=False)
    limit, said = batch_limit(capsys, "novita:deepseek/deepseek-v3.1")
    assert limit is None
    assert "account tier" in said
    assert "https://novita.ai/docs/guides/llm-rate-limits" in said
    assert "--rpm" in said
    limit, said = batch_limit(capsys, "nim:meta/llama-3.3-70b-instruct")
    assert limit is None
    assert "build.nvidia.com" in said


def test_batch_refuses_no_rate_limit_with_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="--no-rate-limit contradicts --rpm/--tpm"):
        batch_limit(capsys, "novita:deepseek/deepseek-v3.1", "--no-rate-limit", "--rpm", "60")
