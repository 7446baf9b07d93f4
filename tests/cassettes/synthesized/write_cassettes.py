"""Write the SYNTHESIZED cassettes: langchain-tests' standard integration tests against a scripted responder.

No provider can be contacted, so nothing here is a recording. This script:

1. installs a scripted responder (an ``httpx.MockTransport``, so nothing leaves the process) under
   every hostedllm client, keeping each provider's real base URL;
2. runs ``tests/langchain/test_standard_integration.py`` with ``--record-mode=rewrite``, so vcrpy
   records, per test, the request body our classes really send and the responder's answer;
3. rewrites each cassette into the same YAML shape as ``tests/cassettes/documented/`` (request
   headers reduced to the scrubbed ``authorization`` and ``content-type``, SSE bodies as blocks)
   with a first line saying it is synthesized and from which documentation.

The responder answers in each provider's DOCUMENTED wire format (shared/reference/providers.md,
the seeds and the documented cassettes): Baichuan's ``data:{...}`` stream without a space, with
``finish_reason: ""`` mid-stream, the role in every delta and usage in the last content chunk,
plus ``X-BC-Request-Id``; NVIDIA's ``data: {...}`` stream with a role-only first chunk and, when
``stream_options.include_usage`` is sent, a ``choices: []`` usage chunk, plus ``NVCF-REQID``;
Novita's OpenAI shape with ``content_filter_results`` per choice, ``system_fingerprint: ""`` and
``usage: null`` on every chunk before the ``choices: []`` usage chunk. Where a shape is not
documented (a streamed tool call on Baichuan), the OpenAI form is assumed and the cassette says so.

The content is scripted per request, never to defeat a test: a tool call only when a tool is
forced or the last user message asks for what the tool does, arguments from the message (and
valid for the tool's schema), JSON matching the requested schema for ``response_format``, stop
sequences applied to the text, and a short sensible answer otherwise. Requests the providers'
docs say nothing about answering (file, audio or image parts for a text-only model; our core
refuses them before sending anyway) get no answer: the responder raises and nothing is recorded.

Some standard tests are expected to fail while recording (the xfails); the script's exit status is
that of a second, offline replay run of the test file (``--record-mode=none``), which must be green.

Run from the repository root: ``.venv/bin/python tests/cassettes/synthesized/write_cassettes.py``.
To replace these with real recordings, see README.md in the parent folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import yaml

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
TEST_FILE = "tests/langchain/test_standard_integration.py"
CREATED = 1767225600  # 2026-01-01T00:00:00Z, fixed so that regenerating changes nothing
JSON = "application/json"
SSE = "text/event-stream"


@dataclass(frozen=True)
class Provider:
    name: str
    display: str
    host: str
    url: str
    source: str
    headers: dict[str, str] = field(default_factory=dict)


PROVIDERS = {
    "api.baichuan-ai.com": Provider(
        "baichuan",
        "Baichuan",
        "api.baichuan-ai.com",
        "https://api.baichuan-ai.com/v1/chat/completions",
        "Baichuan's API docs, apifox mirror of platform.baichuan-ai.com: api-135483694 sync answer, api-135486461 "
        'stream (data: without a space, finish_reason "" mid-stream, role in every delta, usage in the last '
        "chunk), doc-3441122 X-BC-Request-Id",
        {"X-BC-Request-Id": ""},
    ),
    "integrate.api.nvidia.com": Provider(
        "nim",
        "NVIDIA",
        "integrate.api.nvidia.com",
        "https://integrate.api.nvidia.com/v1/chat/completions",
        "NVIDIA API catalog LLM reference (docs.api.nvidia.com): OpenAI chat.completion, data: SSE with a role-only "
        "first chunk, a choices: [] usage chunk for stream_options.include_usage, then data: [DONE]; NVCF-REQID",
        {"NVCF-REQID": ""},
    ),
    "api.novita.ai": Provider(
        "novita",
        "Novita",
        "api.novita.ai",
        "https://api.novita.ai/v3/openai/chat/completions",
        "Novita's chat-completion API reference (seed 002 answer and stream examples: content_filter_results per "
        'choice, system_fingerprint ""; include_usage: usage null on every chunk, then a choices: [] usage chunk)',
    ),
}

FILTERS = {
    "hate": {"filtered": False},
    "self_harm": {"filtered": False},
    "sexual": {"filtered": False},
    "violence": {"filtered": False},
    "jailbreak": {"filtered": False, "detected": False},
    "profanity": {"filtered": False, "detected": False},
}


class NotSynthesized(Exception):  # noqa: N818 - it is a refusal, not an error of this script
    """The providers' docs do not say how this request is answered: record nothing for it."""


# --- what to answer ----------------------------------------------------------------------------


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]


