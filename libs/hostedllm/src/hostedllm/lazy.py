"""Packages whose names are imported on first use (PEP 562), so importing them costs nothing.

The core, its pytest plugin's package and both adapters export this way: a pytest plugin or a CLI
that imports the package does not pay for httpx, pydantic or a framework until a name is used.

>>> __getattr__, __dir__ = lazy_exports("json", {"loads": "json"})
>>> __getattr__("loads") is __import__("json").loads
True
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: each name in ``exports`` (name -> module)
    is imported from its module when first looked up, then kept in the package."""

    def getattr_(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)  # looked up once
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return getattr_, dir_
