"""The clients compared, each behind one small adapter: ours, the peers and the floors.

Every adapter does the same four things (one call, one async call, a whole stream, a batch)
the way that library's users would. Libraries are imported inside the builders, so a worker
process loads only the client it measures.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

API_KEY = "bench-key"
ALL_SCENARIOS = frozenset({"invoke", "fanout", "stream", "import", "rss", "abatch", "bigctx"})


@dataclass(frozen=True)
class Target:
    """Where a client points: nginx's base URL for one kind of answer, and the model id."""

    base_url: str
    model: str
    chunks: int = 0


class Adapter:
    """One client, driven the way its users drive it. Subclasses convert messages and call."""

    supports_sync = True

    def prepare(self, messages: list[dict[str, str]]) -> Any:
        return messages

    def call(self, messages: Any) -> str:
        raise NotImplementedError

    async def acall(self, messages: Any) -> str:
        raise NotImplementedError

    def stream(self, messages: Any) -> tuple[int, int]:
        """Consume one whole stream: (items yielded, characters of text received)."""
        raise NotImplementedError

    async def abatch(self, messages: Any, count: int, concurrency: int) -> list[str]:
        """``count`` calls at most ``concurrency`` at a time (a gather under a semaphore)."""
        gate = asyncio.Semaphore(concurrency)

        async def one() -> str:
            async with gate:
                return await self.acall(messages)

        return list(await asyncio.gather(*(one() for _ in range(count))))

    async def aclose(self) -> None:
        return None


# --- LangChain ------------------------------------------------------------------------------


