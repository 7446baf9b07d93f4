"""The canned chat-completions bodies nginx serves, and the prompts every client sends.

Everything here is deterministic (a seeded generator for the RAG text), so every client, round
and run sends and receives exactly the same bytes.
"""

from __future__ import annotations

import base64
import json
import random
import struct
from typing import Any

ANSWER_TEXT = "The capital of France is Paris."
CHUNK_TEXT = " tok"
USAGE = {"prompt_tokens": 25, "completion_tokens": 7, "total_tokens": 32}
_ID = "chatcmpl-bench"
_CREATED = 1_700_000_000

MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a helpful assistant. Answer in one sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]

_VOCABULARY = (
    "river basin delta flow sediment climate rainfall station measurement annual report table "
    "record volume discharge upstream downstream tributary source mouth length width depth flood "
    "season winter summer average maximum minimum index survey region province catchment gauge"
)


def completion(model: str) -> dict[str, Any]:
    """A non-streamed answer in the OpenAI shape, with usage."""
    return {
        "id": _ID,
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "system_fingerprint": "fp_bench",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ANSWER_TEXT},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }


def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": _ID,
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": model,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def sse_stream(model: str, chunks: int) -> bytes:
    """``chunks`` content chunks, a finish chunk, a usage chunk (``choices: []``) and ``[DONE]``."""
    first = json.dumps(_chunk(model, {"role": "assistant", "content": CHUNK_TEXT}, None))
    rest = json.dumps(_chunk(model, {"content": CHUNK_TEXT}, None))
    finish = json.dumps(_chunk(model, {}, "stop"))
    usage = json.dumps(
        {
            "id": _ID,
            "object": "chat.completion.chunk",
            "created": _CREATED,
            "model": model,
            "choices": [],
            "usage": USAGE,
        }
    )
    events = [first, *([rest] * (chunks - 1)), finish, usage, "[DONE]"]
    return "".join(f"data: {event}\n\n" for event in events).encode()


def models_list(model: str) -> dict[str, Any]:
    """``GET /v1/models``: what ChatNVIDIA asks a self-hosted endpoint for."""
    return {"object": "list", "data": [{"id": model, "object": "model", "created": _CREATED, "owned_by": "bench"}]}


def rag_messages(size: int = 500_000) -> list[dict[str, str]]:
    """A retrieval-augmented prompt of about ``size`` characters (~128k tokens at 500 KB)."""
    rng, words = random.Random(0), _VOCABULARY.split()
    parts: list[str] = []
    total, doc = 0, 0
    while total < size:
        doc += 1
        text = " ".join(rng.choice(words) for _ in range(150))
        part = f"[Document {doc}] {text}."
        parts.append(part)
        total += len(part) + 2
    context = "\n\n".join(parts)
    return [
        {"role": "system", "content": "Answer only from the documents in the context. Cite document numbers."},
        {"role": "user", "content": f"Context:\n{context}\n\nQuestion: which river has the largest annual discharge?"},
    ]


#: The length of every canned embedding vector (nv-embedqa-e5-v5's).
EMBEDDING_DIMS = 1024

_SUBJECTS = (
    "The river authority",
    "A regional survey team",
    "The annual hydrology report",
    "Each monitoring station",
    "The provincial water board",
    "An independent review",
    "The upstream catchment study",
    "The flood forecasting service",
)
_CLAUSES = (
    "recorded a sharp rise in winter discharge after three weeks of heavy rainfall across the basin",
    "compared sediment volumes at the delta with measurements taken a decade earlier",
    "found that average summer flow has fallen while the number of dry days keeps growing",
    "recommends new gauges on two tributaries where the record still has long gaps",
    "estimates that half of the annual flood volume now arrives within a single month",
    "notes that the width of the main channel changed after the dam opened upstream",
    "publishes its station tables every quarter so that farmers can plan irrigation",
    "warns that groundwater levels near the mouth are falling faster than expected",
)


def passages(count: int) -> list[str]:
    """``count`` distinct passages of about 40 words (deterministic: the same list on every call)."""
    rng = random.Random(1)
    texts = []
    for number in range(count):
        first, second = rng.sample(_CLAUSES, 2)
        subject = rng.choice(_SUBJECTS)
        texts.append(f"{subject} {first}, and in section {number + 1} of its latest report it also {second}.")
    return texts


def embeddings(model: str, count: int, dims: int = EMBEDDING_DIMS, b64: bool = False) -> dict[str, Any]:
    """An OpenAI-shaped ``/embeddings`` answer with ``count`` unit vectors of ``dims`` floats (JSON
    numbers, or with ``b64`` the base64 of little-endian float32s, as for ``encoding_format="base64"``)."""
    rng = random.Random(2)
    data = []
    for index in range(count):
        vector = [rng.gauss(0.0, 1.0) for _ in range(dims)]
        norm = sum(x * x for x in vector) ** 0.5
        unit = [x / norm for x in vector]
        embedding: Any = base64.b64encode(struct.pack(f"<{dims}f", *unit)).decode() if b64 else unit
        data.append({"index": index, "embedding": embedding, "object": "embedding"})
    tokens = 52 * count
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
