"""``hostedllm models``: the catalog as a table or JSON, filtered, optionally merged with live ``/models``.

>>> tokens("32k"), tokens("1M"), tokens("8192")
(32000, 1000000, 8192)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hostedllm.cli.common import CURRENCY_SIGNS, CommandError, epilog, missing_key, paragraph, warn

if TYPE_CHECKING:
    from hostedllm.catalog import Catalog, ModelEntry
    from hostedllm.catalog.live_diff import CatalogDiff

CAPABILITY_CODES = {
    "tools": "T",
    "parallel_tool_calls": "P",
    "json_object": "J",
    "json_schema": "S",
    "vision": "V",
    "reasoning": "R",
    "stream_usage": "U",
}
STATUSES = ("active", "deprecated", "retired")
KINDS = ("chat", "embedding", "rerank")
_SUFFIXES = {"k": 1_000, "m": 1_000_000}


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``models`` to the ``hostedllm`` subcommands."""
    from hostedllm.providers import PROVIDERS

    models = commands.add_parser(
        "models",
        parents=parents,
        help="list the model catalog",
        description=paragraph("List the model catalog: context window, max output, price, capabilities and status."),
        epilog=epilog(
            "hostedllm models --provider nim --capability tools",
            "hostedllm models --max-price 0.5 --min-context 128k",
            "hostedllm models --status retired --json",
            "hostedllm models --provider novita --live      # also what Novita lists now (NOVITA_API_KEY)",
            "hostedllm models --provider novita --live --diff   # catalog rows gone upstream, new models, changes",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    models.add_argument("--provider", choices=sorted(PROVIDERS), help="only this provider")
    models.add_argument(
        "--capability",
        action="append",
        default=[],
        choices=sorted(CAPABILITY_CODES),
        help="only models with this capability (repeatable)",
    )
    models.add_argument("--status", choices=STATUSES, help="only models in this status")
    models.add_argument("--kind", choices=KINDS, help="only chat, embedding or rerank models")
    models.add_argument(
        "--max-price",
        type=price,
        metavar="X",
        help="only models whose input price per 1M tokens is at most X, in the model's own currency "
        "(USD or CNY, as the PRICE column shows); models without a known price are left out",
    )
    models.add_argument(
        "--min-context",
        type=tokens,
        metavar="N",
        help="only models with a context window of at least N tokens (32k means 32,000); "
        "models with an unknown window are left out",
    )
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.add_argument(
        "--live",
        action="store_true",
        help="also list what the provider's /models reports now (needs its API key; without --provider, "
        "every provider whose key is set)",
    )
    models.add_argument(
        "--diff",
        action="store_true",
        help="with --live: print only how the catalog differs from the live lists (rows no longer listed, "
        "models the catalog lacks, changed context, max output or price); the filters above do not apply",
    )
    models.set_defaults(run=run, models_parser=models)


def price(text: str) -> float:
    """A ``--max-price`` value: a non-negative number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a price (a number >= 0)")
    return value


def tokens(text: str) -> int:
    """A token count: ``8192``, ``32k`` (32,000) or ``1M``."""
    number, factor = text.strip(), 1
    if number[-1:].lower() in _SUFFIXES:
        number, factor = number[:-1], _SUFFIXES[number[-1].lower()]
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a token count such as 8192 or 32k") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a token count (a number >= 0)")
    return value


def run(args: argparse.Namespace) -> int:
    from hostedllm.catalog import default_catalog
    from hostedllm.request import max_tokens_limit

    catalog = default_catalog()
    if args.diff:
        if not args.live:
            args.models_parser.error("--diff compares the catalog with what the providers list now; add --live")
        return print_diff(catalog, args.provider, as_json=args.json)
    if args.live:
        catalog = with_live(catalog, args.provider)
    entries = [
        entry
        for entry in catalog.models(
            provider=args.provider, capabilities=args.capability, status=args.status, kind=args.kind
        )
        if _cheap_enough(entry, args.max_price) and _long_enough(entry, args.min_context)
    ]
    if args.json:
        rows = [{**e.model_dump(mode="json"), "effective_max_output_tokens": max_tokens_limit(e)} for e in entries]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print(format_table(entries))
    return 0


def _cheap_enough(entry: ModelEntry, most: float | None) -> bool:
    if most is None:
        return True
    return entry.price is not None and entry.price.input is not None and entry.price.input <= most


def _long_enough(entry: ModelEntry, least: int | None) -> bool:
    return least is None or (entry.context_window is not None and entry.context_window >= least)


def with_live(catalog: Catalog, provider: str | None) -> Catalog:
    """``catalog`` merged with what each provider's ``/models`` lists now (the file is never written)."""
    return catalog.merged(entry for found in live_lists(catalog, provider).values() for entry in found)


def print_diff(catalog: Catalog, provider: str | None, *, as_json: bool) -> int:
    """Print how ``catalog`` differs from each provider's live list (``--live --diff``)."""
    from hostedllm.catalog.live_diff import diff_against_live

    diffs = [diff_against_live(catalog, name, found) for name, found in live_lists(catalog, provider).items()]
    if as_json:
        print(json.dumps([diff.as_dict() for diff in diffs], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(format_diff(diff) for diff in diffs))
    return 0


def live_lists(catalog: Catalog, provider: str | None) -> dict[str, list[ModelEntry]]:
    """What each provider asked lists now, by provider name (only those whose key is set, without ``provider``)."""
    from hostedllm.catalog.discovery import discover_models
    from hostedllm.cli.spinner import Spinner
    from hostedllm.providers import PROVIDERS

    if provider is not None:
        error = missing_key(PROVIDERS[provider], " or drop --live")
        if error is not None:
            raise error
        names = [provider]
    else:
        wanted = [name for name, spec in PROVIDERS.items() if spec.api_key_required]
        names = [name for name in wanted if missing_key(PROVIDERS[name], "") is None]
        unset = [str(PROVIDERS[name].api_key_env) for name in wanted if name not in names]
        if not names:
            raise CommandError(f"--live needs a provider key, and none is set ({', '.join(unset)})")
        if unset:
            warn(f"--live skips the providers whose key is not set ({', '.join(unset)})")
    found: dict[str, list[ModelEntry]] = {}
    for name in names:
        with Spinner(f"asking {name} for its models", stream=sys.stderr):
            found[name] = discover_models(name, catalog=catalog)
    return found


def format_diff(diff: CatalogDiff) -> str:
    """The ``--live --diff`` report for one provider: a title, then one section per kind of difference."""
    title = f"{diff.provider}: {diff.listed} model{'' if diff.listed == 1 else 's'} listed upstream"
    if not diff:
        return f"{title}; the catalog agrees (no row missing, no new model, no changed figure)."
    sections: list[tuple[str, list[tuple[str, ...]]]] = [
        ("missing upstream (maybe retired)", [_diff_row(e, (e.id, _status(e))) for e in diff.missing_upstream]),
        ("new upstream (not in the catalog)", [_diff_row(e, (e.id,)) for e in diff.new_upstream]),
        (
            "changed (catalog -> live)",
            [
                (c.key.partition(":")[2], c.field, f"{_figure(c.catalog, c.unit)} -> {_figure(c.live, c.unit)}")
                for c in diff.changed
            ],
        ),
        ("retired in the catalog but still listed", [(e.id, _status(e)) for e in diff.listed_but_retired]),
    ]
    lines = [title + ":"]
    for name, rows in sections:
        if rows:
            lines += ["", f"  {name} ({len(rows)}):", *_columns(rows, indent="    ")]
    return "\n".join(lines)


def _diff_row(entry: ModelEntry, head: tuple[str, ...]) -> tuple[str, ...]:
    return (
        *head,
        f"context {_count(entry.context_window)}",
        f"max out {_count(entry.max_output_tokens)}",
        _price(entry),
    )


def _figure(value: object, currency: str | None) -> str:
    if currency is not None and isinstance(value, (int, float)):
        return CURRENCY_SIGNS.get(currency, currency + " ") + _money(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _count(value)
    return str(value)


def _columns(rows: Sequence[tuple[str, ...]], indent: str) -> list[str]:
    width = max(len(row) for row in rows)
    cells = [(*row, *("",) * (width - len(row))) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(width)]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]


def format_table(entries: Sequence[ModelEntry]) -> str:
    """The ``hostedllm models`` table, with a legend line."""
    header = ("PROVIDER", "MODEL", "KIND", "CONTEXT", "MAX OUT", "PRICE IN/OUT PER 1M", "CAPS", "STATUS")
    rows = [header] + [_row(entry) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    legend = " ".join(f"{code}={name}" for name, code in CAPABILITY_CODES.items())
    return "\n".join(
        [*lines, "", f"{len(entries)} models. CAPS: {legend}; '-' no, '.' unknown (tried, with a warning)."]
    )


def _row(entry: ModelEntry) -> tuple[str, ...]:
    from hostedllm.request import max_tokens_limit

    caps = "".join(_capability(getattr(entry.capabilities, name), code) for name, code in CAPABILITY_CODES.items())
    return (
        entry.provider,
        f"{entry.id} (live)" if entry.origin == "live" else entry.id,
        entry.kind,
        _count(entry.context_window),
        _count(max_tokens_limit(entry)),
        _price(entry),
        caps,
        _status(entry),
    )


def _capability(value: bool | None, code: str) -> str:
    return code if value else "." if value is None else "-"


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
