"""Each distribution's README example (its PyPI page), run as written against the local server.

The examples read the server from ``HOSTEDLLM_LOCAL_BASE_URL``, as ``hostedllm local serve`` tells
users to set it; no provider key is in the environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hostedllm.local import LocalServer
from hostedllm.providers import PROVIDERS

LIBS = Path(__file__).parent.parent.parent / "libs"


def python_blocks(readme: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", readme.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize(
    ("distribution", "usage_field"),
    [
        ("hostedllm", "prompt_tokens"),
        ("langchain-hostedllm", "input_tokens"),
        ("llama-index-llms-hostedllm", "prompt_tokens"),
    ],
)
def test_the_readme_example_runs_as_written(distribution: str, usage_field: str, local_server: LocalServer) -> None:
    (example,) = python_blocks(LIBS / distribution / "README.md")
    keys = {spec.api_key_env for spec in PROVIDERS.values()}
    env = {name: value for name, value in os.environ.items() if name not in keys}
    env["HOSTEDLLM_LOCAL_BASE_URL"] = local_server.base_url
    result = subprocess.run(
        [sys.executable, "-c", example], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    *answers, usage = result.stdout.strip().split("\n")
    assert len([line for line in answers if line.strip()]) >= 2, "the sync and the streamed answers"
    assert usage_field in usage, "the async answer's usage"
