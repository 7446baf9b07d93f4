"""The RAG and agent recipes run offline with no key: each script as a subprocess, provider keys removed.

The RAG recipes embed ``cookbook/data/`` with our ``LocalEmbeddings`` / ``LocalEmbedding`` on the
real all-MiniLM-L6-v2 (served by llama.cpp on loopback) and answer on the local model; the agent recipes make one forced
tool call on the local model, then replay the whole agent from ``cookbook/cassettes/``. Assertions
are on structure (steps, sources, tool calls), never on the local model's wording or on timing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostedllm.providers import PROVIDERS

from ..loopback import Seen, loopback

COOKBOOK = Path(__file__).parent.parent.parent / "cookbook"
#: Each RAG question and the document that must be retrieved first for it (real embeddings, so fixed).
RAG_QUESTIONS = {
    "What happens when my Novita account runs out of credit?": "novita.md",
    "How many times is a failed request retried, and how long does it wait?": "errors-and-retries.md",
    "Can I force Baichuan to call a specific tool?": "baichuan.md",
}
REPLAYED_STEPS = [
    'model calls lookup_price({"model": "deepseek/deepseek-r1-0528"})',
    'lookup_price -> {"model": "novita:deepseek/deepseek-r1-0528"',
    "model calls multiply(",
    "multiply -> ",
    "Answer: 2 million output tokens of deepseek/deepseek-r1-0528 would cost ",
]


def run_recipe(name: str, **extra_env: str) -> str:
    """Run ``cookbook/<name>`` with no provider key (unless given); its stdout, after checking it exited 0."""
    keys = {spec.api_key_env for spec in PROVIDERS.values()}
    env = {key: value for key, value in os.environ.items() if key not in keys} | extra_env
    result = subprocess.run(
        [sys.executable, str(COOKBOOK / name)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def assert_server_gone(out: str) -> None:
    """The local server the recipe started (its URL is printed) no longer listens."""
    match = re.search(r"(?i)listening at http://127\.0\.0\.1:(\d+)/v1", out)
    assert match, out
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", int(match.group(1)))) != 0, "the recipe's server is still listening"


def answers(out: str) -> dict[str, tuple[str, list[str]]]:
    """question -> (answer, sources as printed), from the recipe's ``Q:`` / ``A:`` / ``Sources:`` blocks."""
    found = {}
    for block in out.split("\nQ: ")[1:]:
        question, rest = block.split("\n", 1)
        answer = rest.split("\nSources: ", 1)[0].removeprefix("A: ")
        sources = re.search(r"^Sources: (.+)$", rest, re.MULTILINE)
        assert sources, block
        found[question] = (answer, sources.group(1).split(", "))
    return found


@pytest.mark.parametrize(
    ("recipe", "indexed"), [("rag_langchain.py", "Embedded 6"), ("rag_llamaindex.py", "Indexed 6")]
)
def test_rag_recipe_offline(recipe: str, indexed: str) -> None:
    out = run_recipe(recipe)
    assert f"{indexed} documents with all-MiniLM-L6-v2" in out
    assert "starting the local embedding model" in out
    assert "starting the local model" in out
    assert "No reranker (offline)." in out
    found = answers(out)
    assert set(found) == set(RAG_QUESTIONS)
    for question, expected in RAG_QUESTIONS.items():
        answer, sources = found[question]
        assert answer.strip(), f"no answer to {question!r}"
        assert len(sources) == 2
        files = [source.split(" (")[0] for source in sources]
        assert files[0] == expected, f"{question!r} retrieved {sources}"
        assert all((COOKBOOK / "data" / name).is_file() for name in files)
        if recipe == "rag_llamaindex.py":  # source nodes with their cosine similarity, best first
            scores = [float(re.fullmatch(r".+ \((-?\d\.\d\d)\)", source).group(1)) for source in sources]  # type: ignore[union-attr]
            assert scores == sorted(scores, reverse=True)
    assert "Local server stopped." in out
    assert "Local embedding server stopped." in out
    assert_server_gone(out)
    embeddings_at = re.search(r"Embeddings listening at http://127\.0\.0\.1:(\d+)/v1", out)
    assert embeddings_at, out
    assert_server_gone(f"listening at http://127.0.0.1:{embeddings_at.group(1)}/v1")


