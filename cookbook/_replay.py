"""Shared by the recipes that replay a cassette when no provider key is set (agents, reasoning, vision)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

REPLAY_KEY = "replayed-no-key-needed"  # the cassette answers; authorization is not matched


@contextmanager
def replayed(cassette: Path) -> Iterator[None]:
    """Serve every HTTP request from ``cassette`` (vcrpy, ``record_mode="none"``): no network at all."""
    recorder = vcr.VCR(record_mode="none", match_on=["method", "uri", "body"])
    try:
        with recorder.use_cassette(str(cassette)):
            yield
    except CannotOverwriteExistingCassetteException as error:
        sys.exit(
            f"A request differs from the one in {cassette.name}: {error}\n"
            "Regenerate the cassette with `python cookbook/cassettes/write_cassettes.py`."
        )


def live_or_replayed(run: Callable[[dict[str, Any]], object], cassette: Path) -> None:
    """``run`` live on Novita when ``NOVITA_API_KEY`` is set, else replayed from ``cassette``."""
    if os.environ.get("NOVITA_API_KEY"):
        print("Live on Novita (NOVITA_API_KEY is set).\n")
        run({})
        return
    print(f"No NOVITA_API_KEY: REPLAYED from {cassette.relative_to(cassette.parent.parent)} (synthesized).\n")
    with replayed(cassette):
        run({"api_key": REPLAY_KEY})
