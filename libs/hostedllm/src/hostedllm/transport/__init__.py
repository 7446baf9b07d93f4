"""HTTP transport: pooled httpx clients, timeouts, and the one retry layer."""

from hostedllm.transport.http import HTTPTransport
from hostedllm.transport.retry import (
    RetryPolicy,
    acall_with_retries,
    astream_with_retries,
    call_with_retries,
    parse_retry_after,
    stream_with_retries,
)
from hostedllm.transport.timeouts import Timeouts

__all__ = [
    "HTTPTransport",
    "RetryPolicy",
    "Timeouts",
    "acall_with_retries",
    "astream_with_retries",
    "call_with_retries",
    "parse_retry_after",
    "stream_with_retries",
]