@dataclass
class Reply:
    text: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    finish: str = "stop"


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


#: Content parts no provider here documents for these text-only models (images are refused by our core).
UNDOCUMENTED_PARTS = ("file", "input_audio", "image_url", "thinking")


def refuse_unsynthesizable(messages: list[dict[str, Any]]) -> None:
    for message in messages:
        for part in message.get("content") if isinstance(message.get("content"), list) else []:
            if isinstance(part, dict) and part.get("type") in UNDOCUMENTED_PARTS:
                raise NotSynthesized(f"no documented answer to a {part['type']!r} content part for a text-only model")


JOKE = {"setup": "Why did the cat sit on the computer?", "punchline": "To keep an eye on the mouse!"}


def joke_args(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    """A cat joke shaped by ``schema``: the setup only when asked for no punchline and it is optional."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    args = {key: value for key, value in JOKE.items() if key in props}
    if "no punchline" in prompt.lower() and "punchline" not in required:
        args.pop("punchline", None)
    return args


def fill(schema: dict[str, Any]) -> dict[str, Any]:
    """Values for every required property, valid for its JSON Schema type."""
    samples: dict[str, Any] = {"string": "example", "integer": 1, "number": 1.0, "boolean": True}
    props = schema.get("properties") or {}
    return {
        name: samples.get(props[name].get("type"), "example") for name in schema.get("required") or [] if name in props
    }


def tool_args(name: str, schema: dict[str, Any], prompt: str) -> dict[str, Any] | None:
    """The arguments the user's message asks ``name`` to be called with, or ``None`` if it does not."""
    props = schema.get("properties") or {}
    if {"setup", "punchline"} <= set(props):
        return joke_args(schema, prompt) if "joke" in prompt.lower() else None
    if name == "magic_function" and (m := re.search(r"magic_function\((\d+)\)", prompt)):
        return {"input": int(m.group(1))}
    if name == "magic_function_no_args" and "magic_function_no_args()" in prompt:
        return {}
    if name == "get_weather" and (m := re.search(r"weather in ([^?]+)\?", prompt)):
        return {"location": m.group(1)}
    if name == "greeting_generator" and (m := re.search(r"generate an? (\w+) greeting", prompt)):
        return {"answer_style": m.group(1)}
    if name == "unicode_customer" and (m := re.search(r"customer named '([^']+)' \(([^)]+)\) - (.+)", prompt)):
        return {"customer_name": m.group(1), "description": m.group(3)}
    if name == "my_adder_tool" and (m := re.search(r"(\d+)\s*\+\s*(\d+)", prompt)):
        return {"a": int(m.group(1)), "b": int(m.group(2))}
    return None


def follow_up(tool_result: str) -> str:
    """The answer after a tool result."""
    try:
        data = json.loads(tool_result)
    except ValueError:
        data = None
    if isinstance(data, dict) and "result" in data:
        return f"The result is {data['result']}."
    if tool_result.startswith("Error"):
        return f"The tool reported an error ({tool_result}) so I could not compute the sum; please give both numbers."
    return f"The tool says: {tool_result}"


def chat_answer(prompt: str) -> str:
    lowered = prompt.lower().strip()
    if "haiku" in lowered:
        return (
            "Morning light on snow,\nthe kettle sings to itself,\nsteam draws a soft cloud.\n\n"
            "River stones at dusk,\nwater counts them one by one,\nnever reaching ten."
        )
    if "story about a cat" in lowered:
        return (
            "Miso was a grey cat who lived above a bakery. Every morning she watched the bread rise through the "
            "floorboards, and every evening she curled up on the warm oven door. One winter night the power failed; "
            "Miso led the baker to the old wood stove in the cellar, and the town had bread by dawn."
        )
    if "how are you" in lowered:
        return "I'm doing well, thank you for asking! How can I help you today?"
    if lowered.startswith(("hello", "hi", "hey")):
        return "Hello! How can I help you today?"
    if "thanks" in lowered:
        return "Glad to hear it! Is there anything I can help you with?"
    return "Sure. Here is a short answer: it depends on the details, so tell me a little more."


def decide(body: dict[str, Any]) -> Reply:
    messages = body["messages"]
    refuse_unsynthesizable(messages)
    last = messages[-1]
    prompt = next((text_of(m.get("content")) for m in reversed(messages) if m["role"] == "user"), "")
    tools = {t["function"]["name"]: t["function"].get("parameters") or {} for t in body.get("tools") or []}
    choice = body.get("tool_choice", "auto")
    forced = isinstance(choice, dict) or choice == "required"
    if tools and choice != "none" and last["role"] != "tool":
        names = [choice["function"]["name"]] if isinstance(choice, dict) else list(tools)
        for name in names:
            args = tool_args(name, tools[name], prompt)
            if args is not None:
                return Reply(calls=[ToolCall(name, args)], finish="tool_calls")
        if forced:
            return Reply(calls=[ToolCall(names[0], fill(tools[names[0]]))], finish="tool_calls")
    if last["role"] == "tool":
        return Reply(follow_up(text_of(last.get("content"))))
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"]["schema"]
        return Reply(json.dumps(joke_args(schema, prompt) or fill(schema), ensure_ascii=False))
    if response_format.get("type") == "json_object":
        return Reply(json.dumps(JOKE, ensure_ascii=False))
    text = chat_answer(prompt)
    stops = body.get("stop") or []
    for stop in [stops] if isinstance(stops, str) else stops:
        if stop and stop in text:
            text = text[: text.index(stop)]
    return Reply(text)


def usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt = sum(4 + len(text_of(m.get("content"))) // 4 for m in body["messages"]) + 8 * len(body.get("tools") or [])
    out = reply.text + "".join(json.dumps(c.args) for c in reply.calls)
    completion = max(1, len(out) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def pieces(text: str, size: int = 3) -> list[str]:
    """``text`` in streamed pieces of a few words each (whitespace kept)."""
    words = re.findall(r"\S+\s*|\s+", text)
    return ["".join(words[i : i + size]) for i in range(0, len(words), size)] or [""]


def halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [text[:middle], text[middle:]]


# --- how each provider says it -----------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse(events: list[Any], *, space: bool = True) -> str:
    prefix = "data: " if space else "data:"
    return "".join(prefix + compact(e) + "\n\n" for e in events) + "data: [DONE]\n\n"


def wire_calls(provider: str, calls: list[ToolCall], seed: str) -> list[dict[str, Any]]:
    prefix = "chatcmpl-tool-" if provider == "nim" else "call_"
    return [
        {
            "id": f"{prefix}{seed[:24]}{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.args, ensure_ascii=False)},
        }
        for index, call in enumerate(calls)
    ]


def completion(provider: str, model: str, reply: Reply, tokens: dict[str, int], seed: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text if not reply.calls else None}
    if reply.calls:
        message["tool_calls"] = wire_calls(provider, reply.calls, seed)
    if provider == "baichuan":
        message["content"] = reply.text  # "" beside tool calls [inferred: Baichuan documents no tool-call answer]
        return {
            "id": f"chatcmpl-{seed[:15]}",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish}],
            "usage": tokens,
        }
    if provider == "nim":
        return {
            "id": f"chat-{seed[:32]}",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish}],
            "usage": tokens,
        }
    return {
        "id": f"chat-{seed[:32]}",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish, "content_filter_results": FILTERS}],
        "usage": {**tokens, "prompt_tokens_details": None, "completion_tokens_details": None},
        "system_fingerprint": "",
    }


