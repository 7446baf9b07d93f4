"""A loopback fault-injection HTTP server for the reliability tests.

It listens on 127.0.0.1 only, on a free port, in a background thread, and stops by itself after
``lifetime`` seconds (or when the test's fixture ends), closing every connection it still holds,
so no client can hang on it. It plays a script: one named behaviour per incoming request, in
order, and records each request (method, path, headers, body, arrival time, the behaviour played).

>>> with FaultServer(lifetime=5) as server:
...     _ = server.play("503", "ok")
...     server.base_url.startswith("http://127.0.0.1:")
True

Every behaviour is a small function ``(handler, request) -> None`` in :data:`BEHAVIOURS`.
Behaviours that make sense both ways answer a streamed request (``"stream": true`` in the body)
with server-sent events and a plain request with JSON.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import itertools
import json
import math
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hostedllm.testing import fake

TEXT = "Hello world"
OVERSIZED_CHARS = 5_000_000
INVALID_UTF8 = b"caf\xff\xfe!"
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
SLOW_SECONDS = 2.0  # the slow first byte and the stall: longer than the tests' timeout=1
MODEL = "smollm2-135m-instruct"


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    index: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrival: float  # time.monotonic()
    behaviour: str = ""

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def stream(self) -> bool:
        data = self.json
        return isinstance(data, dict) and bool(data.get("stream"))

    @property
    def prompt(self) -> str:
        """The text of the last message (tests put a call id there)."""
        data = self.json
        try:
            content = data["messages"][-1]["content"]
        except (TypeError, KeyError, IndexError):
            return ""
        return content if isinstance(content, str) else json.dumps(content)


# --- wire bodies -------------------------------------------------------------------------------


def completion_body(content: str = TEXT) -> dict[str, Any]:
    return fake.completion(content, model=MODEL, usage=fake.usage_of(5, 2))


def event(data: Mapping[str, Any]) -> bytes:
    """One server-sent event, alone (the server writes one HTTP chunk per event)."""
    return fake.sse([data], done=False)


def chunk_event(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    return event(fake.chunk(delta, finish_reason, model=MODEL))


def text_events(*pieces: str) -> list[bytes]:
    """The events of a stream that says ``pieces`` and finishes properly."""
    return [
        chunk_event({"role": "assistant", "content": ""}),
        *(chunk_event({"content": piece}) for piece in pieces),
        chunk_event({}, "stop"),
        event(fake.usage_chunk(5, 2, model=MODEL)),
        b"data: [DONE]\n\n",
    ]


# --- writing helpers ---------------------------------------------------------------------------


def _send(h: FaultHandler, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
    """A complete answer with a Content-Length (the connection is kept alive)."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()
    h.wfile.write(body)


def _send_json(h: FaultHandler, status: int, data: Any, **headers: str) -> None:
    _send(h, status, json.dumps(data, ensure_ascii=False).encode(), **headers)


def _start_chunked(h: FaultHandler, content_type: str = "text/event-stream") -> None:
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.send_header("Transfer-Encoding", "chunked")
    h.send_header("Cache-Control", "no-cache")
    h.end_headers()


def _write_chunk(h: FaultHandler, data: bytes) -> None:
    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def _end_chunked(h: FaultHandler) -> None:
    h.wfile.write(b"0\r\n\r\n")


def _stream(h: FaultHandler, events: Iterable[bytes]) -> None:
    """A complete chunked SSE answer, one HTTP chunk per event."""
    _start_chunked(h)
    for event in events:
        _write_chunk(h, event)
    _end_chunked(h)


def _hang_up(h: FaultHandler, *, reset: bool) -> None:
    """Close the connection now: a TCP reset (RST) or an early close (FIN)."""
    h.close_connection = True
    sock = h.connection
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    h.rfile.close()  # the makefile() reference would keep the descriptor open
    sock.close()


# --- behaviours: one small function each ------------------------------------------------------


