"""The local server wrapper's own behaviour (the real server runs in tests/e2e)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hostedllm import cli
from hostedllm.catalog import default_catalog
from hostedllm.local import LocalServer, LocalServerError, background

from ..local_stub import ScriptedServer


def test_missing_llama_cpp_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name, *a))
    with pytest.raises(LocalServerError, match=r"pip install 'hostedllm\[local\]'"):
        LocalServer().start()


def test_free_loopback_port_and_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "llama_cpp" else real(name, *a)
    )
    model = tmp_path / "m.gguf"
    model.write_bytes(b"")
    server = LocalServer(model, port=None)
    assert 1024 < server.port < 65536
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    command = server.command()
    assert command[1:3] == ["-m", "llama_cpp.server"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--model_alias") + 1] == "smollm2-135m-instruct"


def test_the_server_context_is_the_catalogs_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One fact: the context the server runs with is what profile and metadata report."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "llama_cpp" else real(name, *a)
    )
    window = default_catalog().get("smollm2-135m-instruct", provider="local").context_window
    assert window == 8192
    command = LocalServer(tmp_path / "m.gguf").command()
    assert command[command.index("--n_ctx") + 1] == str(window)
    assert LocalServer(tmp_path / "m.gguf", n_ctx=512).n_ctx == 512
    assert LocalServer(tmp_path / "m.gguf", model_id="my-own-model").n_ctx == 0, "not in the catalog: the model's own"


def test_a_server_that_crashes_on_its_first_completion_fails_the_start_saying_so(tmp_path: Path) -> None:
    server = ScriptedServer(tmp_path, "segfault")
    with pytest.raises(LocalServerError) as caught:
        server.start()
    message = str(caught.value)
    assert "was killed by SIGSEGV (a crash in native code)" in message
    assert "CMAKE_ARGS=-DGGML_NATIVE=OFF" in message, "the fix"
    assert "ggml: about to run the first completion" in message, "the tail of its log"
    assert server.process is None, "stopped"


def test_a_server_whose_first_completion_errors_fails_the_start(tmp_path: Path) -> None:
    server = ScriptedServer(tmp_path, "error")
    with pytest.raises(LocalServerError, match=r"first completion failed \(HTTP 500: .*no kernel for this op"):
        server.start()
    assert server.process is None


def test_a_server_that_dies_later_is_reported_with_its_signal(tmp_path: Path) -> None:
    with ScriptedServer(tmp_path, "ok") as server:
        assert server.failure() is None
        server.check()
        os.kill(server.running().pid, signal.SIGKILL)
        server.running().wait(timeout=10)
        error = server.failure()
        assert error is not None
        assert f"(pid {server.running().pid}) was killed by SIGKILL" in str(error)
        with pytest.raises(LocalServerError, match="SIGKILL"):
            server.check()


def test_a_server_that_dies_reports_its_log(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("needs llama-cpp-python (installed by make install)")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model")
    with pytest.raises(LocalServerError, match="exited with code"):
        LocalServer(broken, startup_timeout=60, log_path=tmp_path / "log").start()


def test_status_and_stop_without_a_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert background.status() is None
    assert cli.main(["local", "status"]) == 1
    assert cli.main(["local", "stop"]) == 0
    assert "No local server was running" in capsys.readouterr().out


def test_llama_cpp_validation_errors_are_bad_requests_not_retried() -> None:
    from hostedllm.errors import BadRequestError
    from hostedllm.provider_errors import error_from_response
    from hostedllm.providers import get_provider

    body = b'{"error":{"message":"1 validation error:\\n  logit_bias ...","type":"internal_server_error"}}'
    error = error_from_response(get_provider("local"), 500, {}, body)
    assert type(error) is BadRequestError
    assert not error.retryable


def test_interrupted_start_leaves_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the model loads (``hostedllm local serve``, ``chat --local``) stops the process it started."""
    server = LocalServer(tmp_path / "m.gguf", port=None)
    monkeypatch.setattr(server, "command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"])

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "_wait_until_ready", interrupted)
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    with pytest.raises(KeyboardInterrupt):
        server.start()
    (process,) = started
    assert process.poll() is not None, "the half-started server was stopped"
    assert server.process is None
