"""A tiny OpenAI-style provider on loopback for the plugin's tests: it echoes the caller's key.

Answers ``POST .../chat/completions`` (JSON, or SSE when ``stream`` is set) with the content
"Paris is the capital of France.", gzip-compressed, and puts the ``Authorization`` header it got
into the answer's ``id`` and an ``x-echo-key`` header, so a cassette that kept either would leak
the key. It counts the requests it saw. It is the tests' loopback server with that responder.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from hostedllm.testing.fake import chunk, completion, sse, usage_of

from ..loopback import LoopbackServer, Seen

ANSWER = "Paris is the capital of France."


class FakeProvider:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._server = LoopbackServer(self._respond)
        self._started = False

    @property
    def base_url(self) -> str:
        return self._server.url()

    def start(self) -> FakeProvider:
        self._server.__enter__()
        self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._started = False
            self._server.__exit__()

    def _respond(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        body = json.loads(seen.body or b"{}")
        auth = seen.headers.get("authorization", "")
        self.requests.append({"path": seen.path, "authorization": auth, "body": body})
        model = body.get("model", "unknown")
        if body.get("stream"):
            payload, content_type = _stream(model, auth), "text/event-stream"
        else:
            answer = completion(ANSWER, model=model, usage=usage_of(10, 7), id=f"chatcmpl-{auth}")
            payload, content_type = json.dumps(answer).encode(), "application/json"
        headers = {"Content-Type": content_type, "Content-Encoding": "gzip", "x-echo-key": auth}
        return 200, headers, gzip.compress(payload)


def _stream(model: str, auth: str) -> bytes:
    def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**chunk(delta, finish, model=model), "id": f"chatcmpl-{auth}"}

    words = ANSWER.split(" ")
    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": word if i == 0 else f" {word}"}) for i, word in enumerate(words)]
    events.append(event({}, "stop"))
    return sse(events)