@pytest.mark.parametrize("recipe", ["agent_langchain.py", "agent_llamaindex.py"])
def test_agent_recipe_offline(recipe: str) -> None:
    out = run_recipe(recipe)
    assert "the whole agent is REPLAYED" in out.splitlines()[0], "the output says so first"
    local, _, replayed = out.partition("REPLAYED from ")
    assert "Step 1 live on the local model" in local
    assert re.search(r"model calls lookup_price[( ]", local), "the local model made the forced tool call"
    assert "Local server stopped." in local
    assert_server_gone(local)
    cassette = recipe.replace(".py", ".yaml")
    assert replayed.startswith(f"cassettes/{cassette}")
    assert "synthesized from Novita's documented wire format" in replayed
    position = 0
    for step in REPLAYED_STEPS:
        found = replayed.find(step, position)
        assert found >= 0, f"missing, or out of order: {step!r}\n{replayed}"
        position = found + len(step)


@pytest.mark.parametrize("recipe", ["agent_langchain.py", "agent_llamaindex.py"])
def test_agent_cassettes_say_what_they_are(recipe: str) -> None:
    cassette = COOKBOOK / "cassettes" / recipe.replace(".py", ".yaml")
    first = cassette.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# SYNTHESIZED from Novita's documented wire format")
    assert f"cookbook/{recipe}" in first
    assert "not a recording" in first
    assert "REPLAYED BY DEFAULT" in (COOKBOOK / recipe).read_text(encoding="utf-8")


def cassette_script() -> Any:
    """``cookbook/cassettes/write_cassettes.py``, imported: its scripted answers."""
    spec = importlib.util.spec_from_file_location(
        "cookbook_write_cassettes", COOKBOOK / "cassettes" / "write_cassettes.py"
    )
    assert spec
    assert spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, script)  # dataclasses look their module up there
    spec.loader.exec_module(script)
    return script


@contextmanager
def novita_stand_in(respond_to: Callable[[httpx.Request], httpx.Response]) -> Iterator[tuple[str, list[str]]]:
    """A stand-in for Novita on 127.0.0.1, answering with ``respond_to``: (base URL, requests seen)."""
    served: list[str] = []

    def respond(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        answer = respond_to(httpx.Request("POST", f"http://127.0.0.1{seen.path}", content=seen.body))
        served.append(f"{seen.path} {seen.headers['authorization']}")
        return answer.status_code, {"content-type": answer.headers["content-type"]}, answer.content

    with loopback(respond) as server:
        yield server.url("/v3/openai"), served


@pytest.fixture
def novita_on_loopback() -> Iterator[tuple[str, list[str]]]:
    """Novita's stand-in answering like the agent cassettes' script."""
    with novita_stand_in(cassette_script().respond) as stand_in:
        yield stand_in


@pytest.mark.parametrize("recipe", ["agent_langchain.py", "agent_llamaindex.py"])
def test_agent_recipe_runs_live_with_a_key(recipe: str, novita_on_loopback: tuple[str, list[str]]) -> None:
    """With NOVITA_API_KEY the agent goes to the provider (here a loopback stand-in): no local model, no cassette."""
    base_url, served = novita_on_loopback
    out = run_recipe(recipe, NOVITA_API_KEY="key-for-the-stand-in", NOVITA_BASE_URL=base_url)
    assert out.startswith("Live on Novita: qwen/qwen-2.5-72b-instruct")
    assert "local model" not in out
    assert "REPLAYED" not in out
    assert served == ["/v3/openai/chat/completions Bearer key-for-the-stand-in"] * 3
    assert "Answer: 2 million output tokens of deepseek/deepseek-r1-0528 would cost " in out


@pytest.mark.parametrize(
    ("recipe", "decide", "calls"), [("reasoning.py", "decide_reasoning", 6), ("vision.py", "decide_vision", 3)]
)
def test_reasoning_and_vision_recipes_run_live_with_a_key(recipe: str, decide: str, calls: int) -> None:
    """With NOVITA_API_KEY the recipe goes to the provider (a loopback stand-in answering like its cassette)."""
    script = cassette_script()
    with novita_stand_in(script.responder(getattr(script, decide))) as (base_url, served):
        out = run_recipe(recipe, NOVITA_API_KEY="key-for-the-stand-in", NOVITA_BASE_URL=base_url)
    assert out.startswith("Live on Novita (NOVITA_API_KEY is set).")
    assert "REPLAYED" not in out
    assert served == ["/v3/openai/chat/completions Bearer key-for-the-stand-in"] * calls