def ok(h: FaultHandler, req: RecordedRequest) -> None:
    """A 200 answer: SSE for a streamed request, JSON otherwise (embeddings and rankings by path)."""
    if req.path.endswith(("/embeddings", "/ranking", "/rerank")):
        _send_json(h, 200, retrieval_body(req))
    else:
        (sse_stream if req.stream else completion)(h, req)


def retrieval_body(req: RecordedRequest) -> dict[str, Any]:
    """One vector per input (``[position, 1.0]``), or each passage ranked, the last best (NIM's or Cohere's shape)."""
    data = req.json if isinstance(req.json, dict) else {}
    if req.path.endswith("/embeddings"):
        count = len(data.get("input") or [])
        vectors = [{"index": i, "embedding": [float(i), 1.0], "object": "embedding"} for i in range(count)]
        return {"object": "list", "data": vectors, "usage": {"prompt_tokens": 2 * count, "total_tokens": 2 * count}}
    if req.path.endswith("/ranking"):
        count = len(data.get("passages") or [])
        return {"rankings": [{"index": i, "logit": float(i)} for i in reversed(range(count))]}
    count = len(data.get("documents") or [])
    return {"results": [{"index": i, "relevance_score": i / max(count, 1)} for i in reversed(range(count))]}


def completion(h: FaultHandler, req: RecordedRequest) -> None:
    _send_json(h, 200, completion_body())


def sse_stream(h: FaultHandler, req: RecordedRequest) -> None:
    _stream(h, text_events("Hello", " world"))


def status_error(h: FaultHandler, req: RecordedRequest, *, status: int, body: Any, **headers: str) -> None:
    """An error status with a JSON body (any envelope)."""
    _send_json(h, status, body, **headers)


def rate_limited(h: FaultHandler, req: RecordedRequest, *, retry_after: str) -> None:
    body = {"error": {"message": "Rate limit reached for requests", "type": "rate_limit_error", "code": None}}
    _send_json(h, 429, body, Retry_After=retry_after)


def rate_limited_until(h: FaultHandler, req: RecordedRequest, *, seconds: float) -> None:
    """429 with ``Retry-After`` as an HTTP date at least ``seconds`` from now (dates have whole seconds)."""
    when = email.utils.formatdate(math.ceil(time.time() + seconds), usegmt=True)
    body = {"error": {"message": "Rate limit reached for requests", "type": "rate_limit_error"}}
    _send_json(h, 429, body, Retry_After=when)


def html_error(h: FaultHandler, req: RecordedRequest) -> None:
    _send(h, 502, HTML_PAGE, "text/html")


def drop(h: FaultHandler, req: RecordedRequest) -> None:
    """Close the connection without answering at all."""
    _hang_up(h, reset=False)


def reset_mid_body(h: FaultHandler, req: RecordedRequest) -> None:
    """Headers and half of a Content-Length body, then a TCP reset."""
    body = json.dumps(completion_body()).encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body[: len(body) // 2])
    _hang_up(h, reset=True)


def reset_after_chunks(h: FaultHandler, req: RecordedRequest, *, chunks: int = 2) -> None:
    """A stream cut (chunked body never terminated) after ``chunks`` events; JSON cut likewise."""
    if not req.stream:
        _start_chunked(h, "application/json")
        _write_chunk(h, json.dumps(completion_body()).encode()[:40])
        _hang_up(h, reset=False)
        return
    _start_chunked(h)
    for event in text_events("Hello", " world", " again")[:chunks]:
        _write_chunk(h, event)
    _hang_up(h, reset=False)


def slow_first_byte(h: FaultHandler, req: RecordedRequest, *, seconds: float = SLOW_SECONDS) -> None:
    """Wait before sending anything, then answer normally (if the client is still there)."""
    if h.server.stopping.wait(seconds):
        return
    try:
        ok(h, req)
    except OSError:
        h.close_connection = True


def stall(h: FaultHandler, req: RecordedRequest) -> None:
    """Two stream events (or half a JSON body), then silence."""
    if req.stream:
        _start_chunked(h)
        for event in text_events("Hello", " world")[:2]:
            _write_chunk(h, event)
    else:
        body = json.dumps(completion_body()).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[:30])
    h.server.stopping.wait(SLOW_SECONDS * 2)
    h.close_connection = True


