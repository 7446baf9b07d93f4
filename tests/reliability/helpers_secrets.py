"""Helpers for the bad-input, secrets and fuzz suites: a request-counting transport, a tiny loopback
HTTP server (plain or TLS), and one table of the five providers' classes in both adapters."""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from langchain_hostedllm import ChatBaichuan, ChatHosted, ChatLocal, ChatNIM, ChatNovita
from llama_index.llms.hostedllm import NIM, Baichuan, Local, Novita
from llama_index.llms.hostedllm import HostedLLM as LIHostedLLM

from ..scripted import FakeProvider, completion, text_stream

PROVIDERS = ("baichuan", "nim", "novita", "local", "theturbo")


@dataclass(frozen=True)
class Target:
    """One provider model, reachable through the core client and both adapters."""

    provider: str
    model: str
    langchain: Callable[..., Any]
    llamaindex: Callable[..., Any]
    tools: bool = True

    def lc(self, **kwargs: Any) -> Any:
        return self.langchain(**{"model": self.model, **kwargs})

    def li(self, **kwargs: Any) -> Any:
        return self.llamaindex(**{"model": self.model, **kwargs})


TARGETS: dict[str, Target] = {
    "baichuan": Target("baichuan", "Baichuan4", ChatBaichuan, Baichuan),
    "nim": Target("nim", "meta/llama-3.3-70b-instruct", ChatNIM, NIM),
    "novita": Target("novita", "qwen/qwen-2.5-72b-instruct", ChatNovita, Novita),
    "local": Target("local", "smollm2-135m-instruct", ChatLocal, Local),
    "theturbo": Target(
        "theturbo",
        "Baichuan4",
        partial(ChatHosted, provider="theturbo"),
        partial(LIHostedLLM, provider="theturbo"),
        tools=False,
    ),
}


def sentinel() -> str:
    """A key that cannot occur by chance anywhere else."""
    return "sk-SENTINEL-" + uuid.uuid4().hex


class CountingTransport(FakeProvider):
    """The public fake provider, answering every request with a valid completion (or a valid stream,
    as asked), so a request that slips through shows up as a count, not as an error."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.answers:
            self.reply("Hi")
        return super().handle(request)

    @property
    def count(self) -> int:
        return len(self.sent)


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
