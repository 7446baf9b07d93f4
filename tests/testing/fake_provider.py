"""A tiny OpenAI-style provider on loopback for the plugin's tests: it echoes the caller's key.

Answers ``POST .../chat/completions`` (JSON, or SSE when ``stream`` is set) with the content
"Paris is the capital of France.", gzip-compressed, and puts the ``Authorization`` header it got
into the answer's ``id`` and an ``x-echo-key`` header, so a cassette that kept either would leak
the key. It counts the requests it saw.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hostedllm.testing.fake import chunk, completion, sse, usage_of

ANSWER = "Paris is the capital of France."


class FakeProvider:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                auth = self.headers.get("Authorization", "")
                provider.requests.append({"path": self.path, "authorization": auth, "body": body})
                if body.get("stream"):
                    payload = self._stream(body, auth)
                    content_type = "text/event-stream"
                else:
                    payload = json.dumps(self._completion(body, auth)).encode()
                    content_type = "application/json"
                compressed = gzip.compress(payload)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(compressed)))
                self.send_header("x-echo-key", auth)
                self.end_headers()
                self.wfile.write(compressed)

            @staticmethod
            def _completion(body: dict[str, Any], auth: str) -> dict[str, Any]:
                model = body.get("model", "unknown")
                return completion(ANSWER, model=model, usage=usage_of(10, 7), id=f"chatcmpl-{auth}")

            @staticmethod
            def _stream(body: dict[str, Any], auth: str) -> bytes:
                def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
                    return {**chunk(delta, finish, model=body.get("model", "unknown")), "id": f"chatcmpl-{auth}"}

                words = ANSWER.split(" ")
                events = [event({"role": "assistant", "content": ""})]
                events += [event({"content": word if i == 0 else f" {word}"}) for i, word in enumerate(words)]
                events.append(event({}, "stop"))
                return sse(events)

        return Handler
