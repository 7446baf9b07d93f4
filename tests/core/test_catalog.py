"""The catalog: invariants over every entry, lookups, filters, suggestions, status text and cost."""

from __future__ import annotations

import hashlib
import re
import warnings
from importlib import resources
from pathlib import Path

import pytest

from hostedllm.catalog import (
    Catalog,
    ModelStatusWarning,
    UnknownModelWarning,
    default_catalog,
    estimate_cost,
    status_message,
)
from hostedllm.catalog.status import warn_if_inactive
from hostedllm.errors import RequestValidationError, UnknownModelError
from hostedllm.providers import PROVIDERS, get_provider
from hostedllm.request import max_tokens_limit

CATALOG = default_catalog()
ENTRIES = list(CATALOG)
IDS = [entry.key for entry in ENTRIES]

#: Every system named in the seed pages, with the status the catalog must give it.
SEED_SYSTEMS = {
    "nim:baichuan-inc/baichuan2-13b-chat": "deprecated",
    "nim:meta/llama2-70b": "retired",
    "novita:qwen/qwen-2-72b-instruct": "retired",
    **{
        f"baichuan:{m}": "active"
        for m in (
            "Baichuan4",
            "Baichuan4-Turbo",
            "Baichuan4-Air",
            "Baichuan3-Turbo",
            "Baichuan3-Turbo-128k",
            "Baichuan2-Turbo",
        )
    },
    "baichuan:Baichuan2-Turbo-192k": "deprecated",
    "baichuan:Baichuan2-53B": "retired",
    **{
        f"theturbo:{m}": "active"
        for m in (
            "Baichuan2-53B",
            "Baichuan2-Turbo",
            "Baichuan2-Turbo-192k",
            "Baichuan3-Turbo",
            "Baichuan3-Turbo-128k",
            "Baichuan4",
        )
    },
}


@pytest.mark.parametrize("key", IDS)
def test_every_entry_is_consistent(key: str) -> None:
    entry = CATALOG.get(key)
    assert entry.provider in PROVIDERS
    assert entry.sources, "every entry cites a source"
    if entry.context_window and entry.max_output_tokens:
        assert entry.max_output_tokens <= entry.context_window
    if entry.price is not None:
        assert (entry.price.input or 0) >= 0
        assert (entry.price.output or 0) >= 0
        assert entry.price.source
    if entry.status.state != "active":
        assert entry.status.reason
        assert entry.status.since
    if entry.status.replacement:
        replacement = CATALOG.get(entry.status.replacement)
        assert replacement.status.state == "active", "a replacement must itself be usable"
    if entry.status.state == "retired":
        assert entry.status.replacement
    assert set(entry.capabilities.tool_choice or ()) <= {"auto", "none", "required", "function"}
    spec = get_provider(entry.provider)
    assert set(entry.unsupported_params) <= set(spec.params), "only a provider parameter can be unsupported"
    assert set(entry.params) <= set(spec.params)


@pytest.mark.parametrize(("key", "state"), SEED_SYSTEMS.items())
def test_seed_systems_are_listed_with_their_status(key: str, state: str) -> None:
    assert CATALOG.get(key).status.state == state


def test_seed_facts() -> None:
    qwen = CATALOG.get("novita:qwen/qwen-2-72b-instruct")
    assert qwen.context_window == 131072
    assert qwen.price is not None
    assert (qwen.price.input, qwen.price.output, qwen.price.currency) == (0.39, 0.39, "USD")
    assert CATALOG.get("nim:meta/llama2-70b").status.replacement == "nim:meta/llama-3.3-70b-instruct"


def test_ids_are_unique_per_provider_including_aliases() -> None:
    seen: dict[tuple[str, str], str] = {}
    for entry in ENTRIES:
        for name in (entry.id, *entry.aliases):
            key = (entry.provider, name.casefold())
            assert seen.get(key, entry.id) == entry.id, f"{name} on {entry.provider} names {seen[key]} and {entry.id}"
            seen[key] = entry.id


