"""``hostedllm local serve|stop|status``: one background server per user and kind, tracked in a state file.

Two kinds: the chat model (SmolLM2-135M-Instruct) and, with ``embedding=True``, the embedding model
(all-MiniLM-L6-v2); each has its own state file, so both can run at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from hostedllm.local.server import LocalServer


def state_path(embedding: bool = False) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hostedllm" / ("local-embedding-server.json" if embedding else "local-server.json")


def serve(port: int | None = None, n_ctx: int | None = None, *, embedding: bool = False) -> dict[str, Any]:
    """Start the server in the background (or report the one already running); arguments as in :class:`LocalServer`."""
    running = status(embedding=embedding)
    if running is not None:
        return running
    server = LocalServer(port=port, n_ctx=n_ctx, embedding=embedding).start()
    state = {
        "pid": server.detach(),
        "base_url": server.base_url,
        "model": server.model_id,
        "log": str(server.log_path),
    }
    path = state_path(embedding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state), encoding="utf-8")
    return state


def status(*, embedding: bool = False) -> dict[str, Any] | None:
    """The running server's state, or ``None`` (a stale state file is removed)."""
    path = state_path(embedding)
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    alive = _alive(int(state["pid"]))
    if alive:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{state['base_url']}/models", timeout=2.0).status_code == 200:
                return state
    if not alive:
        path.unlink(missing_ok=True)
        return None
    return {**state, "ready": False}


def stop(*, embedding: bool = False) -> bool:
    """Stop the background server; ``False`` if none was running."""
    path = state_path(embedding)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pid = int(state["pid"])
    stopped = _alive(pid)
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _alive(pid):
            break
    path.unlink(missing_ok=True)
    return stopped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
