"""``hostedllm batch``: one model over every row of a JSONL or Parquet file, in this process, resumable.

Each row is ``{"id": ..., "input": ...}`` (a prompt or a message list; a text with ``--embed``). Results
go to Parquet part files in ``--output`` as chunks finish; running the same command again does only the
rows not yet written. ``--rpm``/``--tpm`` keep the account's rate limit (without them, the limit the
provider publishes for every account, if it has one); a 429 is retried by the one retry layer and its
``Retry-After`` pauses every request in flight.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from hostedllm.cli.common import EXIT_OK, UsageError, epilog, missing_key, paragraph

if TYPE_CHECKING:
    from hostedllm.providers import ProviderSpec
    from hostedllm.transport.ratelimit import RateLimit


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``batch`` to the ``hostedllm`` subcommands."""
    from hostedllm.providers import PROVIDERS

    batch = commands.add_parser(
        "batch",
        parents=parents,
        help="run a model over every row of a file, resumably",
        description=paragraph(
            "Run one model over every {id, input} row of a JSONL or Parquet file (a prompt or a message list; a "
            "text with --embed). Results go to Parquet part files in --output as chunks finish; the same command "
            "again does only the rows not yet written. --rpm and --tpm keep the account's rate limit (without them, "
            "the limit the provider publishes for every account, if it has one); a 429 is retried, and its "
            "Retry-After pauses every request in flight."
        ),
        epilog=epilog(
            "hostedllm batch prompts.jsonl --model novita:deepseek/deepseek-v3.1 --output answers/ --rpm 600",
            "hostedllm batch texts.parquet --model nim:nvidia/nv-embedqa-e5-v5 --embed --output vectors/",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("input", metavar="INPUT", help="a .jsonl or .parquet file of {id, input} rows")
    batch.add_argument("-m", "--model", required=True, help="a catalog model id, or provider:id")
    batch.add_argument("-p", "--provider", choices=sorted(PROVIDERS), help="the provider, if the id is ambiguous")
    batch.add_argument("-o", "--output", required=True, metavar="FOLDER", help="where the Parquet results go")
    batch.add_argument("--embed", action="store_true", help="embed each input (an embedding model)")
    batch.add_argument("--max-tokens", type=int, metavar="N", help="the longest answer, in tokens")
    batch.add_argument("--concurrency", type=int, default=8, metavar="N", help="requests in flight (default 8)")
    batch.add_argument("--chunk-size", type=int, default=100, metavar="N", help="rows per result file (default 100)")
    batch.add_argument("--rpm", type=float, metavar="N", help="the account's requests per minute")
    batch.add_argument("--tpm", type=float, metavar="N", help="the account's tokens per minute")
    batch.add_argument("--no-rate-limit", action="store_true", help="no pacing: as fast as --concurrency allows")
    batch.add_argument("--base-url", metavar="URL", help="another endpoint, e.g. a local server's")
    batch.add_argument(
        "--ray",
        type=int,
        metavar="WORKERS",
        help="run on Ray Data with this many actors (pip install 'hostedllm[ray]'; the cluster from RAY_ADDRESS, "
        "else a local one), all under one shared rate limit",
    )
    batch.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the model, then run the job with a progress line on stderr and the summary on stdout."""
    from hostedllm import ChatClient, EmbeddingsClient
    from hostedllm.batch.files import read_rows
    from hostedllm.batch.runner import chat_work, embedding_work, run_job
    from hostedllm.catalog import default_catalog
    from hostedllm.cli.chat import resolve_target
    from hostedllm.providers import get_provider

    provider, model = resolve_target(default_catalog(), args.model, args.provider, local=False)
    error = missing_key(get_provider(provider), ", or pass --base-url to a server that needs none")
    if error is not None and args.base_url is None:
        raise error
    limit: Any = rate_limit(args, get_provider(provider))
    if args.ray is not None and limit is not None:
        from hostedllm.batch.ray_limiter import SharedRateLimiter

        _start_ray()
        limit = SharedRateLimiter(limit)
    connection = {"base_url": args.base_url, "rate_limit": limit}
    params = {"max_tokens": args.max_tokens} if args.max_tokens else {}
    embed = args.embed

    def make_work() -> Any:
        if embed:
            return embedding_work(EmbeddingsClient(provider, model, **connection))
        return chat_work(ChatClient(provider, model, **connection), params=params)

    make_work()  # a bad model or parameter fails here, before any row is sent
    err = sys.stderr

    def progress(summary: Any) -> None:
        err.write("\r" + summary.bar())
        err.flush()

    if args.ray is not None:
        from hostedllm.batch.ray_data import run_on_ray

        _start_ray()
        summary = run_on_ray(
            args.input,
            make_work,
            args.output,
            workers=args.ray,
            concurrency=args.concurrency,
            batch_size=args.chunk_size,
            progress=progress,
        )
    else:
        summary = run_job(
            read_rows(args.input),
            make_work(),
            args.output,
            concurrency=args.concurrency,
            chunk_size=args.chunk_size,
            progress=progress,
        )
    err.write("\n")
    sys.stdout.write(summary.line() + "\n")
    return EXIT_OK


def rate_limit(args: argparse.Namespace, spec: ProviderSpec) -> RateLimit | None:
    """``--rpm``/``--tpm``; else the limit the provider publishes for every account (said on stderr), if it
    has one and the job goes to it (not to a server of the user's own)."""
    from hostedllm.settings import resolve_base_url
    from hostedllm.transport.ratelimit import RateLimit

    if args.no_rate_limit:
        if args.rpm or args.tpm:
            raise UsageError("--no-rate-limit contradicts --rpm/--tpm: keep one or the other.")
        return None
    if args.rpm or args.tpm:
        return RateLimit(args.rpm, args.tpm)
    published = spec.account_limits
    if published is None or resolve_base_url(spec, args.base_url) != spec.base_url.rstrip("/"):
        return None
    if published.limit is None:
        sys.stderr.write(f"no rate limit set (--rpm/--tpm keep yours); at {spec.display_name}: {published.summary}.\n")
        return None
    sys.stderr.write(
        f"rate limit: {spec.display_name}'s published one, {published.summary} "
        "(--rpm/--tpm for yours, --no-rate-limit for none).\n"
    )
    return published.limit


def _start_ray() -> None:
    """Join the cluster ``RAY_ADDRESS`` names, or start a local one (once)."""
    from hostedllm.batch.ray_limiter import import_ray

    ray = import_ray()

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
