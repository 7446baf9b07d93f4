"""The ``hostedllm`` command: ``models``, ``chat``, ``batch`` and ``local``.

Exit status: 0 ok, 1 an error (one ``hostedllm: error: ...`` line on stderr), 2 a usage error,
130 on Ctrl-C. ``--debug`` adds the traceback and DEBUG logs of the ``hostedllm`` logger.
Importing this package loads only the standard library; each command imports what it needs.

>>> main(["local", "--help"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
SystemExit: 0
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hostedllm.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    CommandError,
    Parser,
    UsageError,
    debug_logging,
    epilog,
    paragraph,
    report,
)

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hostedllm`` with ``argv`` (default: the process's arguments); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    with debug_logging(debug):
        return _run(args, debug=debug)


def _run(args: argparse.Namespace, *, debug: bool) -> int:
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (UsageError, CommandError) as error:
        report(error, debug=debug)
        return EXIT_USAGE if isinstance(error, UsageError) else EXIT_ERROR
    except Exception as error:
        from hostedllm.errors import HostedLLMError, RequestValidationError

        if isinstance(error, RequestValidationError):
            report(error, debug=debug)
            return EXIT_USAGE  # a parameter out of range, an unknown model: the command line's fault
        if isinstance(error, HostedLLMError):
            report(error, debug=debug)
            return EXIT_ERROR
        if debug:
            report(error, debug=True)
        else:
            report(f"{type(error).__name__}: {error} (run with --debug for the traceback)")
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    from hostedllm import __version__
    from hostedllm.cli import batch, chat, local, models

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="on errors show the traceback; log the hostedllm logger at DEBUG level to stderr",
    )
    parser = Parser(
        prog=PROG,
        description=paragraph("A model catalog and a chat client for Baichuan, NVIDIA NIM, Novita and local servers."),
        epilog=epilog(
            "hostedllm models --provider novita --max-price 0.5",
            "hostedllm chat --local                 # chat with a small local model, no key needed",
            "hostedllm chat 'Name three rivers.' --model meta/llama-3.3-70b-instruct --provider nim",
            "hostedllm batch prompts.jsonl --model novita:deepseek/deepseek-v3.1 --output answers/ --rpm 600",
            "hostedllm local serve",
        )
        + "\n\nexit status: 0 ok, 1 error, 2 usage error, 130 interrupted (Ctrl-C).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    models.add_parser(commands, [common])
    chat.add_parser(commands, [common])
    batch.add_parser(commands, [common])
    local.add_parser(commands, [common])
    return parser


def _silence_stdout() -> None:
    """After a closed pipe (``hostedllm models | head``), send what is left of stdout nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
