"""Keep a benchmark process on loopback: any other connect, send or name lookup raises.

An audit hook (PEP 578) sees every ``socket.connect``/``sendto``/``getaddrinfo`` in the process,
C-level ones included, so a client that tries to phone home (model lists, telemetry, tokenizer
downloads) fails loudly instead of sending traffic off the machine. It imports nothing, so it
can be installed before an import is timed, and costs nothing per request on a pooled
connection.
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: Tracing and telemetry some of the peers would otherwise turn on from the environment.
QUIET_ENV = {
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_API_KEY": "",
    "LANGCHAIN_API_KEY": "",
    "OTEL_SDK_DISABLED": "true",
    "HF_HUB_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

_INET = (2, 10)  # AF_INET, AF_INET6 on Linux
_LOOKUPS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")


class OffLoopbackError(OSError):
    """A benchmark client tried to reach something other than loopback."""


def is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").lower()
    return host in ("localhost", "::1", "0:0:0:0:0:0:0:1") or host.startswith("127.")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if sock.family in _INET and isinstance(address, tuple) and not is_loopback(address[0]):
            raise OffLoopbackError(f"bench guard: {event} to {address!r} refused (loopback only)")
    elif event in _LOOKUPS and args and args[0] is not None and not is_loopback(args[0]):
        raise OffLoopbackError(f"bench guard: {event}({args[0]!r}) refused (loopback only)")


def install() -> None:
    """Quiet the peers' telemetry and refuse every non-loopback address from now on."""
    os.environ.update(QUIET_ENV)
    sys.addaudithook(_hook)
