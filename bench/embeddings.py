"""Embeddings throughput: texts per second and client CPU per text, ours against the peers, on loopback.

    .venv/bin/python bench/embeddings.py            # 5 rounds; writes bench/results-embeddings.md (+ .json)
    .venv/bin/python bench/embeddings.py --quick    # small counts, one round; writes results-embeddings-partial.md

Measures ``embed_documents`` / ``aembed_documents`` (LangChain) and ``get_text_embedding_batch`` /
``aget_text_embedding_batch`` (LlamaIndex) on lists of 1, 16 and 256 passages of ~40 words, against
nginx serving canned OpenAI-shaped answers of 1024-float vectors (``server.py``, ``canned.py``).
Every client is set to at most 32 texts per request, so a call sends 1, 16 or 8 × 32 texts and the
answer at ``/emb/<n>/v1/embeddings`` always holds exactly as many vectors as the request it answers.
Each (client, round) runs in a fresh worker process under the loopback guard; clients alternate
within rounds; every loop is bounded by count; the tables give the median over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import canned
from procstat import process_cpu_seconds

BENCH = Path(__file__).resolve().parent
MODEL = "nvidia/nv-embedqa-e5-v5"
API_KEY = "bench"
PER_REQUEST = 32  # texts per request for every client: 256 = 8 full requests, and 1 and 16 fit in one
BATCHES = (1, 16, 256)
MODES = ("sync", "async")
#: (calls measured, warm-up calls) per batch size.
FULL = {1: (400, 20), 16: (100, 5), 256: (12, 2)}
QUICK = {1: (40, 3), 16: (10, 2), 256: (2, 1)}
ROUNDS, WORKER_TIMEOUT = 5, 300.0


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> list[list[float]]: ...
    async def aembed(self, texts: list[str]) -> list[list[float]]: ...


class LangChainEmbedder:
    def __init__(self, model: Any) -> None:
        self.model = model

    def embed(self, texts: list[str]) -> list[list[float]]:
        return list(self.model.embed_documents(texts))

    async def aembed(self, texts: list[str]) -> list[list[float]]:
        return list(await self.model.aembed_documents(texts))


class LlamaIndexEmbedder:
    def __init__(self, model: Any) -> None:
        self.model = model

    def embed(self, texts: list[str]) -> list[list[float]]:
        return list(self.model.get_text_embedding_batch(texts))

    async def aembed(self, texts: list[str]) -> list[list[float]]:
        return list(await self.model.aget_text_embedding_batch(texts))


def ours_langchain(url: str) -> Embedder:
    from langchain_hostedllm import NIMEmbeddings

    return LangChainEmbedder(NIMEmbeddings(model=MODEL, base_url=url, api_key=API_KEY, batch_size=PER_REQUEST))


def ours_local(url: str) -> Embedder:
    from langchain_hostedllm import LocalEmbeddings

    return LangChainEmbedder(LocalEmbeddings(base_url=url, api_key=API_KEY, batch_size=PER_REQUEST))


def ours_llamaindex(url: str) -> Embedder:
    from llama_index.llms.hostedllm import NIMEmbedding

    model = NIMEmbedding(model_name=MODEL, api_base=url, api_key=API_KEY, embed_batch_size=PER_REQUEST)
    return LlamaIndexEmbedder(model)


def peer_nvidia(url: str) -> Embedder:
    from langchain_nvidia_ai_endpoints import NVIDIAEmbeddings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NVIDIAEmbeddings(model=MODEL, base_url=url, api_key=API_KEY, max_batch_size=PER_REQUEST)
    return LangChainEmbedder(model)


def peer_openai(url: str) -> Embedder:
    """It asks for ``encoding_format="base64"`` (the openai SDK's default) and is answered floats, as all are."""
    from langchain_openai import OpenAIEmbeddings

    # base_url and api_key are aliases (of openai_api_base, openai_api_key) that mypy's pydantic plugin does not see
    options: dict[str, Any] = {"base_url": url, "api_key": API_KEY}
    model = OpenAIEmbeddings(model=MODEL, check_embedding_ctx_length=False, chunk_size=PER_REQUEST, **options)
    return LangChainEmbedder(model)


def peer_openai_b64(url: str) -> Embedder:
    """The same, answered what it asked for: base64 float32s (``/emb/b64-<n>/v1``), decoded by the SDK."""
    return peer_openai(url.replace("/emb/", "/emb/b64-"))


#: name: (label, builder)
CLIENTS: dict[str, tuple[str, Callable[[str], Embedder]]] = {
    "ours-langchain": ("**NIMEmbeddings** (ours, LangChain)", ours_langchain),
    "ours-llamaindex": ("**NIMEmbedding** (ours, LlamaIndex)", ours_llamaindex),
    "ours-local": ("LocalEmbeddings (ours, normalises vectors)", ours_local),
    "peer-nvidia": ("NVIDIAEmbeddings", peer_nvidia),
    "peer-openai": ("OpenAIEmbeddings(check_embedding_ctx_length=False)", peer_openai),
    "peer-openai-b64": ("OpenAIEmbeddings, answered in base64 (what it asks for)", peer_openai_b64),
}


# --- the worker: one client, every (mode, batch) cell, in a fresh process ----------------------


class Meter:
    """Client CPU (``process_time``, all threads), wall time and nginx's worker CPU over one section."""

    def __init__(self, nginx_pid: int) -> None:
        self.nginx_pid = nginx_pid

    def __enter__(self) -> Meter:
        gc.collect()
        gc.freeze()  # imported modules' objects: full collections no longer scan them (as in peers.py)
        self.nginx0 = process_cpu_seconds(self.nginx_pid)
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0
        self.nginx = process_cpu_seconds(self.nginx_pid) - self.nginx0

    def result(self, texts: int) -> dict[str, float]:
        return {"cpu_us": self.cpu / texts * 1e6, "texts_s": texts / self.wall, "nginx_us": self.nginx / texts * 1e6}


def _check(vectors: list[list[float]], sent: int) -> None:
    expected = canned.embeddings(MODEL, 1)["data"][0]["embedding"]
    if len(vectors) != sent or len(vectors[0]) != canned.EMBEDDING_DIMS:
        raise RuntimeError(f"{len(vectors)} vectors for {sent} texts")
    if abs(vectors[0][0] - expected[0]) > 1e-6 or (sent == 1 and abs(vectors[0][-1] - expected[-1]) > 1e-6):
        raise RuntimeError("unexpected vector values")


def work(job: dict[str, Any]) -> dict[str, dict[str, float]]:
    build, counts = CLIENTS[job["client"]][1], {int(k): v for k, v in job["counts"].items()}
    texts = canned.passages(max(BATCHES))
    embedders = {n: build(f"http://127.0.0.1:{job['port']}/emb/{min(n, PER_REQUEST)}/v1") for n in BATCHES}
    results: dict[str, dict[str, float]] = {}
    for n, embedder in embedders.items():
        calls, warmup = counts[n]
        _check(embedder.embed(texts[:n]), n)
        for _ in range(warmup):
            embedder.embed(texts[:n])
        with Meter(job["nginx_pid"]) as meter:
            for _ in range(calls):
                embedder.embed(texts[:n])
        results[f"sync-{n}"] = meter.result(calls * n)

    async def run_async() -> None:
        for n, embedder in embedders.items():
            calls, warmup = counts[n]
            _check(await embedder.aembed(texts[:n]), n)
            for _ in range(warmup):
                await embedder.aembed(texts[:n])
            with Meter(job["nginx_pid"]) as meter:
                for _ in range(calls):
                    await embedder.aembed(texts[:n])
            results[f"async-{n}"] = meter.result(calls * n)

    asyncio.run(run_async())
    return results


# --- the parent: nginx, the rounds, the report --------------------------------------------------


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stop_on_term(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_worker(job: dict[str, Any]) -> dict[str, dict[str, float]]:
    from runner import worker_env

    args = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=WORKER_TIMEOUT, env=worker_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-1500:] or f"exit code {done.returncode}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


Samples = dict[str, dict[str, list[dict[str, float]]]]  # client -> cell -> one dict per round


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def tables(samples: Samples, errors: dict[str, str]) -> str:
    cells = [f"{mode}-{n}" for mode in MODES for n in BATCHES]
    head = "| client | " + " | ".join(cell.replace("-", ", ") for cell in cells) + " |\n|---|" + "---|" * len(cells)
    out = []
    for key, title in (("texts_s", "Throughput, texts/s (wall)"), ("cpu_us", "Client CPU, µs per text")):
        rows = [f"### {title}\n\n{head}"]
        for client, (label, _) in CLIENTS.items():
            if client not in samples:
                continue
            if client in errors:
                rows.append(f"| {label} | error: {errors[client]} |" + " |" * (len(cells) - 1))
                continue
            rows.append(f"| {label} | " + " | ".join(_fmt(_median(samples[client][c], key)) for c in cells) + " |")
        out.append("\n".join(rows))
    detail = ["### Every cell: median (min – max) over the rounds\n"]
    detail.append("| client | cell | texts/s | client CPU µs/text | nginx CPU µs/text | rounds |")
    detail.append("|---|---|---|---|---|---|")
    for client, by_cell in samples.items():
        for cell in cells:
            rounds = by_cell.get(cell, [])
            if not rounds:
                continue
            spread = {k: f"{_fmt(min(r[k] for r in rounds))} – {_fmt(max(r[k] for r in rounds))}" for k in rounds[0]}
            detail.append(
                f"| `{client}` | {cell} | {_fmt(_median(rounds, 'texts_s'))} ({spread['texts_s']}) "
                f"| {_fmt(_median(rounds, 'cpu_us'))} ({spread['cpu_us']}) | {_fmt(_median(rounds, 'nginx_us'))} "
                f"| {len(rounds)} |"
            )
    return "\n\n".join([*out, "\n".join(detail)])


def canned_files() -> dict[str, bytes]:
    """The answers nginx serves under ``/emb/``: to a request of n texts, n vectors (``b64-``: base64)."""
    files: dict[str, bytes] = {}
    for n in (1, 16, PER_REQUEST):
        files[f"emb/{n}/v1/embeddings"] = json.dumps(canned.embeddings(MODEL, n)).encode()
        files[f"emb/b64-{n}/v1/embeddings"] = json.dumps(canned.embeddings(MODEL, n, b64=True)).encode()
        files[f"emb/{n}/v1/models"] = json.dumps(canned.models_list(MODEL)).encode()
    return files


def run_rounds(
    clients: list[str], rounds: int, counts: dict[int, tuple[int, int]], port: int, nginx_pid: int
) -> tuple[Samples, dict[str, str]]:
    """Every (round, client) in a fresh worker, clients rotated each round; a client failing twice is dropped."""
    samples: Samples = {c: {} for c in clients}
    errors: dict[str, str] = {}
    for round_no in range(rounds):
        for client in clients[round_no % len(clients) :] + clients[: round_no % len(clients)]:
            if client in errors:
                continue
            job = {"client": client, "port": port, "nginx_pid": nginx_pid, "counts": counts}
            for attempt in (1, 2):
                try:
                    result = run_worker(job)
                    break
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                    _log(f"round {round_no + 1}: {client} FAILED (attempt {attempt} of 2): {str(exc)[-1500:]}")
                    if attempt == 2:
                        errors[client] = (str(exc).strip().splitlines() or ["failed"])[-1][:300]
            else:
                continue
            for cell, value in result.items():
                samples[client].setdefault(cell, []).append(value)
            cells = ", ".join(f"{cell} {value['cpu_us']:.0f}" for cell, value in result.items())
            _log(f"round {round_no + 1}/{rounds}: {client} µs/text {cells}")
    return samples, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts and one round (a smoke run)")
    parser.add_argument("--rounds", type=int, help=f"rounds (default {ROUNDS}; --quick 1)")
    parser.add_argument("--clients", help=f"comma-separated: {', '.join(CLIENTS)}")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # a job as JSON: run it here, print the result
    args = parser.parse_args(argv)
    if args.worker:
        import guard

        guard.install()
        print(json.dumps(work(json.loads(args.worker))))
        return 0
    import report
    from server import CannedServer, nginx_version

    clients = args.clients.split(",") if args.clients else list(CLIENTS)
    if unknown := [c for c in clients if c not in CLIENTS]:
        parser.error(f"unknown clients {unknown}; choose from {', '.join(CLIENTS)}")
    signal.signal(signal.SIGTERM, _stop_on_term)  # nginx is stopped on the way out (CannedServer.__exit__)
    rounds = args.rounds or (1 if args.quick else ROUNDS)
    counts = QUICK if args.quick else FULL
    partial = args.quick or args.rounds or args.clients
    output = BENCH / ("results-embeddings-partial.md" if partial else "results-embeddings.md")
    started, load0 = time.monotonic(), os.getloadavg()
    with CannedServer(MODEL, 1, canned_files()) as server:
        _log(f"nginx {nginx_version()} on 127.0.0.1:{server.port} (worker pid {server.worker_pid})")
        samples, errors = run_rounds(clients, rounds, counts, server.port, server.worker_pid)
    minutes = (time.monotonic() - started) / 60
    calls = "; ".join(f"batch {n}: {c} calls (+{w} warm-up)" for n, (c, w) in counts.items())
    notes = [
        f"load average (1 min) at start {load0[0]:.2f}, at end {os.getloadavg()[0]:.2f}",
        f"every client sends at most {PER_REQUEST} texts per request; vectors of {canned.EMBEDDING_DIMS} floats",
        "each (client, round) runs in a fresh worker process; clients alternate within each round",
    ]
    text = (
        f"# Embeddings throughput\n\n{'Quick' if args.quick else 'Full'} run, "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {minutes:.1f} min, {rounds} round(s). {calls}. "
        f"Model id sent: `{MODEL}`.\n\n{report.machine(nginx_version(), notes)}\n\n{tables(samples, errors)}\n"
    )
    print(text)
    output.write_text(text)
    raw = {"counts": counts, "rounds": rounds, "per_request": PER_REQUEST, "samples": samples, "errors": errors}
    output.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    _log(f"wrote {output} and {output.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        _log("interrupted: nginx stopped")
        sys.exit(130)