class LangChainAdapter(Adapter):
    """``invoke``/``ainvoke``/``stream``/``abatch(max_concurrency=...)`` on a ``BaseChatModel``."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def prepare(self, messages: list[dict[str, str]]) -> Any:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        return [kinds[m["role"]](content=m["content"]) for m in messages]

    def call(self, messages: Any) -> str:
        return str(self.model.invoke(messages).content)

    async def acall(self, messages: Any) -> str:
        return str((await self.model.ainvoke(messages)).content)

    def stream(self, messages: Any) -> tuple[int, int]:
        items = chars = 0
        for chunk in self.model.stream(messages):
            items += 1
            chars += len(chunk.content)
        return items, chars

    async def abatch(self, messages: Any, count: int, concurrency: int) -> list[str]:
        answers = await self.model.abatch([messages] * count, config={"max_concurrency": concurrency})
        return [str(answer.content) for answer in answers]

    async def aclose(self) -> None:
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()


def ours_langchain(target: Target) -> Adapter:
    from langchain_hostedllm import ChatNovita

    return LangChainAdapter(ChatNovita(model=target.model, base_url=target.base_url, api_key=API_KEY))


def peer_chatopenai(target: Target) -> Adapter:
    from langchain_openai import ChatOpenAI

    return LangChainAdapter(ChatOpenAI(model=target.model, base_url=target.base_url, api_key=API_KEY))


def peer_chatnvidia(target: Target) -> Adapter:
    from langchain_nvidia_ai_endpoints import ChatNVIDIA

    with warnings.catch_warnings():  # "unknown model" warnings: the model is served, just not in its table
        warnings.simplefilter("ignore")
        return LangChainAdapter(ChatNVIDIA(model=target.model, base_url=target.base_url, api_key=API_KEY))


def floor_langchain(target: Target) -> Adapter:
    from floor_langchain import MinimalChat

    return LangChainAdapter(MinimalChat(model=target.model, base_url=target.base_url, api_key=API_KEY))


# --- LlamaIndex -----------------------------------------------------------------------------


class LlamaIndexAdapter(Adapter):
    """``chat``/``achat``/``stream_chat`` on a LlamaIndex LLM; a batch is a gather of ``achat``."""

    def __init__(self, llm: Any) -> None:
        self.llm = llm

    def prepare(self, messages: list[dict[str, str]]) -> Any:
        from llama_index.core.base.llms.types import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]

    def call(self, messages: Any) -> str:
        return str(self.llm.chat(messages).message.content)

    async def acall(self, messages: Any) -> str:
        return str((await self.llm.achat(messages)).message.content)

    def stream(self, messages: Any) -> tuple[int, int]:
        items = chars = 0
        for response in self.llm.stream_chat(messages):
            items += 1
            chars += len(response.delta or "")
        return items, chars

    async def aclose(self) -> None:
        close = getattr(self.llm, "aclose", None)
        if close is not None:
            await close()


def ours_llamaindex(target: Target) -> Adapter:
    from llama_index.llms.hostedllm import Novita

    return LlamaIndexAdapter(Novita(model=target.model, api_base=target.base_url, api_key=API_KEY))


def peer_openailike(target: Target) -> Adapter:
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=target.model, api_base=target.base_url, api_key=API_KEY, is_chat_model=True, context_window=131_072
    )
    return LlamaIndexAdapter(llm)


def floor_llamaindex(target: Target) -> Adapter:
    from floor_llamaindex import MinimalLlama

    return LlamaIndexAdapter(MinimalLlama(model=target.model, base_url=target.base_url, api_key=API_KEY))


def floor_llamaindex_noio(target: Target) -> Adapter:
    import canned
    from floor_llamaindex import NoIOLlama

    return LlamaIndexAdapter(NoIOLlama(deltas=[canned.CHUNK_TEXT] * target.chunks))


# --- raw HTTP and the openai SDK ------------------------------------------------------------


class OpenAISDKAdapter(Adapter):
    """``openai.OpenAI``/``AsyncOpenAI``: ``chat.completions.create`` as documented."""

    def __init__(self, target: Target) -> None:
        import openai

        self.model = target.model
        self.sync = openai.OpenAI(base_url=target.base_url, api_key=API_KEY)
        self.base_url = target.base_url
        self._async: Any = None

    @property
    def aclient(self) -> Any:
        if self._async is None:
            import openai

            self._async = openai.AsyncOpenAI(base_url=self.base_url, api_key=API_KEY)
        return self._async

    def call(self, messages: Any) -> str:
        answer = self.sync.chat.completions.create(model=self.model, messages=messages)
        return str(answer.choices[0].message.content)

    async def acall(self, messages: Any) -> str:
        answer = await self.aclient.chat.completions.create(model=self.model, messages=messages)
        return str(answer.choices[0].message.content)

    def stream(self, messages: Any) -> tuple[int, int]:
        items = chars = 0
        events = self.sync.chat.completions.create(
            model=self.model, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        for event in events:
            items += 1
            if event.choices:
                chars += len(event.choices[0].delta.content or "")
        return items, chars

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.close()
        self.sync.close()


class HttpxAdapter(Adapter):
    """Bare httpx: ``Client.post`` + ``json.loads``; ``AsyncClient`` for async; ``iter_lines``."""

    def __init__(self, target: Target) -> None:
        import httpx

        self.model = target.model
        self.url = f"{target.base_url}/chat/completions"
        self.headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        self.sync = httpx.Client(headers=self.headers, timeout=120)
        self._async: Any = None

    def _body(self, messages: Any, stream: bool = False) -> bytes:
        import json

        return json.dumps({"model": self.model, "messages": messages, "stream": stream}).encode()

    def call(self, messages: Any) -> str:
        import json

        answer = json.loads(self.sync.post(self.url, content=self._body(messages)).content)
        return str(answer["choices"][0]["message"]["content"])

    async def acall(self, messages: Any) -> str:
        import json

        import httpx

        if self._async is None:
            self._async = httpx.AsyncClient(headers=self.headers, timeout=120)
        response = await self._async.post(self.url, content=self._body(messages))
        return str(json.loads(response.content)["choices"][0]["message"]["content"])

    def stream(self, messages: Any) -> tuple[int, int]:
        from wire import sse_events

        items = chars = 0
        with self.sync.stream("POST", self.url, content=self._body(messages, stream=True)) as response:
            for event in sse_events(response.iter_lines()):
                items += 1
                if event["choices"]:
                    chars += len(event["choices"][0]["delta"].get("content") or "")
        return items, chars

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
        self.sync.close()


class AiohttpAdapter(Adapter):
    """Bare aiohttp: one ``ClientSession``, ``post`` + ``json.loads``; async only."""

    supports_sync = False

    def __init__(self, target: Target) -> None:
        from wire import AioSession

        self.model = target.model
        self.url = f"{target.base_url}/chat/completions"
        self.session = AioSession({"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})

    async def acall(self, messages: Any) -> str:
        import json

        body = json.dumps({"model": self.model, "messages": messages, "stream": False}).encode()
        answer = await self.session.post_json(self.url, body)
        return str(answer["choices"][0]["message"]["content"])

    async def aclose(self) -> None:
        await self.session.aclose()


# --- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSpec:
    """One row of every table: how to build the client, and what it is compared with."""

    name: str
    label: str
    family: str  # "langchain", "llamaindex" or "raw": decides which floor it is divided by
    module: str  # what the import scenario imports: the module that defines the class (our packages import lazily)
    build: Callable[[Target], Adapter]
    scenarios: frozenset[str] = field(default=ALL_SCENARIOS)


_ASYNC_ONLY = frozenset({"fanout", "abatch", "import", "rss"})

CLIENTS: dict[str, ClientSpec] = {
    spec.name: spec
    for spec in (
        ClientSpec(
            "ours-langchain", "ChatNovita (ours)", "langchain", "langchain_hostedllm.chat_models", ours_langchain
        ),
        ClientSpec(
            "ours-llamaindex",
            "Novita (ours, LlamaIndex)",
            "llamaindex",
            "llama_index.llms.hostedllm.providers",
            ours_llamaindex,
        ),
        ClientSpec("peer-chatopenai", "ChatOpenAI", "langchain", "langchain_openai", peer_chatopenai),
        ClientSpec("peer-chatnvidia", "ChatNVIDIA", "langchain", "langchain_nvidia_ai_endpoints", peer_chatnvidia),
        ClientSpec("peer-openailike", "OpenAILike", "llamaindex", "llama_index.llms.openai_like", peer_openailike),
        ClientSpec("peer-openai-sdk", "openai SDK", "raw", "openai", OpenAISDKAdapter),
        ClientSpec("floor-langchain", "minimal LangChain model", "langchain", "floor_langchain", floor_langchain),
        ClientSpec("floor-llamaindex", "minimal LlamaIndex LLM", "llamaindex", "floor_llamaindex", floor_llamaindex),
        ClientSpec(
            "floor-llamaindex-noio",
            "LlamaIndex stream machinery, no I/O",
            "llamaindex",
            "floor_llamaindex",
            floor_llamaindex_noio,
            frozenset({"stream"}),
        ),
        ClientSpec("floor-httpx", "bare httpx", "raw", "httpx", HttpxAdapter),
        ClientSpec("floor-aiohttp", "bare aiohttp", "raw", "aiohttp", AiohttpAdapter, _ASYNC_ONLY),
    )
}

#: The floor each family is divided by, and the peers every row is compared with.
FLOORS = {"langchain": "floor-langchain", "llamaindex": "floor-llamaindex", "raw": "floor-httpx"}
PEERS = ("peer-chatopenai", "peer-chatnvidia", "peer-openailike")
