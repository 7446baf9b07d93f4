"""Write the SYNTHESIZED cassettes the agent recipes replay: no provider could be reached to record them.

For each agent recipe this script runs the recipe's own ``run_agent`` on its own ``novita()`` model
while vcrpy records, with a scripted responder as the client's transport (``httpx.MockTransport``:
nothing leaves the process, the base URL stays Novita's). So the request side is exactly what our
classes send for the recipe; the answer side is scripted here, in Novita's documented wire format
(the chat-completion API reference, as in ``tests/cassettes/synthesized/``): ``content_filter_results``
per choice, ``system_fingerprint: ""``, OpenAI ``tool_calls``, and for streams ``usage: null`` on
every chunk, then a ``choices: []`` usage chunk and ``data: [DONE]``.

The script answers each request as a tool-using model would, from the request alone: the user's
question names a catalog model, so it calls ``lookup_price`` with it; given the price, it calls
``multiply`` with the output price and the number of millions asked for; given the product, it
answers in a sentence. The numbers come from the tool results in the request, so regenerating after
a catalog price change gives a consistent cassette. Token counts are rough estimates.

Run from the repository root; the output is deterministic, so an unchanged run leaves no diff:

    .venv/bin/python cookbook/cassettes/write_cassettes.py
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import vcr
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

import agent_langchain  # noqa: E402 - the recipes live one folder up
import agent_llamaindex  # noqa: E402
import reasoning  # noqa: E402
import vision  # noqa: E402
from _replay import REPLAY_KEY  # noqa: E402

from hostedllm.catalog import default_catalog  # noqa: E402

CREATED = 1767225600  # 2026-01-01T00:00:00Z, fixed so that regenerating changes nothing
URL = "https://api.novita.ai/v3/openai/chat/completions"
JSON = "application/json"
SSE = "text/event-stream"
FILTERS = {
    "hate": {"filtered": False},
    "self_harm": {"filtered": False},
    "sexual": {"filtered": False},
    "violence": {"filtered": False},
    "jailbreak": {"filtered": False, "detected": False},
    "profanity": {"filtered": False, "detected": False},
}
HEADER = (
    "# SYNTHESIZED from Novita's documented wire format (chat-completion API reference: content_filter_results per "
    'choice, system_fingerprint ""; streams: usage null on every chunk, then a choices: [] usage chunk); requests '
    "recorded from {recipe}; answers scripted by cookbook/cassettes/write_cassettes.py — not a recording.\n"
)


# --- what a tool-using model would answer ----------------------------------------------------------


def text_of(content: Any) -> str:
    """A message's text, whether a string or a list of content parts."""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


@dataclass
class Reply:
    """One scripted answer: a tool call, or a text."""

    text: str = ""
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    reasoning: str = ""


def decide(body: dict[str, Any]) -> Reply:
    """The agent recipes' next step for this conversation, read from it alone."""
    messages = body["messages"]
    question = next(text_of(m["content"]) for m in messages if m["role"] == "user")
    results = {m["tool_call_id"]: text_of(m["content"]) for m in messages if m["role"] == "tool"}
    done: dict[str, tuple[dict[str, Any], str]] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            if call["id"] in results:
                done[call["function"]["name"]] = (json.loads(call["function"]["arguments"]), results[call["id"]])
    asked = re.search(r"(\d+(?:\.\d+)?) million", question)
    millions = float(asked.group(1)) if asked else 1.0
    if "lookup_price" not in done:
        named = sorted((entry.id for entry in default_catalog() if entry.id in question), key=len)
        return Reply(tool="lookup_price", args={"model": named[-1]})
    looked_up, found = done["lookup_price"]
    price = json.loads(found)
    if "multiply" not in done:
        return Reply(tool="multiply", args={"a": price["output_per_1m"], "b": millions})
    total, currency, per_1m = float(done["multiply"][1]), price["currency"], price["output_per_1m"]
    return Reply(
        f"{millions:g} million output tokens of {looked_up['model']} would cost {total:.2f} {currency} "
        f"({per_1m:.2f} {currency} per million output tokens × {millions:g})."
    )


