"""report.md: coverage per provider and source, changes against the baseline, skips, curated overrides."""

from __future__ import annotations

from collections import Counter
from typing import Any

from common import Built, Row

SHADOW_HEADING = "## Rows shadowed by curated rows (models.toml)"


def key(row: Row) -> str:
    """``provider:id``."""
    return f"{row['provider']}:{row['id']}"


def state(row: Row) -> str:
    """The row's status state."""
    return str(row.get("status", {}).get("state", "active"))


def _sources(doc: dict[str, Any]) -> list[str]:
    lines = ["## Sources", "", "| key | pinned | date |", "|---|---|---|"]
    for name, pin in doc["sources"].items():
        if "filename" in pin:
            sha = pin["sha256"][:12]
            lines.append(f"| {name} | `{pin['filename']}` sha256 `{sha}…` | uploaded {pin['uploaded']} |")
        else:
            lines.append(f"| {name} | `{pin['file']}`: {pin['what']} | read {pin['read_on']} |")
    return lines


def _coverage(rows: list[Row], built: dict[str, Built]) -> list[str]:
    head = "| provider | source | active chat in source | in generated.json | active there | % |"
    lines = ["## Coverage of each source's active chat models", "", head, "|---|---|---|---|---|---|"]
    for provider, b in built.items():
        mine = {r["id"].lower(): r for r in rows if r["provider"] == provider}
        for source, ids in b.active_chat.items():
            present = [mine[i.lower()] for i in ids if i.lower() in mine]
            active = [r for r in present if state(r) == "active" and r["kind"] == "chat"]
            pct = f"{100 * len(active) / len(ids):.1f}" if ids else "-"
            lines.append(f"| {provider} | {source} | {len(ids)} | {len(present)} | {len(active)} | {pct} |")
            missing = sorted(i for i in ids if i.lower() not in mine)
            if missing:
                lines.append(f"|  | missing: {', '.join(missing)} | | | | |")
    return lines


def _counts(rows: list[Row]) -> list[str]:
    head = "| provider | rows | chat | embedding | rerank | active | deprecated | retired | with context | priced |"
    lines = ["## Rows by provider", "", head, "|---|---|---|---|---|---|---|---|---|---|"]
    for provider in sorted({r["provider"] for r in rows}):
        mine = [r for r in rows if r["provider"] == provider]
        kinds, states = Counter(r["kind"] for r in mine), Counter(state(r) for r in mine)
        cells = [
            kinds["chat"],
            kinds["embedding"],
            kinds["rerank"],
            *(states[s] for s in ("active", "deprecated", "retired")),
        ]
        cells += [sum("context_window" in r for r in mine), sum("price" in r for r in mine)]
        lines.append(f"| {provider} | {len(mine)} | " + " | ".join(map(str, cells)) + " |")
    return lines


def _changes(rows: list[Row], baseline: list[Row] | None) -> list[str]:
    lines = ["## Changes against the baseline", ""]
    if baseline is None:
        return [*lines, "No baseline (snapshots/baseline-generated.json): every row is new."]
    old, new = {key(r): r for r in baseline}, {key(r): r for r in rows}
    added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
    changed = {}
    for k in sorted(new.keys() & old.keys()):
        fields = sorted(f for f in {*old[k], *new[k]} if old[k].get(f) != new[k].get(f))
        if fields:
            changed[k] = fields
    lines += [f"Baseline: {len(old)} rows (the generated.json that `make catalog-sources` last saw).", ""]
    lines.append(f"New {len(added)}, removed {len(removed)}, changed {len(changed)}.")
    for label, keys in (("new", added), ("removed", removed)):
        for provider in sorted({k.split(":", 1)[0] for k in keys}):
            ids = [k.split(":", 1)[1] for k in keys if k.startswith(provider + ":")]
            lines.append(f"- {label}, {provider} ({len(ids)}): {', '.join(ids)}")
    lines += [f"- changed {k}: {', '.join(v)}" for k, v in changed.items()]
    return lines


def _skipped(built: dict[str, Built], rows: list[Row]) -> list[str]:
    lines = ["## Source entries skipped", "", "| provider | entry | why |", "|---|---|---|"]
    for provider, b in built.items():
        lines += [f"| {provider} | `{entry}` | {why} |" for entry, why in sorted(b.skipped)]
    lines += ["", "Values left out because a source contradicts itself:", ""]
    dropped = [f"- {key(r)}: {r['notes']}" for r in rows if "left out" in r.get("notes", "")]
    return lines + (dropped or ["- none"])


def _fields(row: Row) -> dict[str, Any]:
    price, status = row.get("price") or {}, row.get("status") or {}
    return {
        "context_window": row.get("context_window"),
        "max_output_tokens": row.get("max_output_tokens"),
        "price": (price.get("input"), price.get("output"), price.get("currency")) if price else None,
        "status": (status.get("state", "active"), str(status.get("since") or "")) if status else ("active", ""),
        "replacement": status.get("replacement"),
    }


def _shadowed(rows: list[Row], curated: list[Row], curated_sha: str) -> list[str]:
    lines = [SHADOW_HEADING, "", f"models.toml sha256 `{curated_sha}`. Curated rows win at load time.", ""]
    generated = {key(r).lower(): r for r in rows}
    same, lines_diff = [], ["| row | field | generated | curated |", "|---|---|---|---|"]
    for cur in sorted(curated, key=key):
        gen = generated.get(key(cur).lower())
        if gen is None:
            continue
        g, c = _fields(gen), _fields(cur)
        diffs = [f"| {key(cur)} | {f} | {g[f]} | {c[f]} |" for f in g if g[f] != c[f]]
        lines_diff += diffs
        if not diffs:
            same.append(key(cur))
    agreeing = ", ".join(same) or "-"
    lines.append(f"Shadowed with no disagreement on context, max output, price, status ({len(same)}): {agreeing}")
    return [*lines, "", "Disagreements:", "", *lines_diff]


def render(
    doc: dict[str, Any], built: dict[str, Built], baseline: list[Row] | None, curated: list[Row], sha: str
) -> str:
    """The whole report; ``sha`` is models.toml's sha256."""
    rows = doc["model"]
    parts = [
        ["# Catalog generation report", "", "Written by `tools/catalog/generate.py` (`make catalog`); do not edit."],
        _sources(doc),
        _coverage(rows, built),
        _counts(rows),
        _changes(rows, baseline),
        _skipped(built, rows),
        _shadowed(rows, curated, sha),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"
