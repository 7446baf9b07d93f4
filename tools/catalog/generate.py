"""Write generated.json and report.md from sources.toml and snapshots/ (offline; run by ``make catalog``).

The same inputs give the same bytes: rows and keys are sorted and the only dates are source dates.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

import baichuan
import nim
import novita
import report
from common import (
    BASELINE,
    CURATED,
    GENERATED,
    REPORT,
    SNAPSHOTS,
    SOURCES,
    Built,
    Row,
    dumps,
    read_json,
    read_toml,
    wheels,
    write_if_changed,
)


def load_snapshots(directory: Path) -> dict[str, Any]:
    """Every snapshot file, by name (JSON and TOML)."""
    snap: dict[str, Any] = {p.name: read_json(p) for p in sorted(directory.glob("*.json"))}
    snap |= {p.name: read_toml(p) for p in sorted(directory.glob("*.toml"))}
    return snap


def pins_header(sources: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
    """The ``sources`` block of generated.json: every pin, dates as ISO strings."""
    out: dict[str, Any] = {}
    for pin in sources["wheel"]:
        out[pin["key"]] = {k: str(v) if k == "uploaded" else v for k, v in pin.items() if k != "key"}
    for item in sources["transcribed"]:
        name = Path(item["file"]).name
        out[item["key"]] = {"file": f"tools/catalog/{item['file']}", "what": item["what"]}
        out[item["key"]]["read_on"] = str(snap[name]["read_on"])
    return out


def check(rows: list[Row], curated: list[Row]) -> None:
    """Refuse to write a catalog that breaks the invariants the tests also check."""
    keys = [f"{r['provider']}:{r['id']}".lower() for r in rows]
    if len(keys) != len(set(keys)):
        raise SystemExit(f"duplicate provider:id rows: {sorted(k for k in keys if keys.count(k) > 1)}")
    states = {f"{r['provider']}:{r['id']}": r.get("status", {}).get("state", "active") for r in [*rows, *curated]}
    for row in rows:
        status = row.get("status", {})
        target = status.get("replacement")
        if target and states.get(target, "retired") == "retired":
            raise SystemExit(f"{row['provider']}:{row['id']}: replacement {target} is missing or retired")
        if row.get("max_output_tokens", 0) > row.get("context_window", 1 << 62):
            raise SystemExit(f"{row['provider']}:{row['id']}: max output above context")


def build(snap: dict[str, Any], sources: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Built]]:
    """The generated document and each provider's build (for the report)."""
    pins = wheels(sources)
    built = {
        "nim": nim.build(snap, pins),
        "novita": novita.build(snap, pins),
        "baichuan": baichuan.build(snap["baichuan.toml"]),
    }
    rows = sorted((r for b in built.values() for r in b.rows), key=lambda r: (r["provider"], r["id"].lower(), r["id"]))
    doc = {"generated_by": "tools/catalog/generate.py", "sources": pins_header(sources, snap), "model": rows}
    return doc, built


def main(
    out_json: Path = GENERATED,
    out_report: Path = REPORT,
    snapshots: Path = SNAPSHOTS,
    curated_path: Path = CURATED,
) -> None:
    """Generate the catalog file and its report."""
    snap = load_snapshots(snapshots)
    doc, built = build(snap, read_toml(SOURCES))
    curated_text = curated_path.read_bytes()
    curated = read_toml(curated_path)["model"]
    check(doc["model"], curated)
    baseline_file = snapshots / BASELINE.name
    baseline = read_json(baseline_file)["model"] if baseline_file.exists() else None
    text = report.render(doc, built, baseline, curated, hashlib.sha256(curated_text).hexdigest())
    for path, content in ((out_json, dumps(doc)), (out_report, text)):
        print(f"{'wrote' if write_if_changed(path, content) else 'unchanged'} {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=GENERATED, help="where to write generated.json")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write report.md")
    args = parser.parse_args()
    main(args.out, args.report)
