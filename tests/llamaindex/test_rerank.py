"""The LlamaIndex rerankers: nodes best first with the provider's score, top_n, the reranking events
(callback and instrumentation), sync and async, the query required (offline: FakeReranker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.bridge.pydantic import Field
from llama_index.core.callbacks import CallbackManager, CBEventType
from llama_index.core.callbacks.base_handler import BaseCallbackHandler
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.schema import NodeWithScore, TextNode

from hostedllm.errors import RequestValidationError
from hostedllm.testing import FakeReranker
from llama_index.llms.hostedllm import NIMRerank, NovitaRerank


def nodes(*texts: str) -> list[NodeWithScore]:
    return [NodeWithScore(node=TextNode(text=text), score=0.5) for text in texts]


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        super().__init__([], [])
        self.seen: list[CBEventType] = []

    def on_event_start(self, event_type: CBEventType, payload: Any = None, event_id: str = "", **kw: Any) -> str:
        self.seen.append(event_type)
        return event_id

    def on_event_end(self, event_type: CBEventType, payload: Any = None, event_id: str = "", **kw: Any) -> None:
        pass

    def start_trace(self, trace_id: str | None = None) -> None:
        pass

    def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
        pass


class Instrumented(BaseEventHandler):
    names: list[str] = Field(default_factory=list)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.names.append(event.class_name())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("cls", [NIMRerank, NovitaRerank], ids=["nim", "novita"])
def test_best_first_scored_with_events(cls: type, mode: str) -> None:
    fake = FakeReranker()
    callbacks = Events()
    instrumented = Instrumented()
    get_dispatcher().add_event_handler(instrumented)
    try:
        reranker = cls(api_key="k", top_n=2, callback_manager=CallbackManager([callbacks]), **fake.transports)
        given = nodes("a", "ccc", "bb")
        if mode == "sync":
            ranked = reranker.postprocess_nodes(given, query_str="q")
        else:
            ranked = asyncio.run(reranker.apostprocess_nodes(given, query_str="q"))
    finally:
        get_dispatcher().event_handlers.remove(instrumented)
    assert [node.node.get_content() for node in ranked] == ["ccc", "bb"]
    assert ranked[0].score is not None
    assert ranked[1].score is not None
    assert ranked[0].score > ranked[1].score
    assert [node.score for node in given] == [0.5, 0.5, 0.5], "the inputs are left unchanged"
    assert CBEventType.RERANKING in callbacks.seen
    assert "ReRankStartEvent" in instrumented.names
    assert "ReRankEndEvent" in instrumented.names


def test_the_query_is_required_and_no_nodes_send_nothing() -> None:
    fake = FakeReranker()
    reranker = NIMRerank(api_key="k", **fake.transports)
    with pytest.raises(RequestValidationError, match="needs the query"):
        reranker.postprocess_nodes(nodes("a"))
    assert reranker.postprocess_nodes([], query_str="q") == []
    assert fake.requests == []