def malformed_json(h: FaultHandler, req: RecordedRequest) -> None:
    """200 with ``{not json``; in a stream, a good event and then a broken one."""
    if req.stream:
        _stream(h, [chunk_event({"role": "assistant", "content": "Hello"}), b"data: {not json\n\n"])
    else:
        _send(h, 200, b"{not json")


def truncated_sse_line(h: FaultHandler, req: RecordedRequest) -> None:
    """The body ends (cleanly, at the HTTP level) in the middle of a line; no [DONE]."""
    if req.stream:
        _stream(h, [chunk_event({"role": "assistant", "content": "Hello"}), b'data: {"id":"chatcmpl-stream","choi'])
    else:
        _send(h, 200, json.dumps(completion_body()).encode()[:50])


def stream_cut_clean(h: FaultHandler, req: RecordedRequest) -> None:
    """Whole events, but the stream ends with neither a finish_reason nor [DONE]."""
    if req.stream:
        _stream(h, text_events("Hello", " world")[:2])
    else:
        _send_json(h, 200, {"id": "chatcmpl-x", "object": "chat.completion", "model": "m"})  # no choices


def oversized(h: FaultHandler, req: RecordedRequest) -> None:
    """A 5 MB answer (one huge string), JSON or a single huge stream event."""
    content = "x" * OVERSIZED_CHARS
    if req.stream:
        _stream(h, [chunk_event({"role": "assistant", "content": content}), *text_events()[1:]])
    else:
        _send_json(h, 200, completion_body(content))


def invalid_utf8(h: FaultHandler, req: RecordedRequest) -> None:
    """A 200 whose text contains bytes that are not UTF-8."""
    marker = "@@BYTES@@"
    if req.stream:
        events = text_events(marker)
        events = [e.replace(marker.encode(), INVALID_UTF8) for e in events]
        _stream(h, events)
    else:
        body = json.dumps(completion_body(marker)).encode().replace(marker.encode(), INVALID_UTF8)
        _send(h, 200, body)


def error_mid_stream(h: FaultHandler, req: RecordedRequest) -> None:
    """A stream that sends a chunk and then an error object; a plain call gets the error in a 200 body."""
    error = {"error": {"message": "The server had an error while processing your request", "type": "server_error"}}
    if req.stream:
        _stream(h, [chunk_event({"role": "assistant", "content": "Hel"}), event(error)])
    else:
        _send_json(h, 200, error)


def done_keep_open(h: FaultHandler, req: RecordedRequest) -> None:
    """A complete stream, [DONE] included, on a connection the server then holds open without ending
    the chunked body; a plain call gets a normal answer."""
    if not req.stream:
        completion(h, req)
        return
    _start_chunked(h)
    for event in text_events("Hello", " world"):
        _write_chunk(h, event)
    h.wfile.flush()
    h.server.stopping.wait(SLOW_SECONDS * 2)
    h.close_connection = True


def corrupt_chunked(h: FaultHandler, req: RecordedRequest) -> None:
    """A chunked body whose second chunk-size line is not hexadecimal, then a closed connection."""
    _start_chunked(h, "text/event-stream" if req.stream else "application/json")
    first = b"".join(text_events("Hello")[:2]) if req.stream else json.dumps(completion_body()).encode()[:40]
    _write_chunk(h, first)
    h.wfile.flush()
    if h.server.stopping.wait(0.1):  # the client reads the good chunk first: the fault comes mid-body
        return
    h.wfile.write(b"zz-not-a-size\r\n")
    h.wfile.flush()
    _hang_up(h, reset=False)


