"""A scripted provider for adapter tests: queued answers in the documented wire formats, and the requests seen."""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

_ids = itertools.count(1)


def completion(
    content: str | None = "Hello!",
    *,
    model: str = "served-model",
    tool_calls: list[Any] | None = None,
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        **extra,
    }


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def sse(events: Iterable[dict[str, Any]], *, done: bool = True) -> bytes:
    body = "".join(f"data: {json.dumps(event, ensure_ascii=False)}\n\n" for event in events)
    return (body + ("data: [DONE]\n\n" if done else "")).encode()


def chunk(delta: dict[str, Any], finish_reason: str | None = None, *, model: str = "served-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-2",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def usage_chunk(prompt: int = 10, completion: int = 5) -> dict[str, Any]:
    return {
        "id": "chatcmpl-2",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "served-model",
        "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def text_stream(*pieces: str, usage: bool = True) -> bytes:
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, "stop"))
    if usage:
        events.append(usage_chunk())
    return sse(events)


@dataclass
class ScriptedProvider:
    """Answers requests in order from a queue; records every request body."""

    answers: deque[httpx.Response] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def json(self, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> ScriptedProvider:
        self.answers.append(httpx.Response(status, json=body, headers=headers))
        return self

    def stream(self, body: bytes) -> ScriptedProvider:
        self.answers.append(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        if not self.answers:
            raise AssertionError(f"unexpected request: {request.content[:200]!r}")
        return self.answers.popleft()

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    @property
    def transports(self) -> dict[str, Any]:
        """Keyword arguments that route a chat model's traffic here."""
        return {
            "http_transport": httpx.MockTransport(self.handle),
            "async_http_transport": httpx.MockTransport(self.ahandle),
        }

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]