def decide_reasoning(body: dict[str, Any]) -> Reply:
    """cookbook/reasoning.py: the bat-and-ball answer, with reasoning unless thinking is off; the agent's steps."""
    if body["model"] == reasoning.HYBRID:
        answer = "The ball costs 0.05 (and the bat 1.05)."
        if body.get("enable_thinking") is False:
            return Reply(answer)
        thought = "Let the ball cost x. The bat costs x + 1.00, so 2x + 1.00 = 1.10, 2x = 0.10 and x = 0.05."
        return Reply(answer, reasoning=thought)
    messages = body["messages"]
    results = [text_of(m["content"]) for m in messages if m["role"] == "tool"]
    if not results:
        thought = "I need the days from 2026-11-28 to 2027-01-06; days_between computes that."
        return Reply(tool="days_between", args={"start": "2026-11-28", "end": "2027-01-06"}, reasoning=thought)
    earlier = next(m for m in messages if m["role"] == "assistant")
    assert earlier.get("reasoning_content"), "the agent's earlier reasoning must be sent back"
    days = results[-1]
    return Reply(f"There are {days} days from 2026-11-28 to 2027-01-06.", reasoning=f"The tool says {days} days.")


RECEIPT = {
    "merchant": "CAFE LUMIERE",
    "date": "2026-11-28",
    "items": [
        {"name": "Espresso", "quantity": 2, "price": 5.0},
        {"name": "Croissant", "quantity": 1, "price": 2.8},
        {"name": "Orange juice", "quantity": 1, "price": 4.5},
    ],
    "total": 12.3,
    "currency": "EUR",
}


def decide_vision(body: dict[str, Any]) -> Reply:
    """cookbook/vision.py: what data/receipt.png shows, as a description or as the asked-for JSON."""
    if body.get("response_format"):
        return Reply(compact(RECEIPT))
    return Reply(
        "A printed receipt from Cafe Lumiere in Lyon, dated 2026-11-28. It lists two espressos, a croissant "
        "and an orange juice, for a total of 12.30 EUR."
    )


# --- Novita's wire format ------------------------------------------------------------------------


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def usage_of(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """Rough token counts: about four characters a token, plus a little per tool schema."""
    prompt = len(compact(body["messages"])) // 4 + 60 * len(body.get("tools") or [])
    thought = len(reply.reasoning) // 4
    completion = max(len(reply.text or compact(reply.args)) // 4, 1) + thought
    counts: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if reply.reasoning:
        counts["completion_tokens_details"] = {"reasoning_tokens": thought}
    return counts


def completion(base: dict[str, Any], reply: Reply, call: dict[str, Any] | None, usage: dict[str, Any]) -> str:
    """A non-streamed answer (reasoning in ``reasoning_content``, as Novita's reasoning guide shows)."""
    message: dict[str, Any] = {"role": "assistant", "content": None if call else reply.text}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if call:
        message["tool_calls"] = [call]
    choice = {"index": 0, "message": message, "finish_reason": "tool_calls" if call else "stop"}
    return compact(
        {
            **base,
            "object": "chat.completion",
            "choices": [{**choice, "content_filter_results": FILTERS}],
            "usage": {
                **usage,
                "prompt_tokens_details": None,
                "completion_tokens_details": usage.get("completion_tokens_details"),
            },
            "system_fingerprint": "",
        }
    )


def stream(base: dict[str, Any], reply: Reply, call: dict[str, Any] | None, usage: dict[str, Any] | None) -> str:
    """A streamed answer: a role chunk, reasoning (``delta.reasoning_content``), the text in pieces or the call's
    arguments in two halves, usage if asked."""
    if call:
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        first = {**call, "function": {"name": call["function"]["name"], "arguments": arguments[:half]}}
        deltas = [
            {"tool_calls": [{"index": 0, **first}]},
            {"tool_calls": [{"index": 0, "function": {"arguments": arguments[half:]}}]},
        ]
    else:
        words = reply.text.split(" ")
        deltas = [{"content": " ".join(words[i : i + 4]) + " "} for i in range(0, len(words), 4)]
        deltas[-1]["content"] = deltas[-1]["content"].rstrip()
    if reply.reasoning:
        words = reply.reasoning.split(" ")
        thoughts = [{"reasoning_content": " ".join(words[i : i + 6]) + " "} for i in range(0, len(words), 6)]
        thoughts[-1]["reasoning_content"] = thoughts[-1]["reasoning_content"].rstrip()
        deltas = thoughts + deltas
    finish = "tool_calls" if call else "stop"

    def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "content_filter_results": FILTERS}
        event = {**base, "object": "chat.completion.chunk", "choices": [choice], "system_fingerprint": ""}
        return {**event, "usage": None} if usage else event

    events = [chunk({"role": "assistant"}, None)]
    events += [chunk(delta, finish if i == len(deltas) - 1 else None) for i, delta in enumerate(deltas)]
    if usage:
        events.append(
            {**base, "object": "chat.completion.chunk", "choices": [], "system_fingerprint": "", "usage": usage}
        )
    return "".join(f"data: {compact(event)}\n\n" for event in events) + "data: [DONE]\n\n"


def responder(decide: Callable[[dict[str, Any]], Reply]) -> Callable[[httpx.Request], httpx.Response]:
    """A transport handler answering each request with ``decide``'s reply, in Novita's documented format."""
    return lambda request: answer(request, decide(json.loads(request.content)))


def answer(request: httpx.Request, reply: Reply) -> httpx.Response:
    """``reply`` to ``request``, streamed or not as asked, in Novita's documented format."""
    body = json.loads(request.content)
    seed = hashlib.sha256(request.content).hexdigest()
    call = None
    if reply.tool:
        function = {"name": reply.tool, "arguments": json.dumps(reply.args)}
        call = {"id": f"call_{seed[:24]}", "type": "function", "function": function}
    base = {"id": f"chat-{seed[:32]}", "created": CREATED, "model": body["model"]}
    usage = usage_of(body, reply)
    if not body.get("stream"):
        return httpx.Response(
            200, headers={"content-type": JSON}, content=completion(base, reply, call, usage).encode()
        )
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    text = stream(base, reply, call, usage if include_usage else None)
    return httpx.Response(200, headers={"content-type": SSE}, content=text.encode())


respond = responder(decide)  # the agent recipes' script, as a transport handler


# --- recording and rewriting ---------------------------------------------------------------------


class _Literal(str):
    """A string YAML writes as a block, so SSE bodies stay readable."""


def _represent_literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _represent_literal)


