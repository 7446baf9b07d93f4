"""Novita rows from LiteLLM's cost map, with retirements from Novita's changelog."""

from __future__ import annotations

from typing import Any

from common import Built, Row, finish, fit_output, per_million

PREFIX = "novita/"
KINDS = {"chat": "chat", "embedding": "embedding", "rerank": "rerank"}
#: LiteLLM passes every OpenAI tool_choice value through for Novita's tool models.
TOOL_CHOICE = ["auto", "none", "required", "function"]
#: LiteLLM's supports_reasoning is known wrong for these (catalog-coverage.md: an instruct model; models.dev says no).
NOT_REASONING = {"qwen/qwen3-next-80b-a3b-instruct"}
CHANGELOG = "https://novita.ai/docs/changelog/"


def _capabilities(row: dict[str, Any], model_id: str, notes: list[str]) -> Row:
    """Only what LiteLLM says is true; its explicit false is not evidence (left unknown)."""
    tools = row.get("supports_function_calling") is True or None
    reasoning = row.get("supports_reasoning") is True or None
    if reasoning and model_id.lower() in NOT_REASONING:
        reasoning = None
        notes.append("LiteLLM says supports_reasoning, but this is an instruct model (models.dev: no); left unknown.")
    return {
        "tools": tools,
        "tool_choice": TOOL_CHOICE if tools and row.get("supports_tool_choice") is True else None,
        "parallel_tool_calls": (tools and row.get("supports_parallel_function_calling") is True) or None,
        "json_schema": row.get("supports_response_schema") is True or None,
        "vision": row.get("supports_vision") is True or None,
        "reasoning": reasoning,
        "system_role": row.get("supports_system_messages") is True or None,
    }


def _litellm_row(model_id: str, row: dict[str, Any], pin: dict[str, Any]) -> Row:
    kind = KINDS[row["mode"]]
    notes: list[str] = []
    context = row.get("max_input_tokens") or None
    output = None
    if kind == "chat":
        output = fit_output(context, row.get("max_output_tokens"), notes, "LiteLLM")
    price = {
        "input": per_million(row.get("input_cost_per_token", 0)),
        "output": per_million(row.get("output_cost_per_token", 0)),
        "currency": "USD",
        "source": pin["cite"],
        "as_of": str(pin["uploaded"]),
    }
    return finish(
        {
            "provider": "novita",
            "id": model_id,
            "kind": kind,
            "context_window": context,
            "max_output_tokens": output,
            "price": price,
            "capabilities": _capabilities(row, model_id, notes) if kind == "chat" else None,
            "sources": [f"{pin['cite']} ({PREFIX}{model_id})"],
        },
        notes,
    )


def retirements(changelog: dict[str, Any]) -> dict[str, Row]:
    """Each retired model's status and note, by lower-case id."""
    out = {}
    for notice in changelog["notice"]:
        for model in notice["model"]:
            note = model.get("note", "")
            out[model["id"].lower()] = {
                "status": {
                    "state": "retired",
                    "since": str(notice["retired"]),
                    "reason": f"retired by Novita on {notice['retired_at']} (changelog of {notice['published']}).",
                    "replacement": f"novita:{model['replacement']}",
                    "source": notice["url"],
                },
                "id": model["id"],
                "note": note,
                "source": f"{notice['url']} (read {changelog['read_on']})",
            }
    return out


def build(snap: dict[str, Any], pins: dict[str, dict[str, Any]]) -> Built:
    """Every Novita chat, embedding and rerank row of LiteLLM, plus the changelog's retired models."""
    pin, out = pins["litellm"], Built()
    retired = retirements(snap["novita-changelog.toml"])
    rows: dict[str, Row] = {}
    active: list[str] = []
    for key, row in snap["litellm.json"].items():
        if not key.startswith(PREFIX):
            continue
        model_id = key.removeprefix(PREFIX)
        if row.get("mode") not in KINDS:
            out.skipped.append((key, f"mode '{row.get('mode')}': not chat/embedding/rerank."))
            continue
        if model_id.lower() in rows:
            out.skipped.append((key, "same id as another row, compared lower-case."))
            continue
        rows[model_id.lower()] = _litellm_row(model_id, row, pin)
        if row["mode"] == "chat" and model_id.lower() not in retired:
            active.append(model_id)
    for low, info in retired.items():
        row = rows.setdefault(low, {"provider": "novita", "id": info["id"], "kind": "chat", "sources": []})
        row["status"] = info["status"]
        row["sources"] = [*row["sources"], info["source"]]
        notes = [n for n in (row.get("notes"), info["note"]) if n]
        if notes:
            row["notes"] = " ".join(notes)
    out.rows = list(rows.values())
    out.active_chat["LiteLLM 1.110.2 novita chat rows, minus the changelog's retirements"] = active
    return out
