"""The tests' one loopback HTTP(S) server: real sockets on 127.0.0.1, each request recorded and
answered by a responder function (the in-process fake provider is :mod:`hostedllm.testing.fake`).

The fault server (``tests/reliability/fault_server.py``) is the other kind: it scripts broken
connections and stalls, which a responder returning a whole answer cannot express.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hostedllm.testing.fake import completion, text_stream


@dataclass
class Seen:
    """A request as a :class:`LoopbackServer` saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: ``(seen request) -> (status, headers, body)``
Responder = Callable[[Seen], tuple[int, dict[str, str], bytes]]


def json_answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
    """A valid answer: a stream when the request asked for one, else a completion."""
    if json.loads(seen.body or b"{}").get("stream"):
        return 200, {"Content-Type": "text/event-stream"}, text_stream("Hi")
    return 200, {"Content-Type": "application/json"}, json.dumps(completion("Hi")).encode()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops the connection (a refused TLS handshake, a closed pool) is not news."""


class LoopbackServer:
    """A tiny threaded HTTP(S) server on 127.0.0.1 that records requests and answers with ``respond``."""

    def __init__(self, respond: Responder = json_answer, *, tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[Seen] = []
        self._respond = respond
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                server.seen.append(seen)
                status, headers, payload = server._respond(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.origin = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "/v1") -> str:
        return self.origin + path

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@contextmanager
def loopback(respond: Responder = json_answer, *, tls: ssl.SSLContext | None = None) -> Iterator[LoopbackServer]:
    with LoopbackServer(respond, tls=tls) as server:
        yield server
