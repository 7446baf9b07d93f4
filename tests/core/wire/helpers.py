"""Small helpers shared by the wire tests."""

from __future__ import annotations

from collections.abc import Iterable

from hostedllm.wire_types import ChatCompletionChunk


def joined_text(chunks: Iterable[ChatCompletionChunk]) -> str:
    """The streamed answer's text, the way an adapter assembles it."""
    return "".join(choice["delta"].get("content") or "" for chunk in chunks for choice in chunk["choices"])


def usage_chunks(chunks: list[ChatCompletionChunk]) -> list[ChatCompletionChunk]:
    return [chunk for chunk in chunks if "usage" in chunk]
