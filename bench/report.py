"""Markdown: the machine, one table per scenario, and where our classes stand against the targets."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from importlib import metadata
from pathlib import Path

from clients import CLIENTS, FLOORS, PEERS
from runner import Outcome
from scenarios import SCENARIOS

PACKAGES = (
    "hostedllm",
    "langchain-hostedllm",
    "llama-index-llms-hostedllm",
    "langchain-core",
    "langchain-openai",
    "langchain-nvidia-ai-endpoints",
    "llama-index-core",
    "llama-index-llms-openai",
    "llama-index-llms-openai-like",
    "openai",
    "httpx",
    "aiohttp",
    "pydantic",
)

Results = dict[str, dict[str, Outcome]]


def median(outcome: Outcome | None) -> float | None:
    return statistics.median(outcome.values) if outcome and outcome.values else None


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.2f}×" if value is not None and base else "–"


def machine(nginx: str, notes: list[str]) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    git = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH, read-only
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    lines = [
        f"- machine: {os.cpu_count()} cores, {cpu}; {platform.platform()}",
        f"- Python {platform.python_version()}; server: {nginx} (1 worker, canned bodies, loopback)",
        f"- repository: {git or 'unknown'}",
        f"- packages: {', '.join(versions)}",
        *(f"- {note}" for note in notes),
    ]
    return "\n".join(lines)


def scenario_table(name: str, outcomes: dict[str, Outcome]) -> str:
    scenario = SCENARIOS[name]
    unit, per = scenario.unit, scenario.per
    timed = per in ("call", "chunk")
    head = ["client", f"median ({unit}/{per})", "min – max", "runs"]
    if timed:
        head += [f"wall ({unit}/{per})", f"nginx CPU ({unit}/{per})"]
    head += ["× its floor", *(f"× {CLIENTS[p].label}" for p in PEERS)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for client, outcome in outcomes.items():
        spec = CLIENTS[client]
        value = median(outcome)
        if outcome.values:
            spread = f"{_num(min(outcome.values))} – {_num(max(outcome.values))}"
        else:
            spread = f"error: {outcome.error}" if outcome.error else "skipped (time budget)"
        runs = f"{len(outcome.values)}" + (f" (+{outcome.skipped} skipped)" if outcome.skipped else "")
        row = [f"`{client}` {spec.label}", f"**{_num(value)}**", spread, runs]
        if timed:
            wall = statistics.median(outcome.walls) if outcome.walls else None
            nginx = statistics.median(outcome.nginx) if outcome.nginx else None
            row += [_num(wall), "–" if client.endswith("noio") else _num(nginx)]
        row.append(_ratio(value, median(outcomes.get(FLOORS[spec.family]))))
        row += [_ratio(value, median(outcomes.get(peer))) for peer in PEERS]
        rows.append("| " + " | ".join(row) + " |")
    return f"### {scenario.title}\n\n" + "\n".join(rows)


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else "**met**" if ok else "**missed**"


def targets(results: Results) -> str:
    """Our performance targets for our classes: measured value and verdict."""

    def value(scenario: str, client: str) -> float | None:
        return median(results.get(scenario, {}).get(client))

    rows = ["| target | ours | measured | verdict |", "|---|---|---|---|"]

    def row(target: str, ours: str, measured: str, ok: bool | None) -> None:
        measured = "not measured" if ok is None else measured
        rows.append(f"| {target} | {CLIENTS[ours].label} | {measured} | {_verdict(ok)} |")

    pairs = (("ours-langchain", "floor-langchain"), ("ours-llamaindex", "floor-llamaindex"))
    for ours, floor in pairs:
        mine, base = value("invoke", ours), value("invoke", floor)
        ratio = mine / base if mine is not None and base else None
        measured = f"{_num(ratio)}× ({_num(mine, 'µs')} vs {_num(base, 'µs')})"
        row(
            f"sequential invoke ≤ 1.15 × {CLIENTS[floor].label}",
            ours,
            measured,
            None if ratio is None else ratio <= 1.15,
        )
    for ours, _ in pairs:
        mine = value("fanout", ours)
        row("async fan-out at 64 ≤ 1.2 ms CPU/call", ours, _num(mine, "µs"), None if mine is None else mine <= 1200)
    for ours, floor in pairs:
        mine, base = value("stream", ours), value("stream", floor)
        extra = mine - base if mine is not None and base is not None else None
        measured = f"+{_num(extra, 'µs')} ({_num(mine, 'µs')} vs {_num(base, 'µs')})"
        row(f"streaming ≤ {CLIENTS[floor].label} + 10 µs/chunk", ours, measured, None if extra is None else extra <= 10)
    imported = value("import", "ours-langchain")
    ok = None if imported is None else imported <= 1300
    row("`from langchain_hostedllm import ChatNovita` ≤ 1.3 s", "ours-langchain", _num(imported, "ms"), ok)
    for ours, _ in pairs:
        rss = value("rss", ours)
        row("peak RSS ≤ 80 MB", ours, _num(rss, "MB"), None if rss is None else rss <= 80)
    return "\n".join(rows)


def render(results: Results, header: str, machine_info: str) -> str:
    legend = (
        "CPU is the client process's `time.process_time()` (all threads) over the measured section, divided by "
        "the calls or chunks in it; wall is `perf_counter` over the same section; nginx CPU is its worker's "
        "CPU over that section. Median and min – max over the rounds. "
        "“× its floor”: divided by the floor of the same family — "
        + "; ".join(f"{family}: {CLIENTS[floor].label}" for family, floor in FLOORS.items())
        + "."
    )
    tables = "\n\n".join(scenario_table(name, outcomes) for name, outcomes in results.items())
    return (
        f"# Peer benchmarks\n\n{header}\n\n{machine_info}\n\n## Targets\n\n{targets(results)}\n\n"
        f"## Scenarios\n\n{legend}\n\n{tables}\n"
    )
