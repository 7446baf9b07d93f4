"""Micro-benchmarks of the hostedllm core's own cost (no network): run by `make bench`.

Every loop is bounded in count; results are medians of several runs, printed as a table.
The peer comparison (LangChain/LlamaIndex classes against ChatOpenAI, ChatNVIDIA, OpenAILike)
is bench/peers.py, run after it.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from hostedllm import ChatClient
from hostedllm.catalog import Catalog
from hostedllm.request import encode_body
from hostedllm.responses import parse_completion
from hostedllm.streaming import ChunkStream, iter_sse_data

RUNS = 5
CHUNKS = 20_000
CHUNK = {
    "id": "chat-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "token"}, "finish_reason": None}],
}
LAST = {**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
SSE_BODY = (
    "".join(f"data: {json.dumps(CHUNK)}\n\n" for _ in range(CHUNKS - 1))
    + f"data: {json.dumps(LAST)}\n\ndata: [DONE]\n\n"
).encode()
ANSWER = json.dumps(
    {
        "id": "1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
        "usage": {"total_tokens": 3},
    }
).encode()
MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello " * 50}]


def median_of(runs: int, body: Callable[[], float]) -> tuple[float, float, float]:
    values = sorted(body() for _ in range(runs))
    return statistics.median(values), values[0], values[-1]


def per_call(fn: Callable[[], object], count: int) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(count):
            fn()
        return (time.perf_counter() - start) / count * 1e6

    return run


def import_time(module: str) -> Callable[[], float]:
    """Milliseconds to import ``module`` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

    def run() -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        return float(out) * 1e3

    return run


def parse_stream() -> float:
    lines = SSE_BODY.decode().split("\n")
    start = time.perf_counter()
    stream = ChunkStream(CLIENT.spec)
    for payload in iter_sse_data(lines):
        stream.feed(payload)
    stream.close()
    return (time.perf_counter() - start) / CHUNKS * 1e6


def client_stream() -> float:
    start = time.perf_counter()
    for _ in STREAMER.stream(STREAM_REQUEST):
        pass
    return (time.perf_counter() - start) / CHUNKS * 1e6


CLIENT = ChatClient("novita", "qwen/qwen-2.5-72b-instruct", api_key="bench")
REQUEST = CLIENT.build_request(MESSAGES, params={"temperature": 0.2, "max_tokens": 64})
STREAMER = ChatClient(
    "novita",
    "qwen/qwen-2.5-72b-instruct",
    api_key="bench",
    transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=SSE_BODY, headers={"content-type": "text/event-stream"})
    ),
)
STREAM_REQUEST = STREAMER.build_request(MESSAGES, stream=True)
CALLER = ChatClient(
    "novita",
    "qwen/qwen-2.5-72b-instruct",
    api_key="bench",
    transport=httpx.MockTransport(lambda request: httpx.Response(200, content=ANSWER)),
)


def _curated_lookup() -> object:
    return Catalog.load().get("novita:qwen/qwen-2.5-72b-instruct")


def _generated_lookup() -> object:
    return Catalog.load().get("novita:qwen/qwen3-32b-fp8")


def _every_row() -> object:
    return Catalog.load().models()


SCENARIOS: list[tuple[str, str, Callable[[], float]]] = [
    ("import hostedllm.client", "ms", import_time("hostedllm.client")),
    # The catalog's growth must not cost the adapters: the LangChain adapter's import (the catalog loads on first use).
    ("import langchain_hostedllm.chat_models", "ms", import_time("langchain_hostedllm.chat_models")),
    # A class looks up one model: the large generated file is parsed only when the curated rows lack it.
    ("load the catalog + look up a curated model", "ms", lambda: per_call(_curated_lookup, 20)() / 1e3),
    ("load the catalog + look up a generated model", "ms", lambda: per_call(_generated_lookup, 20)() / 1e3),
    ("load the catalog + validate every row (a listing)", "ms", lambda: per_call(_every_row, 10)() / 1e3),
    (
        "build + validate + encode a request",
        "µs",
        per_call(
            lambda: encode_body(CLIENT.build_request(MESSAGES, params={"temperature": 0.2, "max_tokens": 64})), 2000
        ),
    ),
    ("parse a non-streamed answer", "µs", per_call(lambda: parse_completion(CLIENT.spec, ANSWER), 5000)),
    ("create() over httpx.MockTransport", "µs", per_call(lambda: CALLER.create(REQUEST), 500)),
    (f"SSE + chunk normalisation, per chunk ({CHUNKS:,})", "µs", parse_stream),
    ("stream() over httpx.MockTransport, per chunk", "µs", client_stream),
]


def main() -> None:
    print(
        f"hostedllm core benchmarks: Python {platform.python_version()}, {platform.machine()}, "
        f"httpx {httpx.__version__}, median of {RUNS} runs\n"
    )
    print("| scenario | median | min – max |\n|---|---|---|")
    for name, unit, body in SCENARIOS:
        median, low, high = median_of(RUNS, body)
        print(f"| {name} | {median:.1f} {unit} | {low:.1f} – {high:.1f} {unit} |")


if __name__ == "__main__":
    main()
