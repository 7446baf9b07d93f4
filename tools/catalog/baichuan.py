"""Baichuan's native rows from the hand-transcribed Dify/LobeHub snapshot (snapshots/baichuan.toml)."""

from __future__ import annotations

from typing import Any

from common import Built, Row, finish


def _row(model: dict[str, Any], snap: dict[str, Any]) -> Row:
    kind = model.get("kind", "chat")
    read_on = str(snap["read_on"])
    dify = f"{snap['dify']}/{model['dify_file']} (added in {model['added']})"
    sources = [dify]
    notes = [model["note"]] if "note" in model else []
    price = None
    if "price_cny" in model:
        price_in, price_out = model["price_cny"]
        price = {
            "input": float(price_in),
            "output": float(price_out),
            "currency": "CNY",
            "source": f"{snap['lobehub']} (read {read_on})",
            "as_of": read_on,
        }
        sources.append(snap["lobehub"])
    if "dimensions_source" in model:
        sources.append(model["dimensions_source"])
    status = None
    if "deprecated" in model:
        since = str(model["deprecated"])
        status = {
            "state": "deprecated",
            "since": since,
            "reason": f"marked deprecated: true in Dify's Baichuan plugin since its yaml was added ({model['added']}).",
            "source": dify,
        }
    capabilities = None
    if kind == "chat":
        capabilities = {"tools": model.get("tools"), "json_object": model.get("json_object")}
    return finish(
        {
            "provider": "baichuan",
            "id": model["id"],
            "kind": kind,
            "context_window": model["context_size"],
            "max_output_tokens": model.get("max_tokens"),
            "dimensions": model.get("dimensions"),
            "price": price,
            "capabilities": capabilities,
            "status": status,
            "sources": sources,
        },
        notes,
    )


def build(snap: dict[str, Any]) -> Built:
    """Every model of the Dify list, deprecated ones included."""
    out = Built()
    for model in snap["model"]:
        out.rows.append(_row(model, snap))
        if model.get("kind", "chat") == "chat" and "deprecated" not in model:
            out.active_chat.setdefault("Dify baichuan plugin @7af2283 (not deprecated)", []).append(model["id"])
    return out
