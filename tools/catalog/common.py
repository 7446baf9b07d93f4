"""Paths, file readers and the canonical JSON writer shared by the catalog tools."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the tomllib backport
    import tomli as tomllib  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SNAPSHOTS = HERE / "snapshots"
SOURCES = HERE / "sources.toml"
CATALOG_DIR = ROOT / "libs" / "hostedllm" / "src" / "hostedllm" / "catalog"
GENERATED = CATALOG_DIR / "generated.json"
CURATED = CATALOG_DIR / "models.toml"
REPORT = HERE / "report.md"
#: The generated.json that `make catalog-sources` saw last: the baseline of the report's diff.
BASELINE = SNAPSHOTS / "baseline-generated.json"

Row = dict[str, Any]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file."""
    with path.open("rb") as f:
        return tomllib.load(f)


def read_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(data: Any) -> str:
    """The one JSON layout every generated or snapshot file uses, so re-runs give the same bytes."""
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it; say whether it changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def wheels(sources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pinned wheels of sources.toml, by key."""
    return {w["key"]: w for w in sources["wheel"]}


def per_million(cost_per_token: float) -> float:
    """A per-token cost as a per-1M-token price, without float noise (1.35e-07 -> 0.135)."""
    return float(f"{cost_per_token * 1_000_000:.6g}")


def drop_none(row: Row) -> Row:
    """``row`` without None values or empty mappings, recursively."""
    out: Row = {}
    for key, value in row.items():
        kept = drop_none(value) if isinstance(value, dict) else value
        if kept is not None and kept != {}:
            out[key] = kept
    return out


@dataclass
class Built:
    """One provider's generated rows, the source entries skipped (with why), and per source the ids
    it lists as active chat models (for the coverage table)."""

    rows: list[Row] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    active_chat: dict[str, list[str]] = field(default_factory=dict)


def finish(row: Row, notes: list[str]) -> Row:
    """A row ready to write: notes joined, None and empty values dropped."""
    if notes:
        row["notes"] = " ".join(notes)
    return drop_none(row)


def fit_output(context: int | None, output: int | None, notes: list[str], where: str) -> int | None:
    """``output`` unless it exceeds ``context`` (a source contradicting itself): then None, noted."""
    if context and output and output > context:
        notes.append(f"{where} gives max output {output} above its {context}-token context; max output left out.")
        return None
    return output or None
