"""Run the plan: every (scenario, round, client) measured in a fresh process, clients alternating.

Rounds interleave the clients (A B C, then B C A, ...) so machine drift is shared between them
instead of landing on whichever ran last. Every process has a timeout, and the whole run has a
time budget: once it is spent, what is left is reported as skipped rather than run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import guard
from clients import CLIENTS
from scenarios import SCENARIOS, Job

BENCH = Path(__file__).resolve().parent
WORKER_TIMEOUT = 300.0
IMPORT_CODE = (
    "import guard; guard.install(); import time; t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t)"
)


@dataclass
class Plan:
    scenarios: list[str]
    clients: list[str]
    rounds: dict[str, int]  # per scenario
    counts: dict[str, dict[str, int]]  # per scenario
    budget_s: float
    clients_by_scenario: dict[str, list[str]] = field(default_factory=dict)  # overrides ``clients``


@dataclass
class Outcome:
    """Every value measured for one (scenario, client), or why there is none."""

    values: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    nginx: list[float] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    skipped: int = 0


class MeasurementError(RuntimeError):
    pass


def worker_env() -> dict[str, str]:
    """The parent's environment, quiet, with bench/ importable and bytecode caching on (as a user has it)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(guard.QUIET_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH")]))
    return env


def _run(args: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=worker_env(), check=False)
    except subprocess.TimeoutExpired:
        raise MeasurementError(f"timed out after {timeout:.0f} s") from None
    if done.returncode != 0:
        raise MeasurementError(done.stderr.strip()[-1500:] or f"exit code {done.returncode}")
    return done.stdout.strip().splitlines()[-1]


def measure_import(client: str) -> dict[str, Any]:
    out = _run([sys.executable, "-c", IMPORT_CODE.format(module=CLIENTS[client].module)], 120)
    return {"value": float(out) * 1e3, "wall": None, "nginx": None, "units": 1}


def measure(job: Job) -> dict[str, Any]:
    if job.scenario == "import":
        return measure_import(job.client)
    result: dict[str, Any] = json.loads(
        _run([sys.executable, str(BENCH / "worker.py"), json.dumps(asdict(job))], WORKER_TIMEOUT)
    )
    return result


def run_plan(
    plan: Plan, model: str, port: int, nginx_pid: int, log: Callable[[str], None]
) -> dict[str, dict[str, Outcome]]:
    """Measure everything in ``plan``; returns outcomes by scenario, then client."""
    deadline = time.monotonic() + plan.budget_s
    results: dict[str, dict[str, Outcome]] = {}
    for name in plan.scenarios:
        wanted = plan.clients_by_scenario.get(name, plan.clients)
        clients = [c for c in wanted if name in CLIENTS[c].scenarios]
        outcomes = results[name] = {c: Outcome() for c in clients}
        if name == "import":
            for client in clients:  # once unmeasured: bytecode caches written, files in the page cache
                _try(partial(measure_import, client), outcomes[client], log, f"import warm-up: {client}")
        for round_no in range(plan.rounds[name]):
            order = clients[round_no % len(clients) :] + clients[: round_no % len(clients)]
            for client in order:
                outcome = outcomes[client]
                if outcome.error:
                    continue
                if time.monotonic() > deadline:
                    outcome.skipped += 1
                    continue
                job = Job(name, client, model, port, nginx_pid, plan.counts[name])
                result = _try(partial(measure, job), outcome, log, f"{name} round {round_no + 1}: {client}")
                if result is None:
                    continue
                outcome.values.append(result["value"])
                if result["wall"] is not None:
                    outcome.walls.append(result["wall"])
                    outcome.nginx.append(result["nginx"])
                outcome.extra.append({k: v for k, v in result.items() if k not in ("value", "wall", "nginx")})
                unit = SCENARIOS[name].unit
                log(f"{name} round {round_no + 1}/{plan.rounds[name]}: {client} {result['value']:.1f} {unit}")
    return results


def _try(
    body: Callable[[], dict[str, Any]], outcome: Outcome, log: Callable[[str], None], label: str
) -> dict[str, Any] | None:
    """The result, trying twice (a process can fail for reasons outside it, e.g. a package being
    reinstalled meanwhile); after two failures the error is kept on ``outcome`` and that client is
    not run again."""
    text = "failed"
    for attempt in (1, 2):
        try:
            return body()
        except MeasurementError as exc:
            text = str(exc) or "failed"
            log(f"{label} FAILED (attempt {attempt} of 2): {text[-1500:]}")
    outcome.error = text.splitlines()[-1][:300]
    return None
