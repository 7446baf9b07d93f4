"""Record a chain's provider traffic once, replay it offline after (vcrpy, with the keys scrubbed).

A missing cassette is recorded when a provider key is set (or recording is forced); an existing
one is replayed, and a request it does not hold fails instead of reaching the network.

>>> from pathlib import Path
>>> should_record(Path("no/such.yaml"), force=True)
True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hostedllm.providers import get_provider
from hostedllm.testing.config import vcr_config_for_providers
from hostedllm.testing.options import RECORD_OPTION
from hostedllm.testing.scrub import key_env_vars


class MissingCassetteError(RuntimeError):
    """No cassette to replay, and no key to record one with."""


def import_vcr() -> Any:
    """vcrpy, or an ImportError that says how to install it."""
    try:
        import vcr  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError(
            "hostedllm.testing records and replays cassettes with vcrpy, which is not installed: "
            "pip install 'hostedllm[testing]' (or pip install vcrpy)"
        ) from exc
    return vcr


def cassette_path(name: str | os.PathLike[str], directory: str | os.PathLike[str]) -> Path:
    """``directory/name.yaml``; an absolute ``name`` or one ending in ``.yaml`` is kept as given.

    >>> cassette_path("capital", "tests/cassettes").as_posix()
    'tests/cassettes/capital.yaml'
    """
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    return path if path.is_absolute() else Path(directory) / path


def should_record(path: Path, *, force: bool = False, provider: str | None = None, rerun: str | None = None) -> bool:
    """True to record, False to replay; :class:`MissingCassetteError` if ``path`` is missing and no key is set.

    ``provider`` names the provider whose key counts (default: any provider's); ``rerun`` is the
    command that runs the test again, for the error message.
    """
    if force:
        return True
    if path.is_file():
        return False
    keys = (get_provider(provider).api_key_env or "",) if provider else key_env_vars(required_only=True)
    if any(os.environ.get(key) for key in keys):
        return True
    raise MissingCassetteError(_missing_message(path, keys, rerun))


def _missing_message(path: Path, keys: tuple[str, ...], rerun: str | None) -> str:
    try:
        shown = path.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = path
    which = keys[0] if len(keys) == 1 else f"provider key ({', '.join(keys)})"
    example = keys[0] if len(keys) == 1 else "NOVITA_API_KEY"
    command = f"pytest {rerun}" if rerun else "the test"
    return (
        f"no cassette {shown} and no {which}: record it with `{example}=... {command}`"
        + ("" if len(keys) == 1 else " (the key of the provider your chain calls)")
        + f", or with `{command} {RECORD_OPTION}` for a server that needs no key. "
        "Nothing was sent."
    )


def open_cassette(path: Path, *, record: bool, config: Mapping[str, Any] | None = None) -> AbstractContextManager[Any]:
    """vcrpy's ``use_cassette`` on ``path``: recording a fresh cassette, or replaying with no network."""
    vcr = import_vcr()
    options = dict(vcr_config_for_providers() if config is None else config)
    for key in ("record_mode", "cassette_library_dir", "path"):
        options.pop(key, None)
    if record:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    context: AbstractContextManager[Any] = vcr.VCR(**options).use_cassette(
        str(path), record_mode="once" if record else "none"
    )
    return context


def cassette(
    name: str | os.PathLike[str],
    *,
    directory: str | os.PathLike[str] | None = None,
    force_record: bool = False,
    provider: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> AbstractContextManager[Any]:
    """Record ``name`` once (when it is missing and a key is set), replay it from then on.

    The file is ``<directory>/<name>.yaml``, by default in ``cassettes/`` next to the calling
    module; ``force_record`` records it again; ``config`` replaces
    :func:`vcr_config_for_providers`. In a test::

        with cassette("capital_of_france"):
            assert "Paris" in chain.invoke({"country": "France"})
    """
    if directory is None:
        caller = sys._getframe(1).f_globals.get("__file__")
        directory = Path(caller).parent / "cassettes" if caller else Path("cassettes")
    path = cassette_path(name, directory)
    return open_cassette(path, record=should_record(path, force=force_record, provider=provider), config=config)
