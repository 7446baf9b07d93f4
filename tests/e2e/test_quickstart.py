"""The README's main job: the quickstart runs on the local model with no key, and leaves no process behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hostedllm.providers import PROVIDERS

QUICKSTART = Path(__file__).parent.parent.parent / "cookbook" / "quickstart.py"


def servers() -> set[str]:
    found = subprocess.run(["pgrep", "-f", "llama_cpp.server"], capture_output=True, text=True, check=False)
    return set(found.stdout.split())


def test_quickstart_without_a_key() -> None:
    before = servers()
    keys = {spec.api_key_env for spec in PROVIDERS.values()}
    env = {name: value for name, value in os.environ.items() if name not in keys}
    result = subprocess.run(
        [sys.executable, str(QUICKSTART)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "starting the local model" in out
    for step in (
        "1. A streamed answer",
        "2. An LCEL chain",
        "3. Structured extraction",
        "4. A tool call",
        "5. The same model through LlamaIndex",
    ):
        assert step in out
    step_1 = out.split("1. A streamed answer", 1)[1].split("2. An LCEL chain", 1)[0]
    assert "\nUsage: " in step_1, "usage (or its absence) is reported after the stream"
    assert "City(city=" in out
    assert "get_weather({'city':" in out
    assert "Local server stopped." in out
    assert servers() <= before, "the quickstart's server is gone"
