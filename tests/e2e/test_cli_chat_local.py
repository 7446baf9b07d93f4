"""`hostedllm chat` as a user runs it: a subprocess against the real local model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hostedllm.local import LocalServer
from hostedllm.providers import PROVIDERS


def hostedllm_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m hostedllm``."""
    script = Path(sys.executable).with_name("hostedllm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hostedllm"]


def test_chat_streams_an_answer_from_the_local_model(local_server: LocalServer) -> None:
    keys = {spec.api_key_env for spec in PROVIDERS.values()}
    env = {name: value for name, value in os.environ.items() if name not in keys}
    argv = ["chat", "Say hi", "--model", "smollm2-135m-instruct", "--provider", "local"]
    result = subprocess.run(
        [*hostedllm_command(), *argv, "--base-url", local_server.base_url, "--max-tokens", "48"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stdout.endswith("\n")
    # llama.cpp's server reports no usage in streams; the model is free in the catalog.
    usage = re.compile(r"^\[(\d[\d,]* in / \d[\d,]* out tokens|usage not reported by the server), ≈ \$0\.00")
    assert [line for line in result.stderr.splitlines() if usage.match(line)], result.stderr
    assert "Traceback" not in result.stderr
