"""How close the offline token estimate (hostedllm.token_estimate) is to a real tokenizer's counts.

The real counts come from the local model, SmolLM2-135M-Instruct: its tokenizer read from the GGUF
by llama.cpp (``vocab_only``, no weights) for texts, and its server's ``prompt_tokens`` (one-token
chat calls) for message lists. The texts are the cookbook's documents (``cookbook/data/*.md``): each
whole, each paragraph, each line of a paragraph and each heading; the cookbook's agent tools as JSON
schemas; and message lists built from the documents (all start with a system message: SmolLM2's
template adds a default one otherwise). Prints, per kind of sample, the mean absolute relative
error, the worst case and the mean signed error (positive: the estimate is high), then the
estimator's speed. Needs the local model
(``make install``); not run by ``make bench``, which measures speed over nginx, not accuracy.

    .venv/bin/python bench/token_estimate.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from hostedllm.local import LocalServer
from hostedllm.local.server import default_model_path
from hostedllm.token_estimate import estimate_message_tokens, estimate_tokens, estimate_tools_tokens

DATA = Path(__file__).resolve().parent.parent / "cookbook" / "data"
SYSTEM = "Answer from the document. Say so when it does not tell."

#: The cookbook's agent tools (cookbook/agent_langchain.py) and a structured-output schema, as sent.
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "lookup_price",
            "description": "The price of a model per 1 million input and output tokens, from the hostedllm catalog.",
            "parameters": {"type": "object", "properties": {"model": {"type": "string"}}, "required": ["model"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "multiply",
            "description": "Multiply two numbers.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                "required": ["a", "b"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "ProviderFacts",
            "description": "What a document says about one provider.",
            "parameters": {
                "type": "object",
                "properties": {
                    "provider": {"type": "string", "description": "The provider's name, e.g. Novita AI"},
                    "env_var": {"type": "string", "description": "The environment variable holding the key"},
                    "max_temperature": {"type": ["number", "null"], "description": "The highest temperature"},
                    "tool_choices": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["provider", "env_var"],
            },
        },
    },
]


def documents() -> list[str]:
    return [path.read_text("utf-8") for path in sorted(DATA.glob("*.md"))]


def blocks(docs: Sequence[str]) -> list[str]:
    """Blank-line separated blocks: each document's heading and its paragraphs."""
    return [block.strip() for doc in docs for block in doc.split("\n\n") if block.strip()]


def message_lists(docs: Sequence[str]) -> list[list[dict[str, str]]]:
    """Per document: the document as a question's context, and a short conversation about it; then all in one."""
    lists: list[list[dict[str, str]]] = []
    for doc in docs:
        heading, _, body = doc.partition("\n\n")
        lists.append([{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{doc}\nWho is it for?"}])
        lists.append(
            [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"What does this say about {heading.lstrip('# ').strip()}?"},
                {"role": "assistant", "content": body.strip()},
                {"role": "user", "content": "Summarise it in one sentence."},
            ]
        )
    conversation = [{"role": "system", "content": SYSTEM}]
    for doc in docs:
        conversation += [{"role": "user", "content": doc}, {"role": "assistant", "content": "Noted."}]
    lists.append([*conversation, {"role": "user", "content": "Which provider is strictest?"}])
    return lists


def text_counter() -> Callable[[str], int]:
    """SmolLM2's tokenizer (llama.cpp, vocabulary only): the number of tokens of a text, no BOS."""
    import llama_cpp

    vocab = llama_cpp.Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=False))


def prompt_tokens(server: LocalServer, messages: list[dict[str, str]]) -> int:
    body = {"model": server.model_id, "messages": messages, "max_tokens": 1, "temperature": 0}
    response = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=120)
    response.raise_for_status()
    return int(response.json()["usage"]["prompt_tokens"])


def errors(pairs: Sequence[tuple[int, int]]) -> tuple[float, float, float]:
    """Mean absolute relative error, worst absolute relative error, mean signed relative error."""
    relative = [(estimate - real) / real for estimate, real in pairs]
    return statistics.mean(abs(r) for r in relative), max(abs(r) for r in relative), statistics.mean(relative)


def measure() -> dict[str, list[tuple[int, int]]]:
    """``(estimate, real)`` pairs per kind of sample (starts the local server for the message lists)."""
    count = text_counter()
    docs = documents()
    results = {
        "document": [(estimate_tokens(doc), count(doc)) for doc in docs],
        "paragraph": [(estimate_tokens(block), count(block)) for block in blocks(docs) if not block.startswith("#")],
        "line of a paragraph": [
            (estimate_tokens(line), count(line))
            for block in blocks(docs)
            if not block.startswith("#")
            for line in block.splitlines()
        ],
        "heading": [(estimate_tokens(block), count(block)) for block in blocks(docs) if block.startswith("#")],
        "tool schema (JSON)": [(estimate_tools_tokens([tool]), count(json.dumps(tool))) for tool in TOOLS],
    }
    with LocalServer() as server:
        results["message list"] = [
            (estimate_message_tokens(messages), prompt_tokens(server, messages)) for messages in message_lists(docs)
        ]
    return results


def speed(docs: Sequence[str], rounds: int = 200) -> float:
    """Microseconds per 1,000 characters of estimate_tokens over the documents."""
    text = "\n\n".join(docs)
    start = time.perf_counter()
    for _ in range(rounds):
        estimate_tokens(text)
    return (time.perf_counter() - start) / rounds / len(text) * 1e9


def main() -> None:
    print("Offline token estimate against SmolLM2-135M-Instruct (llama.cpp tokenizer; server prompt_tokens)")
    print(f"{'samples':<22} {'n':>3} {'tokens':>11} {'mean |err|':>10} {'worst':>7} {'bias':>7}")
    for kind, pairs in measure().items():
        mean, worst, bias = errors(pairs)
        reals = [real for _, real in pairs]
        print(f"{kind:<22} {len(pairs):>3} {min(reals):>5}-{max(reals):<5} {mean:>10.1%} {worst:>7.1%} {bias:>+7.1%}")
    print(f"estimate_tokens: {speed(documents()):.1f} µs per 1,000 characters")


if __name__ == "__main__":
    main()
