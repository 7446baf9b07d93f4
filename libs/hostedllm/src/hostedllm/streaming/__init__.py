"""Streaming: a tolerant SSE reader, chunk normalisation, and one accumulator for every reader."""

from hostedllm.streaming.accumulate import Delta, StreamAccumulator
from hostedllm.streaming.chunks import ChunkStream
from hostedllm.streaming.sse import aiter_sse_data, iter_sse_data

__all__ = ["ChunkStream", "Delta", "StreamAccumulator", "aiter_sse_data", "iter_sse_data"]