def trickle(h: FaultHandler, req: RecordedRequest) -> None:
    """A whole answer sent a few bytes at a time, every 0.2 s: each wait is short, the whole is long."""
    if req.stream:
        body = b"".join(text_events("Hello", " world"))
        _start_chunked(h)
    else:
        body = json.dumps(completion_body()).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
    for start in range(0, len(body), 8):
        piece = body[start : start + 8]
        h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if req.stream else piece)
        h.wfile.flush()
        if h.server.stopping.wait(0.2):
            return
    if req.stream:
        _end_chunked(h)


def unscripted(h: FaultHandler, req: RecordedRequest) -> None:
    """What a request beyond the end of the script gets: a clear, non-retried 418."""
    _send_json(h, 418, {"error": {"message": f"fault server: no behaviour scripted for request #{req.index}"}})


NVIDIA_FORBIDDEN = {"status": 403, "title": "Forbidden", "detail": "Authorization failed"}
NVIDIA_NOT_FOUND = {
    "type": "about:blank",
    "status": 404,
    "title": "Not Found",
    "detail": "Function 'a4f1c2d3-0000-4000-8000-000000000000': Not found for account 'acct-fault-test'",
}
NVIDIA_GONE = {
    "type": "about:blank",
    "status": 410,
    "title": "Gone",
    "detail": "The model 'meta/llama2-70b' has reached its end of life and is no longer available.",
}
BAICHUAN_QUOTA = {
    "error": {
        "code": "insufficient_quota",
        "message": "Insufficient account balance, please recharge",
        "type": "insufficient_quota",
    }
}
NOVITA_BALANCE = {"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Your account balance is not enough"}


def _openai_error(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, "param": param}}


def _status(status: int, body: Any, **headers: str) -> Behaviour:
    return functools.partial(status_error, status=status, body=body, **headers)


Behaviour = Callable[["FaultHandler", RecordedRequest], None]

#: Every behaviour by name.
BEHAVIOURS: dict[str, Behaviour] = {
    "ok": ok,
    "completion": completion,
    "sse": sse_stream,
    "429_retry_after_0": functools.partial(rate_limited, retry_after="0"),
    "429_retry_after_1": functools.partial(rate_limited, retry_after="1"),
    "429_retry_after_120": functools.partial(rate_limited, retry_after="120"),
    "429_retry_after_date": functools.partial(rate_limited_until, seconds=0.95),
    "baichuan_quota_429": _status(429, BAICHUAN_QUOTA, X_BC_Request_Id="bc-req-fault-1"),
    "novita_balance_403": _status(403, NOVITA_BALANCE, X_Request_Id="nv-req-fault-1"),
    "400": _status(400, _openai_error("temperature must be at most 2", "invalid_request_error", None, "temperature")),
    "401": _status(401, _openai_error("Incorrect API key provided", "invalid_request_error", "invalid_api_key")),
    "403": _status(403, _openai_error("You may not use this model", "permission_error")),
    "nvidia_403": _status(403, NVIDIA_FORBIDDEN, NVCF_REQID="nvcf-req-fault-1"),
    "nvidia_404": _status(404, NVIDIA_NOT_FOUND, NVCF_REQID="nvcf-req-fault-2"),
    "nvidia_410": _status(410, NVIDIA_GONE, NVCF_REQID="nvcf-req-fault-3"),
    "408": _status(408, _openai_error("Request timed out", "timeout")),
    "500": _status(500, _openai_error("Internal server error", "server_error")),
    "500_validation_error": _status(500, _openai_error("1 validation error for Request: top_k", "server_error")),
    "502": _status(502, _openai_error("Bad gateway", "server_error")),
    "503": _status(503, _openai_error("The engine is currently overloaded", "server_error")),
    "504": _status(504, _openai_error("Gateway timeout", "server_error")),
    "html_502": html_error,
    "drop": drop,
    "reset_mid_body": reset_mid_body,
    "reset_after_chunks": reset_after_chunks,
    "slow_first_byte": slow_first_byte,
    "slow_first_byte_short": functools.partial(slow_first_byte, seconds=0.3),
    "stall": stall,
    "malformed_json": malformed_json,
    "truncated_sse_line": truncated_sse_line,
    "stream_cut_clean": stream_cut_clean,
    "oversized": oversized,
    "invalid_utf8": invalid_utf8,
    "error_mid_stream": error_mid_stream,
    "done_keep_open": done_keep_open,
    "corrupt_chunked": corrupt_chunked,
    "trickle": trickle,
    "503_retry_after_1": _status(503, _openai_error("Overloaded", "server_error"), Retry_After="1"),
    "unscripted": unscripted,
}


