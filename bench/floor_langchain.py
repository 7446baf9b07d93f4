"""The floor for LangChain classes: a correct, minimal chat-completions ``BaseChatModel``.

One shared ``httpx.Client`` for ``invoke``/``stream``, one aiohttp session for ``ainvoke``,
``iter_lines`` streaming with ``on_llm_new_token``, usage metadata; nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr
from wire import AioSession, sse_events

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _usage(usage: dict[str, int]) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=usage["prompt_tokens"],
        output_tokens=usage["completion_tokens"],
        total_tokens=usage["total_tokens"],
    )


class MinimalChat(BaseChatModel):
    """About 60 lines: what any chat-completions LangChain model must at least do."""

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
    def _llm_type(self) -> str:
        return "minimal-chat"

    def _body(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool) -> bytes:
        wire = [{"role": _ROLES[m.type], "content": m.content} for m in messages]
        body: dict[str, Any] = {"model": self.model, "messages": wire, "stream": stream}
        if stop:
            body["stop"] = stop
        if stream:
            body["stream_options"] = {"include_usage": True}
        return json.dumps(body).encode()

    def _result(self, answer: dict[str, Any]) -> ChatResult:
        choice = answer["choices"][0]
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=_usage(answer["usage"]),
            response_metadata={"finish_reason": choice["finish_reason"], "model_name": answer["model"]},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self._http.post(f"{self.base_url}/chat/completions", content=self._body(messages, stop, False))
        response.raise_for_status()
        return self._result(json.loads(response.content))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        url = f"{self.base_url}/chat/completions"
        return self._result(await self._aio.post_json(url, self._body(messages, stop, False)))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body = self._body(messages, stop, True)
        with self._http.stream("POST", f"{self.base_url}/chat/completions", content=body) as response:
            response.raise_for_status()
            for event in sse_events(response.iter_lines()):
                if event["choices"]:
                    choice = event["choices"][0]
                    meta = {"finish_reason": choice["finish_reason"]} if choice["finish_reason"] else {}
                    message = AIMessageChunk(content=choice["delta"].get("content") or "", response_metadata=meta)
                elif event.get("usage"):
                    message = AIMessageChunk(content="", usage_metadata=_usage(event["usage"]))
                else:
                    continue
                chunk = ChatGenerationChunk(message=message)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    async def aclose(self) -> None:
        await self._aio.aclose()
        self._http.close()
