"""The basic recipes run offline with no key: each script as a subprocess, provider keys removed.

chains, structured_extraction and cost_tracking start the local model themselves; catalog needs
no server. The small model's wording varies, so assertions are on structure: steps, counts, the
shape of printed objects and totals, and that no server is left listening.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from hostedllm.providers import PROVIDERS

COOKBOOK = Path(__file__).parent.parent.parent / "cookbook"
BOOK = re.compile(r"^   Book\(title='[^']*', author='[^']*', year=-?\d+\)$", re.MULTILINE)
TOTALS = r"\d+ calls?, \d+ in \+ \d+ out tokens, ~\d+\.\d{6} USD"


def run_recipe(name: str) -> subprocess.CompletedProcess[str]:
    """Run ``cookbook/<name>`` with no provider key, and check it exited 0."""
    keys = {spec.api_key_env for spec in PROVIDERS.values()}
    env = {key: value for key, value in os.environ.items() if key not in keys}
    result = subprocess.run(
        [sys.executable, str(COOKBOOK / name)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result


def assert_local_and_stopped(out: str) -> None:
    """The recipe started the local model, said so, stopped it, and nothing listens on its port."""
    assert "starting the local model" in out
    assert out.rstrip().endswith("Local server stopped.")
    match = re.search(r"Listening at http://127\.0\.0\.1:(\d+)/v1", out)
    assert match, out
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", int(match.group(1)))) != 0, "the recipe's server is still listening"


def section(out: str, start: str, end: str | None = None) -> str:
    assert start in out, out
    rest = out.split(start, 1)[1]
    return rest.split(end, 1)[0] if end else rest


def test_chains() -> None:
    result = run_recipe("chains.py")
    out = result.stdout
    assert_local_and_stopped(out)
    one = section(out, "1. One chain call, prompt | model | parser:", "2. chain.batch")
    assert re.search(r"^   a brave cat -> '.*'$|^   a brave cat -> \".*\"$", one, re.MULTILINE), one
    batch = section(out, "2. chain.batch over 100 inputs, max_concurrency=8, rate limit 20 requests/s:")
    assert re.search(r"^   100 answers in \d+\.\d s \(\d+\.\d per second\)$", batch, re.MULTILINE), batch
    assert len(re.findall(r"^   a \w+ \w+ -> ", batch, re.MULTILINE)) == 5
    assert re.search(r"^   non-empty answers: \d+/100$", batch, re.MULTILINE), batch
    assert "] 100/100" in result.stderr, "the progress bar reached the end"


def test_structured_extraction() -> None:
    out = run_recipe("structured_extraction.py").stdout
    assert_local_and_stopped(out)
    langchain = section(out, "1. LangChain: chat.with_structured_output(Book)", "2. LlamaIndex")
    llama_index = section(out, "2. LlamaIndex: llm.structured_predict(Book, PromptTemplate(...))")
    assert len(BOOK.findall(langchain)) == 3, langchain
    assert len(BOOK.findall(llama_index)) == 3, llama_index


def test_catalog() -> None:
    out = run_recipe("catalog.py").stdout
    assert "Listening at" not in out, "no server for the catalog"
    cheap = section(out, "1. Hosted models with tools + json_schema", "2. One model")
    assert re.search(r"^   novita:\S+ +[\d.]+ in / [\d.]+ out USD per 1M +context [\d,]+$", cheap, re.MULTILINE), cheap
    assert "local:" not in cheap
    several = section(out, "2. One model, several providers:", "3. Retired")
    llama = section(several, "   llama-3.3-70b-instruct:\n")
    assert "nim:meta/llama-3.3-70b-instruct" in llama
    assert "novita:meta-llama/llama-3.3-70b-instruct" in llama
    assert "no published price" in llama, "NIM's free tier has no per-token price"
    warned = section(out, "3. Retired and deprecated models warn", "4. A model newer")
    assert "ModelStatusWarning: meta/llama2-70b on nim was retired on " in warned
    assert "ModelStatusWarning: Baichuan2-53B on baichuan was retired on " in warned
    assert "[deprecated] baichuan:Baichuan2-Turbo-192k: use baichuan:Baichuan3-Turbo-128k" in warned
    newer = section(out, "4. A model newer than the catalog")
    assert "UnknownModelWarning: 'vendor/model-of-next-week' is not in hostedllm's catalog for novita" in newer
    assert "LangChain profile: tool_calling=True" in newer
    assert "LlamaIndex metadata: context_window=131072" in newer


def test_cost_tracking() -> None:
    out = run_recipe("cost_tracking.py").stdout
    assert_local_and_stopped(out)
    langchain = section(out, "1. LangChain: `with track_usage() as usage:`", "2. LlamaIndex")
    llama_index = section(out, "2. LlamaIndex: `with track_usage() as usage:`", "3. The same")
    for block, calls in ((langchain, 5), (llama_index, 3)):
        free = rf"^   local: {calls} calls, \d+ in \+ \d+ out tokens, ~0\.000000 USD"  # the local model costs nothing
        assert re.search(free, block, re.MULTILINE), block
        assert re.search(rf"^     local:smollm2-135m-instruct: {TOTALS}", block, re.MULTILINE), block
        assert re.search(rf"^   total: {calls} calls, [1-9]\d* in \+ [1-9]\d* out tokens", block, re.MULTILINE), block
        assert "(1 without usage)" in block, "the stream: llama.cpp reports no usage in streams"
    compare = section(out, "3. The same ")
    assert re.search(r"^   novita:deepseek/deepseek-r1-0528 +~\d+\.\d{6} USD$", compare, re.MULTILINE), compare
    assert re.search(r"^   baichuan:Baichuan4-Turbo +~\d+\.\d{6} CNY$", compare, re.MULTILINE), compare
