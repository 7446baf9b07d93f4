"""``hostedllm local serve|stop|status``: the embedded models' servers on loopback (chat, or ``--embedding``)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from hostedllm.cli.common import epilog, paragraph


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``local`` and its actions to the ``hostedllm`` subcommands."""
    raw = argparse.RawDescriptionHelpFormatter
    local = commands.add_parser(
        "local",
        parents=parents,
        help="run the embedded local model server",
        description=paragraph(
            "Run SmolLM2-135M-Instruct (or, with --embedding, the all-MiniLM-L6-v2 embedding model) behind "
            "llama.cpp's OpenAI-compatible server on loopback (no key needed)."
        ),
        epilog=epilog(
            "hostedllm local serve && hostedllm local status",
            "hostedllm chat 'Hi!' --provider local --base-url http://127.0.0.1:<port>/v1",
            "hostedllm local stop",
        ),
        formatter_class=raw,
    )
    actions = local.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
    serve = actions.add_parser(
        "serve",
        parents=parents,
        help="start SmolLM2-135M-Instruct on a free loopback port",
        description=paragraph("Start the local model server in the background (or in the foreground until Ctrl-C)."),
        epilog=epilog(
            "hostedllm local serve",
            "hostedllm local serve --port 8080 --foreground",
            "hostedllm local serve --embedding",
        ),
        formatter_class=raw,
    )
    serve.add_argument("--port", type=int, help="a fixed port instead of a free one")
    serve.add_argument("--foreground", action="store_true", help="run until Ctrl-C instead of in the background")
    serve.set_defaults(run=serve_command)
    stop = actions.add_parser(
        "stop",
        parents=parents,
        help="stop the background server",
        description=paragraph("Stop the background server started by `hostedllm local serve`, with its process group."),
        epilog=epilog("hostedllm local stop", "hostedllm local stop --embedding"),
        formatter_class=raw,
    )
    stop.set_defaults(run=stop_command)
    status = actions.add_parser(
        "status",
        parents=parents,
        help="say whether the background server runs",
        description=paragraph("Say whether the background server runs, and where (exit status 1 if it does not)."),
        epilog=epilog("hostedllm local status"),
        formatter_class=raw,
    )
    status.set_defaults(run=status_command)
    for action in (serve, stop, status):
        action.add_argument(
            "--embedding", action="store_true", help="the embedding model's server (all-MiniLM-L6-v2), not the chat one"
        )


def serve_command(args: argparse.Namespace) -> int:
    from hostedllm.cli.spinner import Spinner
    from hostedllm.local import LocalServer, background

    if args.foreground:
        server = LocalServer(port=args.port, embedding=args.embedding)
        try:
            with Spinner("starting the local model", stream=sys.stderr):
                server.start()
            print(f"Serving {server.model_id} at {server.base_url} (Ctrl-C stops it).", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                server.running().wait()
        finally:
            server.stop()
        return 0
    with Spinner("starting the local model", stream=sys.stderr):
        state = background.serve(port=args.port, embedding=args.embedding)
    print(f"Serving {state['model']} at {state['base_url']} (pid {state['pid']}, log {state['log']}).")
    print(f"Use it with: export HOSTEDLLM_LOCAL_BASE_URL={state['base_url']}")
    return 0


def stop_command(args: argparse.Namespace) -> int:
    from hostedllm.local import background

    stopped = background.stop(embedding=args.embedding)
    print("Stopped the local server." if stopped else "No local server was running.")
    return 0


def status_command(args: argparse.Namespace) -> int:
    from hostedllm.local import background

    state = background.status(embedding=args.embedding)
    if state is None:
        flag = " --embedding" if args.embedding else ""
        print(f"No local server is running. Start one with `hostedllm local serve{flag}`.")
        return 1
    print(f"{state['model']} at {state['base_url']} (pid {state['pid']}).")
    return 0
