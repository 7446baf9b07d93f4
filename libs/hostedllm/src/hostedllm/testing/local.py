"""The embedded local model in test sessions: whether it can run here, and one server shared by many tests.

>>> reason = local_model_missing()
>>> reason is None or "install" in reason
True
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostedllm.local.server import LocalServer, LocalServerError

#: What ``llama_cpp.server`` imports: llama-cpp-python and its ``[server]`` extra.
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "pydantic_settings", "sse_starlette", "starlette_context")


def local_model_missing() -> str | None:
    """Why the local model server cannot start here (what to install), or None if it can."""
    from hostedllm.local.server import INSTALL_HINT, LocalServerError, default_model_path

    for module in SERVER_MODULES:
        if importlib.util.find_spec(module) is None:
            return f"llama.cpp's server is not installed (no module {module!r}). Install it with: {INSTALL_HINT}"
    try:
        default_model_path()
    except LocalServerError as exc:
        return str(exc)
    return None


def embedding_model_missing() -> str | None:
    """Why the local embedding model cannot be served here (what to install), or None if it can."""
    from hostedllm.local.embedding_model import EMBEDDING_INSTALL_HINT, EmbeddingModelError, source_dir

    for module in ("gguf", "safetensors"):
        if importlib.util.find_spec(module) is None:
            return f"Writing the embedding model as GGUF needs {module}. Install it with: {EMBEDDING_INSTALL_HINT}"
    try:
        source_dir()
    except EmbeddingModelError as exc:
        return str(exc)
    return local_model_missing()


class LocalServerGate:
    """One local server for a whole test session, checked before each test that uses it.

    When the server cannot start, or its process has died (a crash, with its exit signal and log),
    the first test to ask fails once with that reason and every later one is skipped pointing at
    it, instead of dozens of "connection refused". ``start`` builds and starts the server.
    """

    def __init__(self, start: Callable[[], LocalServer]) -> None:
        self._start = start
        self.server: LocalServer | None = None
        self.error: LocalServerError | None = None
        self.reported_by: str | None = None

    @classmethod
    def embedded(cls) -> LocalServerGate:
        """A gate over the embedded model (SmolLM2-135M-Instruct), with a start-up budget for slow machines."""
        from hostedllm.local.server import LocalServer

        return cls(lambda: LocalServer(startup_timeout=180).start())

    @classmethod
    def embedding(cls) -> LocalServerGate:
        """A gate over the local embedding model (all-MiniLM-L6-v2), with the same start-up budget."""
        from hostedllm.local.server import LocalServer

        return cls(lambda: LocalServer(embedding=True, startup_timeout=180).start())

    def __enter__(self) -> LocalServerGate:
        from hostedllm.local.server import LocalServerError

        try:
            self.server = self._start()
        except LocalServerError as exc:
            self.error = exc
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.server is not None:
            self.server.stop()

    def server_for(self, test: str) -> LocalServer:
        """The running server for ``test`` (a node id), else fail (the first time) or skip (after)."""
        import pytest

        error = self.error or (self.server.failure() if self.server is not None else None)
        if error is None and self.server is not None:
            return self.server
        if self.reported_by is None:
            self.reported_by = test
            raise pytest.fail.Exception(str(error), pytrace=False)
        raise pytest.skip.Exception(f"the local model server is down; why is reported once, by {self.reported_by}")
