"""``hostedllm chat``: stream an answer from a catalog model, or chat with it interactively.

The answer goes to stdout as it arrives; a usage and cost line goes to stderr. This module parses
the command and resolves the model; :mod:`hostedllm.cli.session` holds the conversation.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from hostedllm.cli.common import (
    EXIT_OK,
    CommandError,
    UsageError,
    dim,
    epilog,
    missing_key,
    paragraph,
    warn,
)

LOCAL_MODEL = "smollm2-135m-instruct"  # hostedllm.local.MODEL_ID, without importing the server here
COMMANDS_HELP = "/reset clears the history, /exit or Ctrl-D ends, Ctrl-C stops an answer (at the prompt, ends)"

if TYPE_CHECKING:
    from hostedllm.catalog import Catalog
    from hostedllm.client import ChatClient


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add ``chat`` to the ``hostedllm`` subcommands."""
    from hostedllm.providers import PROVIDERS

    chat = commands.add_parser(
        "chat",
        parents=parents,
        help="chat with a model: one prompt, or an interactive session",
        description=paragraph(
            "Stream a model's answer to stdout; usage and estimated cost go to stderr. Without PROMPT (and "
            "with a terminal on stdin) start an interactive session that keeps the history: "
            + COMMANDS_HELP
            + ". The key comes from the provider's own variable (e.g. NOVITA_API_KEY)."
        ),
        epilog=epilog(
            "hostedllm chat --local                                  # the local model, started for the session",
            "hostedllm chat 'Name three rivers.' --model qwen/qwen-2.5-72b-instruct",
            "hostedllm chat --model Baichuan4-Turbo --system 'Answer briefly.'",
            "git diff | hostedllm chat - --model deepseek/deepseek-v3.2 --max-tokens 400",
            "hostedllm chat 'Hi!' --model smollm2-135m-instruct --provider local --base-url http://127.0.0.1:8080/v1",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chat.add_argument(
        "prompt",
        nargs="?",
        metavar="PROMPT",
        help="what to ask; '-' reads it from stdin; omit it for an interactive session",
    )
    chat.add_argument("-m", "--model", help="a catalog model id (see `hostedllm models`), or provider:id")
    chat.add_argument(
        "-p",
        "--provider",
        choices=sorted(PROVIDERS),
        help="the provider (needed only when several serve the model, or for a local server)",
    )
    chat.add_argument("-s", "--system", metavar="TEXT", help="a system message")
    chat.add_argument("--max-tokens", type=int, metavar="N", help="the longest answer, in tokens")
    chat.add_argument("-t", "--temperature", type=float, metavar="T", help="sampling temperature")
    chat.add_argument(
        "--base-url", metavar="URL", help="another endpoint, e.g. a local server's http://127.0.0.1:8080/v1"
    )
    chat.add_argument(
        "--local",
        action="store_true",
        help=f"chat with the embedded local model ({LOCAL_MODEL}): the server from `hostedllm local serve` "
        "if one runs, else one started for this session",
    )
    chat.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The ``chat`` command: resolve, check, then answer once or start the session."""
    from hostedllm.catalog import default_catalog
    from hostedllm.cli.session import Session, unreachable_hint
    from hostedllm.errors import HostedLLMError
    from hostedllm.providers import get_provider

    debug = bool(getattr(args, "debug", False))
    out, err = sys.stdout, sys.stderr
    if args.local and args.base_url:
        raise UsageError("--local starts its own server; pass either --local or --base-url")
    catalog = default_catalog()
    provider, model = resolve_target(catalog, args.model, args.provider, local=args.local)
    spec = get_provider(provider)
    error = missing_key(spec, ", or use a local server: --local, or --provider local --base-url URL")
    if error is not None:
        raise error
    params = {"max_tokens": args.max_tokens, "temperature": args.temperature}
    params = {name: value for name, value in params.items() if value is not None}
    with contextlib.ExitStack() as stack:
        start_server: Callable[[], None] | None = None
        base_url = args.base_url
        where = ""
        if args.local:
            base_url, where, start_server = _local_server(stack, err)
        client = stack.enter_context(_open_client(provider, model, base_url, err))
        system = [{"role": "system", "content": args.system}] if args.system else []
        client.build_request([*system, {"role": "user", "content": "Hi"}], params=params)  # fails before any wait
        prompt = _read_prompt(args.prompt)
        if start_server is not None:
            stack.enter_context(_stop_on_termination())
            start_server()
        session = Session(client, params, args.system, out=out, err=err, debug=debug)
        if prompt is not None:
            try:
                session.ask(prompt)
            except HostedLLMError as failure:
                hint = unreachable_hint(failure, spec)
                if hint is None:
                    raise
                raise CommandError(f"{failure} {hint}") from failure
            err.write(dim(session.usage_text(session.last), err) + "\n")
            return EXIT_OK
        return session.interact(where or client.base_url)


def resolve_target(catalog: Catalog, model: str | None, provider: str | None, *, local: bool) -> tuple[str, str]:
    """The ``(provider, model id)`` to chat with: the catalog names the provider when the id is unique.

    >>> from hostedllm.catalog import default_catalog
    >>> resolve_target(default_catalog(), "qwen/qwen-2-72b-instruct", None, local=False)
    ('novita', 'qwen/qwen-2-72b-instruct')
    """
    from hostedllm.catalog.catalog import STRICT_CATALOG_ENV, strict_catalog
    from hostedllm.providers import PROVIDERS
    from hostedllm.providers.local import LOCAL

    if local:
        if provider not in (None, LOCAL.name):
            raise UsageError(f"--local chats with the local model; drop --provider {provider}")
        return LOCAL.name, model or LOCAL_MODEL
    if model is None:
        if provider == LOCAL.name:
            return LOCAL.name, LOCAL_MODEL
        raise UsageError(
            "--model is required (list the models with `hostedllm models`), "
            "or chat with the local model: hostedllm chat --local"
        )
    prefix, colon, rest = model.partition(":")
    if provider is None and colon and prefix in PROVIDERS:
        provider, model = prefix, rest
    if provider is not None:
        entry = catalog.find(model, provider)
        if entry is None and not PROVIDERS[provider].open_model_list and strict_catalog():
            raise UsageError(_unknown_model(catalog, model, provider) + f" (${STRICT_CATALOG_ENV} is set)")
        return provider, entry.id if entry is not None else model  # an unknown id: the client warns once
    matches = [entry for name in PROVIDERS if (entry := catalog.find(model, name)) is not None]
    if len(matches) == 1:
        return matches[0].provider, matches[0].id
    if matches:
        names = ", ".join(entry.provider for entry in matches)
        raise UsageError(f"{model!r} is served by several providers ({names}); pick one with --provider")
    raise UsageError(_unknown_model(catalog, model, None))


def _unknown_model(catalog: Catalog, model: str, provider: str | None) -> str:
    from hostedllm.providers import PROVIDERS
    from hostedllm.providers.local import LOCAL

    text = f"unknown model {model!r}" + (f" for {provider}" if provider else "")
    suggestions = catalog.suggest(model, provider)
    text += ("; did you mean " + " or ".join(repr(s) for s in suggestions) + "?") if suggestions else "."
    elsewhere = [name for name in PROVIDERS if provider and name != provider and catalog.find(model, name)]
    if elsewhere:
        text += f" It is served by {', '.join(elsewhere)}: pass --provider {elsewhere[0]}."
    listing = f"hostedllm models --provider {provider}" if provider else "hostedllm models"
    text += f" List the models with `{listing}`"
    if provider is None:
        text += "; for a model newer than the catalog pass --provider"
    if provider != LOCAL.name:
        text += f"; for a model on a local OpenAI-compatible server pass --provider {LOCAL.name} --base-url URL"
    return text + "."


def _open_client(provider: str, model: str, base_url: str | None, err: TextIO) -> ChatClient:
    """The client, with a deprecated or retired model's warning as one ``hostedllm: warning:`` line."""
    from hostedllm.client import ChatClient

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = ChatClient(provider, model, base_url=base_url)
    for warning in caught:
        warn(warning.message, err)
    return client


def _read_prompt(prompt: str | None) -> str | None:
    """The one prompt to answer (``-`` or a piped stdin read in full), or ``None`` for a session."""
    if prompt is None and _stdin_is_terminal():
        return None
    text = sys.stdin.read() if prompt in (None, "-") else str(prompt)
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text


def _stdin_is_terminal() -> bool:
    try:
        return bool(sys.stdin.isatty())
    except (AttributeError, ValueError):
        return False


def _local_server(stack: contextlib.ExitStack, err: TextIO) -> tuple[str, str, Callable[[], None] | None]:
    """The local server's base URL, a description, and how to start it (``None``: it already runs)."""
    from hostedllm.local import LocalServer, background

    state = background.status()
    if state is not None and state.get("ready", True):
        url = str(state["base_url"])
        return url, f"{url}, the server from `hostedllm local serve`", None
    server = LocalServer()
    stack.callback(server.stop)

    def start() -> None:
        from hostedllm.cli.spinner import Spinner

        with Spinner(f"starting the local model ({server.model_id})", stream=err):
            server.start()

    return server.base_url, f"{server.base_url}, started for this session", start


@contextlib.contextmanager
def _stop_on_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into a normal exit, so a server started for the session is stopped."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        for sig in previous:
            signal.signal(sig, leave)
    except ValueError:  # not the main thread: leave the handlers alone
        previous = {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
