"""A fake provider for your own tests: queued answers in the chat-completions wire format, and every
request it was sent, behind an ``httpx.MockTransport`` (no network, no server, no key).

Every class takes it by keyword: ``ChatClient(..., **fake.client_transports)``, and the adapters'
``ChatNovita(..., **fake.transports)`` / ``Novita(..., **fake.transports)``. The body builders
(:func:`completion`, :func:`chunk`, :func:`usage_chunk`, :func:`tool_call`, :func:`sse`) write the
documented wire format, for the fake or for a loopback server of your own.

>>> from hostedllm.client import ChatClient
>>> fake = FakeProvider().reply("Paris.")
>>> client = ChatClient("novita", "qwen/qwen-2.5-72b-instruct", api_key="k", **fake.client_transports)
>>> client.create(client.build_request([{"role": "user", "content": "Capital of France?"}]))["choices"][0]["message"]
{'role': 'assistant', 'content': 'Paris.'}
>>> fake.last["messages"]
[{'role': 'user', 'content': 'Capital of France?'}]
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

_ids = itertools.count(1)
MODEL = "served-model"


def completion(
    content: str | None = "Hello!",
    *,
    model: str = MODEL,
    tool_calls: list[Any] | None = None,
    finish_reason: str = "stop",
    usage: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A non-streamed answer (``usage`` defaults to 10 in, 5 out; ``extra`` adds top-level keys)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": dict(usage) if usage is not None else usage_of(10, 5),
        **extra,
    }


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    """One item of a message's ``tool_calls``."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def usage_of(prompt: int, completion_tokens: int) -> dict[str, int]:
    """A ``usage`` object with its total."""
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens, "total_tokens": prompt + completion_tokens}


def chunk(delta: Mapping[str, Any], finish_reason: str | None = None, *, model: str = MODEL) -> dict[str, Any]:
    """One stream event for choice 0."""
    return {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": dict(delta), "finish_reason": finish_reason}],
    }


def usage_chunk(prompt: int = 10, completion_tokens: int = 5, *, model: str = MODEL) -> dict[str, Any]:
    """The usage event OpenAI sends last (``choices: []``) when ``stream_options.include_usage`` is set."""
    return {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [],
        "usage": usage_of(prompt, completion_tokens),
    }


def sse(events: Iterable[Mapping[str, Any]], *, done: bool = True) -> bytes:
    """Events as a server-sent-events body, ending with ``[DONE]`` unless ``done=False``."""
    body = "".join(f"data: {json.dumps(event, ensure_ascii=False)}\n\n" for event in events)
    return (body + ("data: [DONE]\n\n" if done else "")).encode()


def text_stream(*pieces: str, usage: bool = True, finish_reason: str = "stop") -> bytes:
    """A streamed text answer: a role event, one event per piece, the finish, then usage."""
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in pieces]
    events.append(chunk({}, finish_reason))
    if usage:
        events.append(usage_chunk())
    return sse(events)


@dataclass
class FakeProvider:
    """Answers requests in order from a queue; records every request (body, URL and headers)."""

    answers: deque[httpx.Response | _Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    """The JSON bodies sent, in order."""
    sent: list[httpx.Request] = field(default_factory=list)
    """The requests as sent (URL and headers too)."""

    def json(
        self, body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
    ) -> FakeProvider:
        """Queue a JSON answer (an error body with a 4xx/5xx ``status`` too)."""
        self.answers.append(httpx.Response(status, json=body, headers=headers))
        return self

    def stream(self, body: bytes) -> FakeProvider:
        """Queue a server-sent-events answer (see :func:`sse`, :func:`text_stream`)."""
        self.answers.append(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
        return self

    def reply(self, *pieces: str, stream: bool | None = None) -> FakeProvider:
        """Queue a text answer, streamed if the request asks for a stream (``stream=None``) or as told."""
        text = "".join(pieces)
        self.answers.append(_Reply(completion(text), text_stream(*(pieces or ("",))), stream))
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The ``MockTransport`` handler: the next queued answer."""
        body = json.loads(request.content) if request.content else {}
        self.requests.append(body)
        self.sent.append(request)
        if not self.answers:
            raise AssertionError(f"the fake provider has no answer queued for {request.url}: {request.content[:200]!r}")
        answer = self.answers.popleft()
        if isinstance(answer, _Reply):
            return answer.for_request(body)
        return answer

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    @property
    def client_transports(self) -> dict[str, Any]:
        """Keyword arguments that route a :class:`~hostedllm.client.ChatClient`'s traffic here."""
        return {"transport": httpx.MockTransport(self.handle), "async_transport": httpx.MockTransport(self.ahandle)}

    @property
    def transports(self) -> dict[str, Any]:
        """Keyword arguments that route a LangChain or LlamaIndex class's traffic here."""
        return {
            "http_transport": httpx.MockTransport(self.handle),
            "async_http_transport": httpx.MockTransport(self.ahandle),
        }

    @property
    def last(self) -> dict[str, Any]:
        """The last request's JSON body."""
        return self.requests[-1]


@dataclass(frozen=True)
class _Reply:
    """A queued text answer that takes the request's shape (whole or streamed) when it is sent."""

    whole: dict[str, Any]
    streamed: bytes
    stream: bool | None

    def for_request(self, body: Mapping[str, Any]) -> httpx.Response:
        if self.stream if self.stream is not None else bool(body.get("stream")):
            return httpx.Response(200, content=self.streamed, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=self.whole)