def deltas(reply: Reply, provider: str, seed: str) -> list[dict[str, Any]]:
    """The content deltas of a stream (without role or finish), tool-call arguments in two pieces."""
    if not reply.calls:
        return [{"content": piece} for piece in pieces(reply.text)]
    out: list[dict[str, Any]] = []
    for index, call in enumerate(wire_calls(provider, reply.calls, seed)):
        first, rest = halves(call["function"]["arguments"])
        out.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": first},
                    }
                ]
            }
        )
        out.append({"tool_calls": [{"index": index, "function": {"arguments": rest}}]})
    return out


def stream(provider: str, model: str, reply: Reply, tokens: dict[str, int], seed: str, *, include_usage: bool) -> str:
    parts = deltas(reply, provider, seed)
    if provider == "baichuan":
        base = {"id": f"chatcmpl-{seed[:15]}", "object": "chat.completion.chunk", "created": CREATED, "model": model}
        events = []
        for index, delta in enumerate(parts):
            is_last = index == len(parts) - 1
            chunk = {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "", **delta},
                        "finish_reason": reply.finish if is_last else "",
                    }
                ],
            }
            if is_last:
                chunk["usage"] = tokens
            events.append(chunk)
        return sse(events, space=False)
    if provider == "nim":
        base = {"id": f"chat-{seed[:32]}", "object": "chat.completion.chunk", "created": CREATED, "model": model}

        def nim_choice(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

        events = [{**base, "choices": [nim_choice({"role": "assistant", "content": ""}, None)]}]
        events += [{**base, "choices": [nim_choice({"role": None, "content": None, **d}, None)]} for d in parts]
        events.append({**base, "choices": [nim_choice({"role": None, "content": ""}, reply.finish)]})
        if include_usage:
            events.append({**base, "choices": [], "usage": tokens})
        return sse(events)
    base = {"id": f"chat-{seed[:32]}", "object": "chat.completion.chunk", "created": CREATED, "model": model}

    def novita_chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        chunk: dict[str, Any] = {
            **base,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "content_filter_results": FILTERS}],
            "system_fingerprint": "",
        }
        if include_usage:
            chunk["usage"] = None
        return chunk

    events = [novita_chunk({"role": "assistant"}, None)]
    events += [novita_chunk(d, reply.finish if i == len(parts) - 1 else None) for i, d in enumerate(parts)]
    if include_usage:
        events.append({**base, "choices": [], "system_fingerprint": "", "usage": tokens})
    return sse(events)


