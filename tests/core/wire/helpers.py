"""Small helpers shared by the wire tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from hostedllm.wire_types import ChatCompletionChunk


def joined_text(chunks: Iterable[ChatCompletionChunk]) -> str:
    """The streamed answer's text, the way an adapter assembles it."""
    return "".join(choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"])


def usage_chunks(chunks: list[ChatCompletionChunk]) -> list[ChatCompletionChunk]:
    return [chunk for chunk in chunks if "usage" in chunk]


def documented_answer(cassette_dir: str, name: str, exchange: int = 0) -> Any:
    """The JSON answer of one exchange of a cassette, as the provider sent it (to check what we made of it)."""
    text = (Path(cassette_dir) / f"{name}.yaml").read_text(encoding="utf-8")
    return json.loads(yaml.safe_load(text)["interactions"][exchange]["response"]["body"]["string"])


def by_index(answer: Any) -> list[list[float]]:
    """An embeddings answer's vectors in the order of the texts sent."""
    return [item["embedding"] for item in sorted(answer["data"], key=lambda item: item["index"])]
