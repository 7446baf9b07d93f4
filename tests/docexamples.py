"""The examples in a package's docstrings, run the way ``--doctest-modules`` runs the core's.

The adapter packages cannot go through ``--doctest-modules`` (pytest names their modules after their
paths, and ``llama_index/llms/hostedllm/usage.py`` would shadow ``hostedllm.usage``), so their tests
run each module's examples with :mod:`doctest` itself.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil


def modules_of(package: str) -> list[str]:
    """The names of ``package``'s modules."""
    return [info.name for info in pkgutil.iter_modules(importlib.import_module(package).__path__, f"{package}.")]


def failed_examples(module: str) -> int:
    """How many of ``module``'s docstring examples failed (each failure is printed, as doctest does)."""
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(importlib.import_module(module)):
        runner.run(test)
    return runner.failures
