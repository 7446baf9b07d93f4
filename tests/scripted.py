"""The tests' fake provider and wire-format body builders: the public ones in :mod:`hostedllm.testing.fake`.

Kept under the name the test folders import (``from ..scripted import ScriptedProvider, completion``).
"""

from __future__ import annotations

from hostedllm.testing.fake import FakeProvider, chunk, completion, sse, text_stream, tool_call, usage_chunk, usage_of

ScriptedProvider = FakeProvider

__all__ = [
    "FakeProvider",
    "ScriptedProvider",
    "chunk",
    "completion",
    "sse",
    "text_stream",
    "tool_call",
    "usage_chunk",
    "usage_of",
]
