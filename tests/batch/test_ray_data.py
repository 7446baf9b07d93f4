"""The batch job on Ray Data, in Ray's local mode (two CPUs, loopback only): 10,000 prompts against a
loopback provider that answers one first try in ten with a 429, two actors sharing one rate limit.

Every row is accounted for exactly once, the request rate the server measures stays within the limit in
every 10-second window, and the same job in one process (no Ray) gives the same rows. A job killed midway
(SIGKILL to its driver) and run again writes each id exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hostedllm import ChatClient
from hostedllm.batch.files import ResultFolder, read_rows
from hostedllm.batch.ray_limiter import SharedRateLimiter
from hostedllm.batch.runner import Work, chat_work, run_job
from hostedllm.transport.ratelimit import RateLimit

from ..loopback import loopback
from .test_runner import LATE, MODEL, Provider, most_allowed, most_in_a_window, write_prompts

ray = pytest.importorskip("ray")
pytest.importorskip("pyarrow")

ROWS = 10_000
PER_MINUTE = 30_000  # 500 requests a second


@pytest.fixture(scope="module")
def local_ray() -> object:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def test_ten_thousand_prompts_on_two_actors_under_one_limit(local_ray: object, tmp_path: Path) -> None:
    from hostedllm.batch.ray_data import run_on_ray

    ids = write_prompts(tmp_path / "in.jsonl", ROWS)
    provider = Provider()
    limiter = SharedRateLimiter(RateLimit(requests_per_minute=PER_MINUTE))
    with loopback(provider) as server:
        url = server.url("/v3/openai")

        def make_work() -> object:
            return chat_work(ChatClient("novita", MODEL, api_key="k", base_url=url, rate_limit=limiter))

        summary = run_on_ray(str(tmp_path / "in.jsonl"), make_work, tmp_path / "ray", workers=2, batch_size=500)
    limiter.kill()
    assert (summary.rows, summary.done, summary.errors) == (ROWS, ROWS, 0)
    rows = ResultFolder(tmp_path / "ray").read()
    assert Counter(row["id"] for row in rows) == Counter(ids), "every row exactly once"
    assert len(provider.times) == ROWS + ROWS // 10, "each row once, and one retry for each 429"
    assert most_in_a_window(provider.times, 10.0) <= most_allowed(PER_MINUTE / 60, 10.0)
    with loopback(Provider()) as server:
        chat = ChatClient("novita", MODEL, api_key="k", base_url=server.url("/v3/openai"))
        run_job(read_rows(tmp_path / "in.jsonl"), chat_work(chat), tmp_path / "one", concurrency=32, chunk_size=500)
    one = {row["id"]: row["output"] for row in ResultFolder(tmp_path / "one").read()}
    assert {row["id"]: row["output"] for row in rows} == one, "the same rows without Ray"


def settled(folder: Path) -> set[str]:
    """The ids written, once the killed job's actors (which may finish the batch in hand) stop writing."""
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() - quiet_since < 2.0:
        count = len(list(folder.glob("part-*.parquet")))
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        time.sleep(0.1)
    return ResultFolder(folder).done_ids()


def test_a_killed_ray_job_resumes_and_writes_each_id_once(tmp_path: Path) -> None:
    ids = write_prompts(tmp_path / "in.jsonl", 2000)
    provider = Provider(delay=0.005)
    script = tmp_path / "job.py"
    with loopback(provider) as server:
        script.write_text(
            textwrap.dedent(f"""
                import ray
                from hostedllm import ChatClient
                from hostedllm.batch.ray_data import run_on_ray
                from hostedllm.batch.runner import chat_work

                ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
                url = {server.url("/v3/openai")!r}
                make = lambda: chat_work(ChatClient("novita", {MODEL!r}, api_key="k", base_url=url))
                summary = run_on_ray({str(tmp_path / "in.jsonl")!r}, make, {str(tmp_path / "out")!r}, batch_size=100)
                print(summary.line())
            """),
            encoding="utf-8",
        )
        job = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        folder = tmp_path / "out"
        deadline = time.monotonic() + 120
        while (not folder.exists() or len(list(folder.glob("part-*.parquet"))) < 3) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(job.pid, signal.SIGKILL)  # the driver (its Ray cluster notices and ends the actors)
        job.wait(timeout=30)
        written = settled(folder)
        assert 0 < len(written) < 2000, "killed midway"
        finished = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
        )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"2000/2000 rows ({len(written)} already done), 0 errors" in finished.stdout
    assert Counter(row["id"] for row in ResultFolder(folder).read()) == Counter(ids), "each id exactly once"


def framework_work(framework: str, url: str, limiter: SharedRateLimiter) -> Callable[[], Work]:
    """What a worker runs for each row: a LangChain chain on ``ChatNovita``, or LlamaIndex's ``Novita``."""
    if framework == "langchain":
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        from langchain_hostedllm import ChatNovita
        from langchain_hostedllm.batch import runnable_work

        model = ChatNovita(model=MODEL, api_key="k", base_url=url, rate_limit=limiter)
        chain = ChatPromptTemplate.from_messages([("user", "{input}")]) | model | StrOutputParser()
        return lambda: runnable_work(chain)
    from llama_index.llms.hostedllm import Novita
    from llama_index.llms.hostedllm.batch import llm_work

    llm = Novita(model=MODEL, api_key="k", api_base=url, rate_limit=limiter)
    return lambda: llm_work(llm)


@pytest.mark.parametrize("framework", ["langchain", "llamaindex"])
def test_a_framework_model_on_ray_with_its_usage(local_ray: object, tmp_path: Path, framework: str) -> None:
    from hostedllm.batch.ray_data import run_on_ray

    ids = write_prompts(tmp_path / "in.jsonl", 200)
    limiter = SharedRateLimiter(RateLimit(requests_per_minute=PER_MINUTE))
    with loopback(Provider()) as server:
        make_work = framework_work(framework, server.url("/v3/openai"), limiter)
        summary = run_on_ray(str(tmp_path / "in.jsonl"), make_work, tmp_path / "out", batch_size=50)
    limiter.kill()
    rows = {row["id"]: row for row in ResultFolder(tmp_path / "out").read()}
    assert sorted(rows) == sorted(ids)
    assert rows["r5"]["output"] == "echo: prompt 5"
    assert summary.input_tokens > 0
    assert summary.cost > 0


def test_the_command_on_ray(tmp_path: Path) -> None:
    ids = write_prompts(tmp_path / "in.jsonl", 300)
    provider = Provider()
    with loopback(provider) as server:
        command = [
            sys.executable, "-m", "hostedllm", "batch", str(tmp_path / "in.jsonl"),
            "--model", f"novita:{MODEL}", "--output", str(tmp_path / "out"), "--base-url", server.url("/v3/openai"),
            "--ray", "2", "--rpm", "12000", "--chunk-size", "50",
        ]  # fmt: skip
        env = {**os.environ, "NOVITA_API_KEY": "k", "RAY_ADDRESS": ""}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "300/300 rows (0 already done), 0 errors" in done.stdout
    assert Counter(row["id"] for row in ResultFolder(tmp_path / "out").read()) == Counter(ids)
    assert most_in_a_window(provider.times, 1.0) <= most_allowed(200, 1.0), "200 a second across both actors"
    # each actor alone at 200 a second would have sent the 330 requests (300 and a retry per 429) in about 0.8 s
    sent = len(provider.times)
    assert max(provider.times) - min(provider.times) >= (sent - 1) / 200 - LATE, "one limit, not one each"
