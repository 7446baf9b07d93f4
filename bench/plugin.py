"""What the hostedllm pytest plugin costs a project that does not use it: run by `make bench`.

Every project with hostedllm installed loads the plugin (entry point ``pytest11``). This measures, each
in a fresh process, alternating the two sides over several rounds: importing the plugin module once
pytest is imported, and a whole ``pytest -q`` run of 3,000 trivial tests with only our plugin loaded
and with none (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``, so other installed plugins do not dilute the cost).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 5
TESTS = 3_000
IMPORT = "import time, pytest; t = time.perf_counter(); import hostedllm.testing.plugin; print(time.perf_counter() - t)"
HEAVY = (
    "import sys, hostedllm.testing.plugin; print(sorted(m for m in ('httpx', 'pydantic', 'vcr') if m in sys.modules))"
)


def pytest_run(project: Path, *options: str) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    start = time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "pytest.ini").write_text("[pytest]\n")
        body = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n\n" for i in range(TESTS))
        (project / "test_trivial.py").write_text(body)
        loaded, unloaded, imports = [], [], []
        for _ in range(ROUNDS):
            loaded.append(pytest_run(project, "-p", "hostedllm.testing.plugin"))
            unloaded.append(pytest_run(project))
            result = subprocess.run([sys.executable, "-c", IMPORT], check=True, capture_output=True, text=True)
            imports.append(float(result.stdout))
    heavy = subprocess.run([sys.executable, "-c", HEAVY], check=True, capture_output=True, text=True).stdout.strip()
    with_plugin, without = statistics.median(loaded), statistics.median(unloaded)
    print(f"\n## The pytest plugin in a project that does not use it ({ROUNDS} rounds, medians)\n")
    print("| scenario | median | min – max |\n|---|---|---|")
    print(
        f"| import hostedllm.testing.plugin (after pytest) | {statistics.median(imports) * 1e3:.1f} ms | "
        f"{min(imports) * 1e3:.1f} – {max(imports) * 1e3:.1f} ms |"
    )
    print(
        f"| pytest, {TESTS:,} trivial tests, only our plugin loaded | {with_plugin:.2f} s "
        f"| {min(loaded):.2f} – {max(loaded):.2f} s |"
    )
    print(f"| the same, no plugin | {without:.2f} s | {min(unloaded):.2f} – {max(unloaded):.2f} s |")
    print(f"\nPlugin overhead: {(with_plugin / without - 1) * 100:+.1f} %; heavy modules imported by it: {heavy}")


if __name__ == "__main__":
    main()
