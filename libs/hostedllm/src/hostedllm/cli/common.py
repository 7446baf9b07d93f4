"""What every ``hostedllm`` command shares: its errors, terminal checks, styling and money format.

Nothing here imports more than the standard library, so ``import hostedllm.cli`` stays cheap.

>>> format_money(0.0000213, "USD")
'$0.000021'
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from hostedllm.providers import ProviderSpec

PROG = "hostedllm"
CURRENCY_SIGNS = {"USD": "$", "CNY": "¥"}

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class UsageError(Exception):
    """The command line asks for something impossible (exit status 2)."""


class CommandError(Exception):
    """The command could not do its job (exit status 1)."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one ``hostedllm: error: ...`` line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}. See '{self.prog} --help'.\n")


def error_line(message: object) -> str:
    """The one line an error is reported as.

    >>> error_line("NOVITA_API_KEY is not set")
    'hostedllm: error: NOVITA_API_KEY is not set'
    """
    text = " ".join(str(message).split())  # one line, whatever the message holds
    return f"{PROG}: error: {text}"


def report(error: BaseException | str, *, debug: bool = False, stream: TextIO | None = None) -> None:
    """Print ``error`` as one line on stderr; with ``debug``, its traceback first."""
    out = stream or sys.stderr
    if debug and isinstance(error, BaseException):
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__, file=out)
    out.write(error_line(error) + "\n")
    out.flush()


def warn(message: object, stream: TextIO | None = None) -> None:
    (stream or sys.stderr).write(f"{PROG}: warning: {' '.join(str(message).split())}\n")


@contextlib.contextmanager
def debug_logging(enabled: bool) -> Iterator[None]:
    """While the command runs, DEBUG records of the ``hostedllm`` logger go to stderr (never the key)."""
    if not enabled:
        yield
        return
    import logging

    logger = logging.getLogger("hostedllm")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal that understands cursor moves."""
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def dim(text: str, stream: TextIO) -> str:
    """``text`` in the terminal's faint style, unless ``stream`` is not a terminal or NO_COLOR is set."""
    if os.environ.get("NO_COLOR") or not is_terminal(stream):
        return text
    return f"\033[2m{text}\033[0m"


def approx(stream: TextIO) -> str:
    """``≈``, or ``~`` where the stream cannot encode it."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "≈".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "~"
    return "≈"


def format_money(amount: float, currency: str) -> str:
    """An amount with two significant digits for fractions of a cent, else two decimals.

    >>> format_money(1.234, "USD"), format_money(0.0123, "CNY"), format_money(0, "USD")
    ('$1.23', '¥0.012', '$0.00')
    """
    decimals = 2 if amount <= 0 else max(2, 1 - math.floor(math.log10(amount)))
    sign = CURRENCY_SIGNS.get(currency, currency + " ")
    return f"{sign}{amount:.{decimals}f}"


def missing_key(spec: ProviderSpec, alternative: str) -> CommandError | None:
    """A one-line error naming ``spec``'s key variable when it is not set, else ``None``.

    The check is the core's own (:func:`hostedllm.settings.resolve_api_key`).
    """
    from hostedllm.errors import ConfigurationError
    from hostedllm.settings import resolve_api_key

    try:
        resolve_api_key(spec, None)
    except ConfigurationError:
        where = f" (get a key at {spec.key_url})" if spec.key_url else ""
        return CommandError(f"{spec.api_key_env} is not set; export it{where}{alternative}")
    return None


def paragraph(text: str) -> str:
    """``text`` wrapped for ``--help`` (the help formatter keeps it as is, like the examples)."""
    return textwrap.fill(" ".join(text.split()), 79)


def epilog(*examples: str) -> str:
    """The ``--help`` epilog: the examples, one a line."""
    return "examples:\n" + "\n".join(f"  {example}" for example in examples)
