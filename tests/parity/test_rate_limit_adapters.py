"""``rate_limit=`` on every class of both frameworks: one ``RateLimiter`` shared by a LangChain chat model,
a LlamaIndex LLM and both frameworks' embeddings keeps their requests together under the account's limit."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from llama_index.core.base.llms.types import ChatMessage
from llama_index.llms import hostedllm as li

import langchain_hostedllm as lc
from hostedllm.testing.fake import completion
from hostedllm.transport.ratelimit import RateLimit, RateLimiter

INTERVAL = 0.1  # 600 requests per minute


class Arrivals:
    def __init__(self) -> None:
        self.times: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.times.append(time.monotonic())
        if request.url.path.endswith("/embeddings"):
            texts = json.loads(request.content)["input"]
            data = [{"index": i, "embedding": [0.1, 0.2], "object": "embedding"} for i in range(len(texts))]
            return httpx.Response(200, json={"data": data, "usage": {"prompt_tokens": 4, "total_tokens": 4}})
        return httpx.Response(200, json=completion("Hi."))

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def within_rate(self) -> bool:
        """For every pair of requests, the time between them covers all but one of the intervals between."""
        t = self.times
        return all(t[j] - t[i] >= (j - i - 1) * INTERVAL for i in range(len(t)) for j in range(i + 1, len(t)))


def test_one_limiter_paces_every_class_of_both_frameworks_sync_and_async() -> None:
    arrivals, limiter = Arrivals(), RateLimiter(RateLimit(requests_per_minute=60 / INTERVAL))
    transports = {
        "api_key": "k",
        "rate_limit": limiter,
        "http_transport": httpx.MockTransport(arrivals.handle),
        "async_http_transport": httpx.MockTransport(arrivals.ahandle),
    }
    chat = lc.ChatNovita(model="deepseek/deepseek-v3.1", **transports)
    llm = li.Novita(model="deepseek/deepseek-v3.1", **transports)
    lc_embeddings = lc.NovitaEmbeddings(model="baai/bge-m3", **transports)
    li_embeddings = li.NovitaEmbedding(model_name="baai/bge-m3", **transports)
    hi = [ChatMessage(role="user", content="Hi")]

    async def concurrently() -> None:
        await asyncio.gather(chat.ainvoke("Hi"), llm.achat(hi), lc_embeddings.aembed_query("Hi"))

    chat.invoke("Hi")
    llm.chat(hi)
    lc_embeddings.embed_documents(["a", "b"])
    li_embeddings.get_text_embedding("a")
    asyncio.run(concurrently())
    assert len(arrivals.times) == 7
    assert arrivals.within_rate()
    assert arrivals.times[-1] - arrivals.times[0] >= 5 * INTERVAL, "together, not each on its own"


def test_a_copied_model_still_shares_the_limit() -> None:
    import copy

    arrivals, limiter = Arrivals(), RateLimiter(RateLimit(requests_per_minute=60 / INTERVAL))
    chat = lc.ChatNovita(
        model="deepseek/deepseek-v3.1",
        api_key="k",
        rate_limit=limiter,
        # a function, which deepcopy keeps as is (a bound method's instance would be copied with the model)
        http_transport=httpx.MockTransport(lambda request: arrivals.handle(request)),  # noqa: PLW0108
    )
    chat.invoke("Hi")  # the original has a client (and its pool) before it is copied
    twin = copy.deepcopy(chat)
    for model in (chat, twin, chat, twin):
        model.invoke("Hi")
    assert arrivals.within_rate()
    assert len(arrivals.times) == 5
    assert arrivals.times[-1] - arrivals.times[0] >= 3 * INTERVAL
