"""Batch jobs in one process (``hostedllm.batch.runner`` and ``hostedllm batch``) against a loopback provider.

The provider answers each prompt with itself, refuses some rows (400), and answers the first try of
every tenth row with a 429 (``Retry-After: 0``): every row must end as exactly one result (the answer, or
the typed error), the request rate the server measures must stay within the limit, and a job killed
midway must finish on a second run without writing any id twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.batch.files import ResultFolder, read_rows
from hostedllm.batch.runner import chat_work, run_job
from hostedllm.testing.fake import completion
from hostedllm.transport.ratelimit import RateLimit

from ..loopback import Seen, loopback

pytest.importorskip("pyarrow")

MODEL = "deepseek/deepseek-v3.1"


class Provider:
    """Echoes each prompt; 429 (Retry-After 0) on the first try of every tenth row; 400 on rows named 'bad'."""

    def __init__(self, delay: float = 0.0) -> None:
        self.times: list[float] = []
        self.bodies: list[dict[str, Any]] = []
        self.tries: Counter[str] = Counter()
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        body = json.loads(seen.body)
        prompt = body["messages"][-1]["content"]
        with self._lock:
            self.times.append(time.monotonic())
            self.bodies.append(body)
            self.tries[prompt] += 1
            first = self.tries[prompt] == 1
        if self.delay:
            time.sleep(self.delay)
        if prompt.startswith("bad"):
            error = {"error": {"message": "Invalid prompt", "type": "invalid_request_error"}}
            return 400, {"Content-Type": "application/json"}, json.dumps(error).encode()
        if first and int(prompt.rsplit(" ", 1)[1]) % 10 == 0:
            error = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
            return 429, {"Content-Type": "application/json", "Retry-After": "0"}, json.dumps(error).encode()
        return 200, {"Content-Type": "application/json"}, json.dumps(completion(f"echo: {prompt}")).encode()

    def most_in_a_window(self, seconds: float) -> int:
        return most_in_a_window(self.times, seconds)


LATE = 0.1
"""How late a request may leave after its slot (an event loop's wake-up, a Ray actor call on a busy machine).

A request never leaves before its slot, so a window of ``w`` seconds holds at most the slots of ``w + LATE``.
"""


def most_allowed(per_second: float, seconds: float) -> float:
    """The most arrivals any ``seconds`` may hold at ``per_second``: its own slots and the late ones before it."""
    return per_second * (seconds + LATE) + 1


def most_in_a_window(arrivals: list[float], seconds: float) -> int:
    """The most requests that arrived within any ``seconds`` (what a provider's limiter counts)."""
    times = sorted(arrivals)
    most, start = 0, 0
    for end, arrival in enumerate(times):
        while arrival - times[start] >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def write_prompts(path: Path, count: int, *, bad: int = 0) -> list[str]:
    rows = [{"id": f"r{n}", "input": f"{'bad' if n < bad else 'prompt'} {n}"} for n in range(count)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return [row["id"] for row in rows]


def test_every_row_once_typed_errors_and_the_rate_kept(tmp_path: Path) -> None:
    ids = write_prompts(tmp_path / "in.jsonl", 1000, bad=5)
    provider = Provider()
    with loopback(provider) as server:
        chat = ChatClient(
            "novita",
            MODEL,
            api_key="k",
            base_url=server.url("/v3/openai"),
            rate_limit=RateLimit(requests_per_minute=30_000),
        )
        summary = run_job(read_rows(tmp_path / "in.jsonl"), chat_work(chat), tmp_path / "out", concurrency=16)
    results = ResultFolder(tmp_path / "out").read()
    assert sorted(result["id"] for result in results) == sorted(ids), "every row, each once"
    by_id = {result["id"]: result for result in results}
    assert by_id["r7"]["output"] == "echo: prompt 7"
    assert by_id["r10"]["output"] == "echo: prompt 10", "the 429 was retried"
    assert {by_id[f"r{n}"]["error_type"] for n in range(5)} == {"BadRequestError"}
    assert "Invalid prompt" in by_id["r0"]["error"]
    assert (summary.rows, summary.done, summary.errors) == (1000, 1000, 5)
    assert summary.input_tokens > 0
    assert summary.cost > 0
    assert summary.currency == "USD"
    assert provider.most_in_a_window(1.0) <= most_allowed(500, 1.0), "500 a second as the server measures them"
    sent = len(provider.times)
    assert max(provider.times) - min(provider.times) >= (sent - 1) / 500 - LATE, "each try took a slot"


def test_a_second_run_does_only_what_is_missing(tmp_path: Path) -> None:
    write_prompts(tmp_path / "in.jsonl", 300)
    provider = Provider()
    with loopback(provider) as server:
        chat = ChatClient("novita", MODEL, api_key="k", base_url=server.url("/v3/openai"))
        rows = list(read_rows(tmp_path / "in.jsonl"))
        run_job(rows[:120], chat_work(chat), tmp_path / "out", chunk_size=50)
        sent = len(provider.times)
        summary = run_job(rows, chat_work(chat), tmp_path / "out", chunk_size=50)
    assert summary.skipped == 120
    assert summary.done == 180
    assert len(provider.times) - sent == 180 + 18, "only the missing rows (and the retried 429s among them)"
    ids = [result["id"] for result in ResultFolder(tmp_path / "out").read()]
    assert len(ids) == len(set(ids)) == 300


def test_a_killed_cli_job_resumes_and_writes_each_id_once(tmp_path: Path) -> None:
    ids = write_prompts(tmp_path / "in.jsonl", 400)
    provider = Provider(delay=0.01)
    with loopback(provider) as server:
        command = [
            sys.executable, "-m", "hostedllm", "batch", str(tmp_path / "in.jsonl"),
            "--model", f"novita:{MODEL}", "--output", str(tmp_path / "out"),
            "--base-url", server.url("/v3/openai"), "--chunk-size", "20", "--concurrency", "4", "--rpm", "6000",
        ]  # fmt: skip
        env = {**os.environ, "NOVITA_API_KEY": "k"}
        job = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        folder = tmp_path / "out"
        deadline = time.monotonic() + 60
        while len(list(folder.glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
        written = ResultFolder(folder).done_ids()
        assert 0 < len(written) < 400, "killed midway"
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    assert f"400/400 rows ({len(written)} already done), 0 errors" in finished.stdout
    results = ResultFolder(folder).read()
    assert Counter(result["id"] for result in results) == Counter(ids), "each id exactly once"
    assert not list(folder.glob("*.tmp")), "no half-written file is left behind as a part"


def test_bad_input_files_name_the_row(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "input": "x"}\n{"id": "a", "input": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 2 repeats the id 'a'"):
        list(read_rows(tmp_path / "in.jsonl"))
    (tmp_path / "in.jsonl").write_text('{"id": "a", "prompt": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"row 1 has no 'input' field"):
        list(read_rows(tmp_path / "in.jsonl"))


@pytest.mark.parametrize("embeddings", ["core", "langchain", "llamaindex"])
def test_parquet_input_and_embeddings(tmp_path: Path, embeddings: str) -> None:
    import pyarrow
    import pyarrow.parquet

    from hostedllm import EmbeddingsClient
    from hostedllm.batch.runner import embedding_work

    pyarrow.parquet.write_table(pyarrow.table({"id": ["x", "y"], "input": ["one", "two"]}), tmp_path / "in.parquet")

    def answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        body: dict[str, Any] = {
            "data": [{"index": 0, "embedding": [0.5, 0.25], "object": "embedding"}],
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    with loopback(answer) as server:
        url = server.url("/v3/openai")
        if embeddings == "core":
            client: Any = EmbeddingsClient("novita", "baai/bge-m3", api_key="k", base_url=url)
        elif embeddings == "langchain":
            from langchain_hostedllm import NovitaEmbeddings

            client = NovitaEmbeddings(model="baai/bge-m3", api_key="k", base_url=url)
        else:
            from llama_index.llms.hostedllm import NovitaEmbedding

            client = NovitaEmbedding(model_name="baai/bge-m3", api_key="k", api_base=url)
        summary = run_job(read_rows(tmp_path / "in.parquet"), embedding_work(client), tmp_path / "out")
    assert summary.done == 2
    assert summary.input_tokens == 4
    assert {row["id"]: json.loads(row["output"]) for row in ResultFolder(tmp_path / "out").read()} == {
        "x": [0.5, 0.25],
        "y": [0.5, 0.25],
    }


def test_a_langchain_chain_as_the_work_with_its_tokens_and_cost(tmp_path: Path) -> None:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_hostedllm import ChatNovita
    from langchain_hostedllm.batch import runnable_work

    write_prompts(tmp_path / "in.jsonl", 50, bad=2)
    with loopback(Provider()) as server:
        model = ChatNovita(model=MODEL, api_key="k", base_url=server.url("/v3/openai"), max_retries=1)
        chain = ChatPromptTemplate.from_messages([("user", "{question}")]) | model | StrOutputParser()
        rows = ({"id": row["id"], "input": {"question": row["input"]}} for row in read_rows(tmp_path / "in.jsonl"))
        summary = run_job(rows, runnable_work(chain), tmp_path / "out")
    results = {row["id"]: row for row in ResultFolder(tmp_path / "out").read()}
    assert results["r3"]["output"] == "echo: prompt 3"
    assert results["r3"]["input_tokens"] > 0
    assert results["r3"]["cost"] > 0
    assert results["r3"]["currency"] == "USD"
    assert results["r0"]["error_type"] == "BadRequestError"
    assert (summary.done, summary.errors) == (50, 2)


def test_a_reasoning_models_output_is_the_answer_without_its_thinking(tmp_path: Path) -> None:
    from hostedllm.testing import FakeProvider

    fake = (
        FakeProvider()
        .reply("<think>The capital is Paris.</think>Paris.")
        .json(
            {
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "Lyon.", "reasoning_content": "hmm"}}
                ]
            }
        )
    )
    chat = ChatClient("novita", MODEL, api_key="k", **fake.client_transports)
    rows = [{"id": "a", "input": "Capital of France?"}, {"id": "b", "input": "Second city?"}]
    run_job(rows, chat_work(chat), tmp_path / "out", concurrency=1)
    assert {row["id"]: row["output"] for row in ResultFolder(tmp_path / "out").read()} == {"a": "Paris.", "b": "Lyon."}


def test_a_llamaindex_llm_as_the_work_with_its_fields_tokens_and_cost(tmp_path: Path) -> None:
    from llama_index.llms.hostedllm import Novita
    from llama_index.llms.hostedllm.batch import llm_work

    write_prompts(tmp_path / "in.jsonl", 30, bad=2)
    provider = Provider()
    with loopback(provider) as server:
        llm = Novita(model=MODEL, api_key="k", api_base=server.url("/v3/openai"), temperature=0.2, max_retries=1)
        rows = [
            *read_rows(tmp_path / "in.jsonl"),
            {"id": "chat", "input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi 7"}]},
        ]
        summary = run_job(rows, llm_work(llm), tmp_path / "out")
    results = {row["id"]: row for row in ResultFolder(tmp_path / "out").read()}
    assert results["r3"]["output"] == "echo: prompt 3"
    assert results["chat"]["output"] == "echo: hi 7", "a message list is answered as a chat"
    assert results["r3"]["input_tokens"] > 0
    assert results["r3"]["cost"] > 0
    assert results["r3"]["currency"] == "USD"
    assert results["r0"]["error_type"] == "BadRequestError"
    assert (summary.done, summary.errors) == (31, 2)
    assert {body["temperature"] for body in provider.bodies} == {0.2}, "the LLM's own fields go with every row"
    assert [body["messages"] for body in provider.bodies if body["messages"][0]["role"] == "system"] == [
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi 7"}]
    ]


def test_a_llamaindex_llms_output_is_the_answer_without_its_thinking(tmp_path: Path) -> None:
    from hostedllm.testing import FakeProvider
    from llama_index.llms.hostedllm import Novita
    from llama_index.llms.hostedllm.batch import llm_work

    fake = FakeProvider().reply("<think>The capital is Paris.</think>Paris.")
    llm = Novita(model=MODEL, api_key="k", **fake.transports)
    run_job([{"id": "a", "input": "Capital of France?"}], llm_work(llm), tmp_path / "out")
    assert [row["output"] for row in ResultFolder(tmp_path / "out").read()] == ["Paris."]


def test_llm_work_takes_only_our_llms() -> None:
    from llama_index.core.llms import MockLLM

    from llama_index.llms.hostedllm.batch import llm_work

    with pytest.raises(TypeError, match="hostedllm's LlamaIndex LLMs"):
        llm_work(MockLLM())  # type: ignore[arg-type]