def test_nim_has_current_models_with_tool_support() -> None:
    current = CATALOG.models(provider="nim", capabilities=["tools"], status="active")
    assert len(current) >= 3


def test_gateway_models_take_facts_from_baichuan_but_not_capabilities() -> None:
    gateway = CATALOG.get("theturbo:Baichuan4")
    native = CATALOG.get("baichuan:Baichuan4")
    assert gateway.context_window == native.context_window
    assert native.capabilities.tools
    assert not gateway.capabilities.tools, "the gateway documents no tools"
    assert gateway.price is None, "the gateway publishes no price: left empty, not guessed"


class TestLookup:
    def test_by_id_and_by_qualified_name(self) -> None:
        assert CATALOG.get("qwen/qwen-2.5-72b-instruct").provider == "novita"
        assert CATALOG.get("nim:meta/llama2-70b").id == "meta/llama2-70b"

    def test_by_alias(self) -> None:
        assert CATALOG.get("playground_llama2_70b", provider="nim").id == "meta/llama2-70b"

    def test_baichuan_ids_are_case_insensitive(self) -> None:
        assert CATALOG.get("baichuan4-turbo", provider="baichuan").id == "Baichuan4-Turbo"
        assert CATALOG.get("BAICHUAN2-TURBO-192K", provider="baichuan").id == "Baichuan2-Turbo-192k"

    def test_other_providers_are_case_sensitive(self) -> None:
        assert CATALOG.find("QWEN/QWEN-2.5-72B-INSTRUCT", provider="novita") is None

    def test_a_model_served_by_several_providers_needs_the_provider(self) -> None:
        with pytest.raises(RequestValidationError, match=r"baichuan:Baichuan4.*theturbo:Baichuan4"):
            CATALOG.get("Baichuan4")
        assert CATALOG.get("Baichuan4", provider="theturbo").provider == "theturbo"

    def test_unknown_model_suggests_close_ids(self) -> None:
        with pytest.raises(UnknownModelError, match="Did you mean 'Baichuan4-Turbo'") as info:
            CATALOG.get("Baichuan4-Trubo", provider="baichuan")
        assert "Baichuan4-Turbo" in info.value.suggestions
        assert "hostedllm models --provider baichuan" in str(info.value)

    def test_unknown_model_on_one_provider_names_where_it_is_served(self) -> None:
        with pytest.warns(UnknownModelWarning, match=r"served by novita:qwen/qwen-2\.5-72b-instruct"):
            entry = CATALOG.resolve("nim", "qwen/qwen-2.5-72b-instruct")
        assert (entry.provider, entry.id, entry.origin) == ("nim", "qwen/qwen-2.5-72b-instruct", "unlisted")
        with pytest.raises(UnknownModelError, match=r"served by novita:qwen/qwen-2\.5-72b-instruct"):
            CATALOG.resolve("nim", "qwen/qwen-2.5-72b-instruct", strict=True)

    def test_open_provider_accepts_any_model(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            entry = CATALOG.resolve("local", "my-finetune")
        assert (entry.id, entry.curated) == ("my-finetune", False)
        assert entry.capabilities.tools, "local entries get the provider defaults"

    def test_an_unknown_model_is_welcome_after_one_warning(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            entry = CATALOG.resolve("novita", "brand/new-model")
            CATALOG.resolve("novita", "brand/new-model")
        assert [w.category for w in caught] == [UnknownModelWarning], "once per model and process"
        assert "not in hostedllm's catalog for novita" in str(caught[0].message)
        assert entry.capabilities.stream_usage, "provider defaults apply"
        assert entry.capabilities.tools is None, "what nobody documented is unknown, not 'no'"
        assert {"tools", "json_schema", "vision"} <= set(entry.capabilities.unknown())

    def test_allow_unknown_is_silent_and_strict_refuses(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            CATALOG.resolve("novita", "brand/other", allow_unknown=True)
        with pytest.raises(UnknownModelError, match="strict_catalog=True or \\$HOSTEDLLM_STRICT_CATALOG"):
            CATALOG.resolve("novita", "brand/other", strict=True)
        monkeypatch.setenv("HOSTEDLLM_STRICT_CATALOG", "1")
        with pytest.raises(UnknownModelError, match="allow_unknown_model=True"):
            CATALOG.resolve("novita", "brand/third")
        assert CATALOG.resolve("novita", "brand/third", allow_unknown=True).id == "brand/third"
        with pytest.warns(UnknownModelWarning, match="brand/third"):
            assert CATALOG.resolve("novita", "brand/third", strict=False).id == "brand/third", "strict=False wins"

    def test_a_typo_warns_with_did_you_mean(self) -> None:
        with pytest.warns(UnknownModelWarning, match="Did you mean 'meta/llama-3.3-70b-instruct'"):
            CATALOG.resolve("nim", "meta/llama-3.3-70b-instruc")


class TestFilters:
    def test_by_provider(self) -> None:
        assert {entry.provider for entry in CATALOG.models(provider="novita")} == {"novita"}

    def test_by_capabilities_all_required(self) -> None:
        found = CATALOG.models(capabilities=["tools", "reasoning"])
        assert found
        assert all(e.capabilities.tools and e.capabilities.reasoning for e in found)
        assert "novita:deepseek/deepseek-v3.2" in {e.key for e in found}

    def test_by_status(self) -> None:
        retired = {entry.key for entry in CATALOG.models(status="retired") if entry.curated}
        assert retired == {"nim:meta/llama2-70b", "baichuan:Baichuan2-53B", "novita:qwen/qwen-2-72b-instruct"}


class TestStatus:
    def test_active_has_no_message(self) -> None:
        assert status_message(CATALOG.get("baichuan:Baichuan4")) is None

    def test_deprecated_message(self) -> None:
        text = status_message(CATALOG.get("nim:baichuan-inc/baichuan2-13b-chat"))
        assert text is not None
        assert "is deprecated on 2026-04-28" in text
        assert "'nim:qwen/qwen3-next-80b-a3b-instruct'" in text

    def test_retired_message(self) -> None:
        text = status_message(CATALOG.get("nim:meta/llama2-70b"))
        assert text is not None
        assert "was retired on 2025-09-24" in text
        assert "404 or 410" in text

    def test_warns_once_per_model(self) -> None:
        entry = CATALOG.get("nim:meta/llama2-70b")
        with pytest.warns(ModelStatusWarning, match="retired"):
            warn_if_inactive(entry)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warn_if_inactive(entry)


class TestCost:
    def test_usd(self) -> None:
        cost = estimate_cost(
            CATALOG.get("novita:qwen/qwen-2-72b-instruct"), {"prompt_tokens": 46, "completion_tokens": 40}
        )
        assert cost is not None
        assert cost.currency == "USD"
        assert cost.input == pytest.approx(46 * 0.39 / 1e6)
        assert cost.total == pytest.approx(86 * 0.39 / 1e6)

    def test_cny_and_asymmetric_prices(self) -> None:
        cost = estimate_cost(
            CATALOG.get("baichuan:Baichuan4-Turbo"), {"prompt_tokens": 1_000_000, "completion_tokens": 0}
        )
        assert cost is not None
        assert (cost.total, cost.currency) == (15, "CNY")
        cost = estimate_cost(
            CATALOG.get("novita:deepseek/deepseek-r1-0528"), {"prompt_tokens": 0, "completion_tokens": 2000}
        )
        assert cost is not None
        assert cost.output == pytest.approx(2000 * 2.50 / 1e6)

    def test_no_price_no_estimate(self) -> None:
        assert estimate_cost(CATALOG.get("nim:meta/llama-3.3-70b-instruct"), {"prompt_tokens": 10}) is None


def test_max_tokens_limit_combines_model_and_provider() -> None:
    assert max_tokens_limit(CATALOG.get("baichuan:Baichuan3-Turbo")) == 2048, "Baichuan's API caps max_tokens at 2048"
    assert max_tokens_limit(CATALOG.get("theturbo:Baichuan3-Turbo")) == 8192
    assert max_tokens_limit(CATALOG.get("nim:baichuan-inc/baichuan2-13b-chat")) is None


class TestLoading:
    def _write(self, tmp_path: Path, text: str) -> Path:
        path = tmp_path / "models.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def test_rejects_output_larger_than_context(self, tmp_path: Path) -> None:
        path = self._write(
            tmp_path, '[[model]]\nprovider="novita"\nid="x"\ncontext_window=10\nmax_output_tokens=20\nsources=["t"]\n'
        )
        with pytest.raises(ValueError, match="exceeds context_window"):
            Catalog.load(path)

    def test_rejects_retired_without_replacement(self, tmp_path: Path) -> None:
        path = self._write(
            tmp_path,
            '[[model]]\nprovider="novita"\nid="x"\nsources=["t"]\n'
            'status={state="retired", since=2025-01-01, reason="gone"}\n',
        )
        with pytest.raises(ValueError, match="must name a replacement"):
            Catalog.load(path)

    def test_rejects_negative_price_and_unknown_keys(self, tmp_path: Path) -> None:
        base = '[[model]]\nprovider="novita"\nid="x"\nsources=["t"]\n'
        with pytest.raises(ValueError, match="greater than or equal to 0"):
            Catalog.load(
                self._write(
                    tmp_path, base + 'price={input=-1, output=1, currency="USD", source="s", as_of=2026-01-01}\n'
                )
            )
        with pytest.raises(ValueError, match="Extra inputs"):
            Catalog.load(self._write(tmp_path, base + "context=5\n"))

    def test_packaged_file_is_valid_and_not_written(self) -> None:
        path = resources.files("hostedllm.catalog").joinpath("models.toml")
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        assert len(Catalog.load()) == len(CATALOG)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_every_source_is_something_a_user_can_look_up() -> None:
    """Sources are shown to users (``hostedllm models --json``): public pages and files, never our own notes."""
    catalog = default_catalog()
    cited = [(entry.key, source) for entry in catalog for source in entry.sources]
    cited += [(entry.key, entry.price.source) for entry in catalog if entry.price is not None and entry.price.source]
    assert cited
    private = [(key, text) for key, text in cited if re.search(r"\bseeds?\b|shared/|DESIGN\.md|\bissue\b", text, re.I)]
    assert private == []


@pytest.mark.parametrize(
    ("key", "field", "expected"),
    [
        # Novita's changelog 06-02-25.md: decommissioned on 2025-02-06.
        ("novita:qwen/qwen-2-72b-instruct", "status", ("retired", "2025-02-06", "novita:qwen/qwen-2.5-72b-instruct")),
        # models.dev, LobeHub and Novita's /models example: 131072 (LiteLLM's 12288 is the outlier).
        ("novita:meta-llama/llama-3.3-70b-instruct", "window", (131072, 120000)),
        # Dify: context_size 32000, max_tokens up to 4000; deprecated since its first commit, 2024-12-18.
        ("baichuan:Baichuan2-53B", "window", (32000, 4000)),
        ("baichuan:Baichuan2-53B", "status", ("retired", "2024-12-18", "baichuan:Baichuan4-Turbo")),
        ("baichuan:Baichuan2-Turbo-192k", "status", ("deprecated", "2024-12-18", "baichuan:Baichuan3-Turbo-128k")),
        # LobeHub: reasoning true.
        ("novita:baichuan/baichuan-m2-32b", "reasoning", True),
    ],
)
def test_rows_corrected_against_their_sources(key: str, field: str, expected: object) -> None:
    entry = CATALOG.get(key)
    actual = {
        "status": (entry.status.state, entry.status.since and entry.status.since.isoformat(), entry.status.replacement),
        "window": (entry.context_window, entry.max_output_tokens),
        "reasoning": entry.capabilities.reasoning,
    }[field]
    assert actual == expected
    if field == "status":
        replacement = CATALOG.get(str(entry.status.replacement))
        assert replacement.status.state == "active", "a replacement that exists and is served"
