"""The ``hostedllm`` command.

hostedllm models [--provider P] [--capability C ...] [--status S] [--json] [--live]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence

from hostedllm.catalog import Catalog, ModelEntry, default_catalog
from hostedllm.errors import HostedLLMError
from hostedllm.providers import PROVIDERS
from hostedllm.request import max_tokens_limit

CAPABILITY_CODES = {
    "tools": "T",
    "parallel_tool_calls": "P",
    "json_object": "J",
    "json_schema": "S",
    "vision": "V",
    "reasoning": "R",
    "stream_usage": "U",
}
CURRENCY_SIGNS = {"USD": "$", "CNY": "¥"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except HostedLLMError as error:
        print(f"hostedllm: error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hostedllm", description="Hosted LLM catalog and tools.")
    commands = parser.add_subparsers(dest="command")
    models = commands.add_parser("models", help="list the model catalog")
    models.add_argument("--provider", choices=sorted(PROVIDERS), help="only this provider")
    models.add_argument(
        "--capability",
        action="append",
        default=[],
        choices=sorted(CAPABILITY_CODES),
        help="only models with this capability (repeatable)",
    )
    models.add_argument("--status", choices=["active", "deprecated", "retired"], help="only models in this status")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.add_argument(
        "--live", action="store_true", help="also list what the provider's /models reports now (needs its API key)"
    )
    models.set_defaults(run=_models)
    local = commands.add_parser("local", help="run the embedded local model server")
    actions = local.add_subparsers(dest="action", required=True)
    serve = actions.add_parser("serve", help="start SmolLM2-135M-Instruct on a free loopback port")
    serve.add_argument("--port", type=int, help="a fixed port instead of a free one")
    serve.add_argument("--foreground", action="store_true", help="run until Ctrl-C instead of in the background")
    serve.set_defaults(run=_local_serve)
    actions.add_parser("stop", help="stop the background server").set_defaults(run=_local_stop)
    actions.add_parser("status", help="say whether the background server runs").set_defaults(run=_local_status)
    return parser


def _models(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    if args.live:
        catalog = _with_live(catalog, args.provider)
    entries = catalog.models(provider=args.provider, capabilities=args.capability, status=args.status)
    if args.json:
        rows = [{**e.model_dump(mode="json"), "effective_max_output_tokens": max_tokens_limit(e)} for e in entries]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print(format_table(entries))
    return 0


def _local_serve(args: argparse.Namespace) -> int:
    from hostedllm.local import LocalServer, background

    if args.foreground:
        with LocalServer(port=args.port) as server:
            print(f"Serving {server.model_id} at {server.base_url} (Ctrl-C stops it).", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.running().wait()
        return 0
    state = background.serve(port=args.port)
    print(f"Serving {state['model']} at {state['base_url']} (pid {state['pid']}, log {state['log']}).")
    print(f"Use it with: export HOSTEDLLM_LOCAL_BASE_URL={state['base_url']}")
    return 0


def _local_stop(args: argparse.Namespace) -> int:
    from hostedllm.local import background

    print("Stopped the local server." if background.stop() else "No local server was running.")
    return 0


def _local_status(args: argparse.Namespace) -> int:
    from hostedllm.local import background

    state = background.status()
    if state is None:
        print("No local server is running. Start one with `hostedllm local serve`.")
        return 1
    print(f"{state['model']} at {state['base_url']} (pid {state['pid']}).")
    return 0


def _with_live(catalog: Catalog, provider: str | None) -> Catalog:
    from hostedllm.catalog.discovery import discover_models

    names = [provider] if provider else [n for n, spec in PROVIDERS.items() if spec.api_key_required]
    found: list[ModelEntry] = []
    for name in names:
        found.extend(discover_models(name, catalog=catalog))
    return catalog.merged(found)


def format_table(entries: Sequence[ModelEntry]) -> str:
    header = ("PROVIDER", "MODEL", "CONTEXT", "MAX OUT", "PRICE IN/OUT PER 1M", "CAPS", "STATUS")
    rows = [header] + [_row(entry) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    legend = " ".join(f"{code}={name}" for name, code in CAPABILITY_CODES.items())
    return "\n".join([*lines, "", f"{len(entries)} models. CAPS: {legend}. Unknown values show as '-'."])


def _row(entry: ModelEntry) -> tuple[str, ...]:
    caps = "".join(code if getattr(entry.capabilities, name) else "." for name, code in CAPABILITY_CODES.items())
    return (
        entry.provider,
        entry.id if entry.curated else f"{entry.id} (live)",
        _count(entry.context_window),
        _count(max_tokens_limit(entry)),
        _price(entry),
        caps,
        _status(entry),
    )


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _price(entry: ModelEntry) -> str:
    price = entry.price
    if price is None or price.input is None or price.output is None:
        return "-"
    sign = CURRENCY_SIGNS.get(price.currency, price.currency + " ")
    return f"{sign}{_money(price.input)} / {sign}{_money(price.output)}"


def _money(value: float) -> str:
    whole, _, cents = f"{value:.4f}".rstrip("0").partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def _status(entry: ModelEntry) -> str:
    status = entry.status
    if status.state == "active":
        return "active"
    text = f"{status.state} {status.since.isoformat() if status.since else ''}".rstrip()
    return f"{text} -> {status.replacement}" if status.replacement else text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
