"""The fault matrix for embeddings and reranking: every fault that applies to a JSON call x {sync, async} x
{core client, LangChain, LlamaIndex} x {embeddings, rerank}, over real loopback HTTP.

The same faults and expectations as the chat matrix (tests/reliability/test_fault_matrix.py): a
success after exactly so many requests (waiting as long as ``Retry-After`` asks), or one typed error
naming the provider, the status and the fix, within the timeouts. Embeddings go to a local server's
``/v1/embeddings``; reranking to a self-hosted NIM's ``/v1/ranking``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from langchain_core.documents import Document
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.llms import hostedllm as li

import langchain_hostedllm as lc
from hostedllm import EmbeddingsClient
from hostedllm.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DeadlineExceededError,
    MalformedResponseError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from hostedllm.rerank import RerankClient
from hostedllm.transport import RetryPolicy, Timeouts

from .fault_server import FaultServer
from .test_fault_matrix import CONNECTION_HINT, RATE_HINT, SERVER_HINT

FAST = RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.05, jitter=0)
HANG_LIMIT = 10.0
TEXTS = ["alpha", "beta", "gamma"]
EMBED_MODEL, RERANK_MODEL = "all-minilm-l6-v2", "nvidia/llama-nemotron-rerank-1b-v2"
TIMEOUT_HINT = "Not retried"


@dataclass(frozen=True)
class Expect:
    requests: int
    error: type[APIError] | None = None
    fragments: tuple[str, ...] = ()
    attempts: int | None = None
    gap: tuple[float, float] | None = None
    seconds: tuple[float, float] = (0.0, 5.0)


@dataclass(frozen=True)
class Case:
    id: str
    script: tuple[str, ...]
    expect: Expect
    timeout: float | Timeouts = 5.0
    refused: bool = False


def retried_ok(gap: tuple[float, float] | None = None) -> Expect:
    return Expect(requests=2, gap=gap)


def exhausted(error: type[APIError], *fragments: str) -> Expect:
    return Expect(requests=3, error=error, attempts=3, fragments=("Gave up after 3 attempts", *fragments))


def once(error: type[APIError], *fragments: str, seconds: tuple[float, float] = (0.0, 5.0)) -> Expect:
    return Expect(requests=1, error=error, attempts=1, fragments=fragments, seconds=seconds)


CASES = [
    Case("ok", ("ok",), Expect(requests=1)),
    Case("429_retry_after_0_then_ok", ("429_retry_after_0", "ok"), retried_ok()),
    Case("429_retry_after_1_then_ok", ("429_retry_after_1", "ok"), retried_ok(gap=(0.9, 3.0))),
    Case("503_retry_after_1_then_ok", ("503_retry_after_1", "ok"), retried_ok(gap=(0.9, 3.0))),
    *(Case(f"{status}_then_ok", (str(status), "ok"), retried_ok()) for status in (408, 500, 502, 503, 504)),
    Case("html_502_then_ok", ("html_502", "ok"), retried_ok()),
    Case("drop_then_ok", ("drop", "ok"), retried_ok()),
    Case("reset_mid_body_then_ok", ("reset_mid_body", "ok"), retried_ok()),
    Case("corrupt_chunked_then_ok", ("corrupt_chunked", "ok"), retried_ok(), timeout=3),
    Case("429_exhausted", ("429_retry_after_0",) * 3, exhausted(RateLimitError, "HTTP 429", RATE_HINT)),
    Case("503_exhausted", ("503",) * 3, exhausted(ServerError, "HTTP 503", SERVER_HINT)),
    Case("drop_exhausted", ("drop",) * 3, exhausted(APIConnectionError, CONNECTION_HINT)),
    Case(
        "connection_refused",
        (),
        Expect(requests=0, error=APIConnectionError, attempts=3, fragments=("127.0.0.1", CONNECTION_HINT)),
        refused=True,
    ),
    Case(
        "429_retry_after_120_not_waited_for",
        ("429_retry_after_120", "ok"),
        once(RateLimitError, "HTTP 429", "asks to wait 120 s", seconds=(0.0, 2.0)),
    ),
    Case("400_bad_request", ("400", "ok"), once(BadRequestError, "HTTP 400")),
    Case("401_unauthorized", ("401", "ok"), once(AuthenticationError, "HTTP 401")),
    Case("403_forbidden", ("403", "ok"), once(PermissionDeniedError, "HTTP 403")),
    Case(
        "slow_first_byte",
        ("slow_first_byte", "ok"),
        once(APITimeoutError, "ReadTimeout", TIMEOUT_HINT, seconds=(0.9, 3.0)),
        timeout=1,
    ),
    Case("malformed_json", ("malformed_json", "ok"), once(MalformedResponseError, "HTTP 200", "not JSON")),
    Case("a_chat_answer_instead", ("completion", "ok"), once(MalformedResponseError, "HTTP 200")),
    Case(
        "trickle_past_the_total_deadline",
        ("trickle", "ok"),
        once(DeadlineExceededError, "total deadline of 1s", seconds=(0.9, 2.0)),
        timeout=Timeouts(read=5, stream_idle=5, total=1),
    ),
]
TARGETS = [
    "core-embeddings",
    "langchain-embeddings",
    "llamaindex-embedding",
    "core-rerank",
    "langchain-rerank",
    "llamaindex-rerank",
]


def build(target: str, base_url: str, timeout: float | Timeouts) -> Any:
    """The target at ``base_url`` with max_retries=2 and a fast backoff; its core client is checked."""
    common: dict[str, Any] = {"max_retries": 2, "timeout": timeout}
    instance: Any
    if target == "core-embeddings":
        instance = EmbeddingsClient("local", EMBED_MODEL, base_url=base_url, **common)
    elif target == "core-rerank":
        instance = RerankClient("nim", RERANK_MODEL, base_url=base_url, api_key="k", **common)
    elif target == "langchain-embeddings":
        instance = lc.LocalEmbeddings(base_url=base_url, **common)
    elif target == "llamaindex-embedding":
        instance = li.LocalEmbedding(api_base=base_url, **common)
    elif target == "langchain-rerank":
        instance = lc.NIMRerank(model=RERANK_MODEL, base_url=base_url, api_key="k", top_n=None, **common)
    else:
        instance = li.NIMRerank(model=RERANK_MODEL, api_base=base_url, api_key="k", top_n=len(TEXTS), **common)
    client = instance if isinstance(instance, (EmbeddingsClient, RerankClient)) else instance.client
    assert client.retry_policy.max_retries == 2
    client.retry_policy = FAST
    return instance


def call(target: str, instance: Any, mode: str) -> Any:
    """One call of ``target``, returning what the user gets (async: in a fresh loop, bounded by HANG_LIMIT)."""
    if mode == "async":
        return asyncio.run(asyncio.wait_for(acall(target, instance), HANG_LIMIT))
    documents = [Document(page_content=text) for text in TEXTS]
    nodes = [NodeWithScore(node=TextNode(text=text)) for text in TEXTS]
    sync = {
        "core-embeddings": lambda: instance.embed(TEXTS).vectors,
        "core-rerank": lambda: instance.rank("q", TEXTS).ranking,
        "langchain-embeddings": lambda: instance.embed_documents(TEXTS),
        "llamaindex-embedding": lambda: instance.get_text_embedding_batch(TEXTS),
        "langchain-rerank": lambda: instance.compress_documents(documents, "q"),
        "llamaindex-rerank": lambda: instance.postprocess_nodes(nodes, query_str="q"),
    }
    return sync[target]()


async def acall(target: str, instance: Any) -> Any:
    documents = [Document(page_content=text) for text in TEXTS]
    nodes = [NodeWithScore(node=TextNode(text=text)) for text in TEXTS]
    if target == "core-embeddings":
        return (await instance.aembed(TEXTS)).vectors
    if target == "core-rerank":
        return (await instance.arank("q", TEXTS)).ranking
    if target == "langchain-embeddings":
        return await instance.aembed_documents(TEXTS)
    if target == "llamaindex-embedding":
        return await instance.aget_text_embedding_batch(TEXTS)
    if target == "langchain-rerank":
        return await instance.acompress_documents(documents, "q")
    return await instance.apostprocess_nodes(nodes, QueryBundle("q"))


def matrix() -> Iterator[Any]:
    for case in CASES:
        for target in TARGETS:
            for mode in ("sync", "async"):
                yield pytest.param(case, target, mode, id=f"{case.id}-{target}-{mode}")


@pytest.mark.parametrize(("case", "target", "mode"), list(matrix()))
def test_fault(case: Case, target: str, mode: str, *, fault_server: FaultServer, refused_base_url: str) -> None:
    fault_server.play(*case.script)
    instance = build(target, refused_base_url if case.refused else fault_server.base_url, case.timeout)
    started = time.monotonic()
    result: Any = None
    error: BaseException | None = None
    try:
        result = call(target, instance, mode)
    except Exception as exc:
        error = exc
    seconds = time.monotonic() - started
    expect = case.expect
    low, high = expect.seconds
    assert low <= seconds < high, f"took {seconds:.2f}s, expected [{low}, {high})"
    assert fault_server.count == expect.requests, [r.behaviour for r in fault_server.requests]
    path = "/v1/embeddings" if "embed" in target else "/v1/ranking"
    assert all((r.method, r.path) == ("POST", path) for r in fault_server.requests)
    if expect.gap is not None:
        gap_low, gap_high = expect.gap
        assert gap_low <= fault_server.gaps()[0] < gap_high, f"waited {fault_server.gaps()[0]:.2f}s"
    if expect.error is None:
        assert error is None, f"unexpected {type(error).__name__}: {error}"
        assert len(result) == len(TEXTS), result
        return
    assert type(error) is expect.error, f"{type(error).__name__}: {error}"
    message = str(error)
    assert message.startswith("[local]" if "embed" in target else "[nim]"), message
    for fragment in expect.fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    if expect.attempts is not None:
        assert isinstance(error, APIError)
        assert error.attempts == expect.attempts