def respond(request: httpx.Request) -> httpx.Response:
    """The scripted responder: one answer per request, in the provider's documented format."""
    provider = PROVIDERS[request.url.host]
    body = json.loads(request.content)
    seed = hashlib.sha256(request.content).hexdigest()
    reply = decide(body)
    tokens = usage(body, reply)
    headers = {k: seed[:32] if k == "X-BC-Request-Id" else str(uuid_from(seed)) for k in provider.headers}
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        text = stream(provider.name, body["model"], reply, tokens, seed, include_usage=include_usage)
        return httpx.Response(200, headers={"content-type": SSE, **headers}, content=text.encode())
    answer = completion(provider.name, body["model"], reply, tokens, seed)
    return httpx.Response(200, headers={"content-type": JSON, **headers}, content=compact(answer).encode())


def uuid_from(seed: str) -> str:
    return f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"


# --- recording and rewriting ---------------------------------------------------------------------


def install_responder() -> None:
    """Every hostedllm client sends through the responder (the base URLs stay the providers' own)."""
    from hostedllm.transport import http

    original = http.HTTPTransport.__init__

    def with_responder(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["transport"] = httpx.MockTransport(respond)
        kwargs["async_transport"] = httpx.MockTransport(respond)
        original(self, *args, **kwargs)

    http.HTTPTransport.__init__ = with_responder  # type: ignore[method-assign]


class _Literal(str):
    """A string YAML writes as a block, so SSE bodies stay readable."""


def _represent_literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _represent_literal)


def as_text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def rewrite(path: Path, provider: Provider) -> None:
    """vcrpy's cassette in the documented cassettes' shape, with the provenance line first."""
    recorded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    interactions = []
    streamed = False
    for item in recorded["interactions"]:
        request, response = item["request"], item["response"]
        body = as_text(response["body"]["string"])
        content_type = response["headers"].get("content-type", [JSON])
        streamed = streamed or content_type == [SSE]
        headers = {"content-type": content_type}
        headers.update(
            {k: response["headers"][k.lower()] for k in provider.headers if k.lower() in response["headers"]}
        )
        interactions.append(
            {
                "request": {
                    "body": as_text(request["body"]),
                    "headers": {"authorization": ["PLACEHOLDER"], "content-type": [JSON]},
                    "method": request["method"],
                    "uri": request["uri"],
                },
                "response": {
                    "body": {"string": _Literal(body) if "\n" in body else body},
                    "headers": headers,
                    "status": {
                        "code": response["status"]["code"],
                        "message": HTTPStatus(response["status"]["code"]).phrase,
                    },
                },
            }
        )
        assert request["uri"] == provider.url, request["uri"]
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, allow_unicode=True, sort_keys=False, width=1000)
    note = ""
    if provider.name == "baichuan" and any(
        '"tool_calls"' in as_text(i["response"]["body"]["string"]) for i in recorded["interactions"]
    ):
        note = "# Baichuan documents no tool-call answer: the OpenAI tool_calls shape is assumed [inferred].\n"
    header = (
        f"# SYNTHESIZED from {provider.display}'s documented wire format ({provider.source}); content scripted by "
        "tests/cassettes/synthesized/write_cassettes.py — not a recording.\n"
    )
    path.write_text(header + note + text, encoding="utf-8")


def main() -> int:
    import pytest

    for provider in PROVIDERS.values():
        folder = HERE / provider.name
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.yaml"):
            old.unlink()
    os.environ.pop("HOSTEDLLM_CASSETTES", None)  # always into synthesized/, never over real recordings
    install_responder()
    os.chdir(ROOT)
    pytest.main([str(ROOT / TEST_FILE), "-q", "--no-header", "--tb=no", "--record-mode=rewrite"])
    for provider in PROVIDERS.values():
        for path in sorted((HERE / provider.name).glob("*.yaml")):
            rewrite(path, provider)
    print("Rewritten; replaying offline to check them:")
    replay = [sys.executable, "-m", "pytest", "-q", "--no-header", TEST_FILE, "--record-mode=none"]
    return subprocess.run(replay, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