# --- the server --------------------------------------------------------------------------------


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the client's connection pool is exercised
    server: _Server

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        request, behaviour = owner._next(self.command, self.path, dict(self.headers.items()), body)
        try:
            behaviour(self, request)
        except OSError:  # the client went away (its own timeout): nothing more to say
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the load test opens 100 connections at once
    owner: FaultServer
    stopping: threading.Event

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._track(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer is the point of most behaviours


@dataclass
class FaultServer:
    """The fault server. ``play(...)`` sets the script; ``requests`` is the log."""

    lifetime: float = 30.0
    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    #: Chooses the behaviour of requests beyond the script (default: :func:`unscripted`).
    chooser: Callable[[RecordedRequest], str] | None = None

    def __post_init__(self) -> None:
        if self.host != "127.0.0.1":
            raise ValueError("the fault server listens on 127.0.0.1 only")
        self._script: list[str | Behaviour] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._accepted = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # life cycle

    def start(self) -> FaultServer:
        server = _Server((self.host, 0), FaultHandler)
        server.owner = self
        server.stopping = threading.Event()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake every sleeping behaviour and close every connection still open."""
        with self._lock:
            server, self._server = self._server, None
            connections = list(self._connections)
            self._connections.clear()
        if server is None:
            return
        if self._timer is not None:
            self._timer.cancel()
        server.stopping.set()
        if threading.current_thread() is not self._thread:
            server.shutdown()
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fault server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``/v1``) of this server."""
        return f"http://127.0.0.1:{self.port}/v1"

    # the script and the log

    def play(self, *behaviours: str | Behaviour) -> FaultServer:
        """Queue behaviours (names from :data:`BEHAVIOURS`, or functions), one per request."""
        for behaviour in behaviours:
            if isinstance(behaviour, str) and behaviour not in BEHAVIOURS:
                raise KeyError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
        with self._lock:
            self._script.extend(behaviours)
        return self

    @property
    def count(self) -> int:
        return len(self.requests)

    def gaps(self) -> list[float]:
        """Seconds between consecutive request arrivals."""
        times = [r.arrival for r in self.requests]
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def _next(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[RecordedRequest, Behaviour]:
        with self._lock:
            request = RecordedRequest(len(self.requests), method, path, headers, body, time.monotonic())
            if self._script:
                chosen: str | Behaviour = self._script.pop(0)
            elif self.chooser is not None:
                chosen = self.chooser(request)
            else:
                chosen = "unscripted"
            request.behaviour = chosen if isinstance(chosen, str) else getattr(chosen, "__name__", repr(chosen))
            self.requests.append(request)
        return request, BEHAVIOURS[chosen] if isinstance(chosen, str) else chosen

    @property
    def connections(self) -> int:
        """How many connections the server has accepted."""
        return self._accepted

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.add(sock)
            self._accepted += 1


def refused_url() -> tuple[socket.socket, str]:
    """A base URL on a loopback port that refuses connections (bound, never listening).

    Keep the returned socket open while the URL is in use; close it afterwards.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
