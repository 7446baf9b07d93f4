"""The floors for LlamaIndex classes.

``MinimalLlama``: chat/achat/stream_chat over one ``httpx.Client`` and one aiohttp session,
through LlamaIndex's callback decorators. ``NoIOLlama``: LlamaIndex's stream machinery with no
I/O at all (``stream_chat`` yields deltas from an in-memory list).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import PrivateAttr
from wire import AioSession, sse_events


class MinimalLlama(CustomLLM):
    """A minimal chat-completions LLM: what any LlamaIndex LLM must at least do."""

    model: str
    base_url: str
    api_key: str
    _http: httpx.Client = PrivateAttr()
    _aio: AioSession = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        self._http = httpx.Client(headers=headers, timeout=120)
        self._aio = AioSession(headers)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, model_name=self.model, context_window=131_072)

    def _body(self, messages: Sequence[ChatMessage], stream: bool) -> bytes:
        wire = [{"role": m.role.value, "content": m.content} for m in messages]
        return json.dumps({"model": self.model, "messages": wire, "stream": stream}).encode()

    @staticmethod
    def _response(answer: dict[str, Any]) -> ChatResponse:
        content = answer["choices"][0]["message"].get("content") or ""
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=content), raw=answer)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        response = self._http.post(f"{self.base_url}/chat/completions", content=self._body(messages, False))
        response.raise_for_status()
        return self._response(json.loads(response.content))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        url = f"{self.base_url}/chat/completions"
        return self._response(await self._aio.post_json(url, self._body(messages, False)))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        body = self._body(messages, True)

        def gen() -> ChatResponseGen:
            text = ""
            with self._http.stream("POST", f"{self.base_url}/chat/completions", content=body) as response:
                response.raise_for_status()
                for event in sse_events(response.iter_lines()):
                    delta = (event["choices"][0]["delta"].get("content") or "") if event["choices"] else ""
                    text += delta
                    message = ChatMessage(role=MessageRole.ASSISTANT, content=text)
                    yield ChatResponse(message=message, delta=delta, raw=event)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        response = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        return CompletionResponse(text=response.message.content or "", raw=response.raw)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        raise NotImplementedError

    async def aclose(self) -> None:
        await self._aio.aclose()
        self._http.close()


class NoIOLlama(CustomLLM):
    """Streams canned deltas from memory: what LlamaIndex itself costs per chunk."""

    deltas: list[str]

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, model_name="no-io")

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            text = ""
            for delta in self.deltas:
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text="".join(self.deltas))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        raise NotImplementedError
