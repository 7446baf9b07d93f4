"""Streaming: a tolerant SSE reader and chunk normalisation."""

from hostedllm.streaming.chunks import ChunkStream
from hostedllm.streaming.sse import aiter_sse_data, iter_sse_data

__all__ = ["ChunkStream", "aiter_sse_data", "iter_sse_data"]
