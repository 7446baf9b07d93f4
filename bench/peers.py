"""Our LangChain/LlamaIndex classes against their peers and floors, all against nginx on loopback.

    .venv/bin/python bench/peers.py                      # everything (make bench runs this)
    .venv/bin/python bench/peers.py --quick              # small counts, one round: a smoke run
    .venv/bin/python bench/peers.py --quick --only stream --clients ours-langchain,floor-langchain

Prints one markdown table per scenario and writes them (with the machine and our
targets) to bench/results.md for a full run, bench/results-partial.md otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType

import report
from clients import CLIENTS
from runner import BENCH, Plan, run_plan
from scenarios import SCENARIOS, describe
from server import CannedServer, nginx_version

FULL_ROUNDS = 5
#: 10,000 calls per round is the slowest row by far: 3 rounds keep `make bench` within ~20 minutes.
FULL_ROUNDS_BY_SCENARIO = {"abatch": 3}
QUICK_ROUNDS = 1
#: abatch compares LangChain's own batching (and LlamaIndex's gather); the raw clients' gather is the fan-out row.
ABATCH_CLIENTS = frozenset(
    {
        "ours-langchain",
        "peer-chatopenai",
        "peer-chatnvidia",
        "floor-langchain",
        "ours-llamaindex",
        "peer-openailike",
        "floor-llamaindex",
    }
)


def _csv(choices: list[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {', '.join(choices)}")
        return names

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts and one round (a smoke run)")
    parser.add_argument(
        "--only", type=_csv(list(SCENARIOS)), help=f"scenarios, comma-separated: {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--clients", type=_csv(list(CLIENTS)), help=f"clients, comma-separated: {', '.join(CLIENTS)}")
    parser.add_argument("--rounds", type=int, help="rounds for every scenario (default 5, abatch 3; --quick 1)")
    parser.add_argument(
        "--budget-minutes", type=float, default=30.0, help="stop measuring after this long (default 30)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="pyinstrument each measured section into DIR (numbers then include it)",
    )
    parser.add_argument("--output", type=Path, help="markdown file (default bench/results.md, or results-partial.md)")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    scenarios = args.only or list(SCENARIOS)
    clients = args.clients or list(CLIENTS)
    rounds = {
        name: args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS_BY_SCENARIO.get(name, FULL_ROUNDS))
        for name in scenarios
    }
    counts = {name: dict(SCENARIOS[name].quick if args.quick else SCENARIOS[name].full) for name in scenarios}
    only = {"abatch": [c for c in clients if c in ABATCH_CLIENTS]} if "abatch" in scenarios and not args.clients else {}
    return Plan(scenarios, clients, rounds, counts, args.budget_minutes * 60, only)


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def first_novita_model() -> str:
    """The model `hostedllm models --provider novita` lists first."""
    from hostedllm.catalog import default_catalog

    return default_catalog().models(provider="novita")[0].id


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_term)
    plan = make_plan(args)
    if args.profile:
        os.environ["BENCH_PROFILE"] = str(args.profile.resolve())
    partial = args.quick or args.only or args.clients or args.rounds or args.profile
    output = args.output or BENCH / ("results-partial.md" if partial else "results.md")
    model = first_novita_model()
    chunks = plan.counts.get("stream", SCENARIOS["stream"].full)["chunks"]
    started, load0 = time.monotonic(), os.getloadavg()
    with CannedServer(model, chunks) as server:
        _log(f"nginx {nginx_version()} on 127.0.0.1:{server.port} (worker pid {server.worker_pid}); model {model}")
        results = run_plan(plan, model, server.port, server.worker_pid, _log)
    minutes = (time.monotonic() - started) / 60
    header = (
        f"{'Quick' if args.quick else 'Full'} run, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {minutes:.1f} min. "
        f"Rounds: {', '.join(f'{name} {n}' for name, n in plan.rounds.items())}. "
        f"Counts: {'; '.join(f'{name} {describe(counts)}' for name, counts in plan.counts.items() if counts)}. "
        f"Model id sent by every client: `{model}`."
    )
    notes = [
        f"load average (1 min) at start {load0[0]:.2f}, at end {os.getloadavg()[0]:.2f}",
        "each (scenario, client, round) runs in a fresh worker process; clients alternate within each round",
    ]
    text = report.render(results, header, report.machine(nginx_version(), notes))
    print(text)
    output.write_text(text)
    raw = {
        name: {client: asdict(outcome) for client, outcome in outcomes.items()} for name, outcomes in results.items()
    }
    output.with_suffix(".json").write_text(json.dumps({"plan": asdict(plan), "model": model, "results": raw}, indent=1))
    _log(f"wrote {output} and {output.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _log("interrupted: nginx stopped")
        sys.exit(130)