def as_text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def rewrite(path: Path, recipe: str) -> None:
    """vcrpy's file in the project's cassette shape: request headers reduced, SSE as blocks, provenance first."""
    recorded = yaml.safe_load(path.read_text(encoding="utf-8"))
    interactions = []
    for item in recorded["interactions"]:
        request, response = item["request"], item["response"]
        assert request["uri"] == URL, request["uri"]
        body = as_text(response["body"]["string"])
        code = response["status"]["code"]
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
                    "headers": {"content-type": response["headers"]["content-type"]},
                    "status": {"code": code, "message": HTTPStatus(code).phrase},
                },
            }
        )
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(HEADER.format(recipe=recipe) + text, encoding="utf-8")


def write(
    path: Path, recipe: str, run: Callable[[dict[str, Any]], object], decide: Callable[[dict[str, Any]], Reply]
) -> None:
    """Record ``run`` (given the model's keyword arguments) into ``path`` with ``decide`` answering, rewrite it,
    then replay it offline."""
    path.unlink(missing_ok=True)
    handler = responder(decide)
    scripted = {
        "api_key": REPLAY_KEY,
        "http_transport": httpx.MockTransport(handler),
        "async_http_transport": httpx.MockTransport(handler),
    }
    recorder = vcr.VCR(
        record_mode="all", match_on=["method", "uri", "body"], filter_headers=[("authorization", "PLACEHOLDER")]
    )
    with recorder.use_cassette(str(path)):
        run(scripted)
    rewrite(path, recipe)
    print(f"\nWrote {path.relative_to(HERE.parent.parent)}; replaying it offline:")
    replay = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    with replay.use_cassette(str(path)):
        run({"api_key": REPLAY_KEY})


def main() -> None:
    write(
        HERE / "agent_langchain.yaml",
        "cookbook/agent_langchain.py",
        lambda kwargs: agent_langchain.run_agent(agent_langchain.novita(**kwargs)),
        decide,
    )
    write(
        HERE / "agent_llamaindex.yaml",
        "cookbook/agent_llamaindex.py",
        lambda kwargs: asyncio.run(agent_llamaindex.run_agent(agent_llamaindex.novita(**kwargs))),
        decide,
    )
    write(HERE / "reasoning.yaml", "cookbook/reasoning.py", reasoning.run, decide_reasoning)
    write(HERE / "vision.yaml", "cookbook/vision.py", vision.run, decide_vision)


if __name__ == "__main__":
    main()
