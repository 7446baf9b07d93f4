"""Reasoning models: thinking on and off, the reasoning shown apart from the answer, and an agent that thinks.

1. ``thinking=True`` on DeepSeek V3.1 (Novita), streamed: the reasoning arrives before the answer, in
   ``additional_kwargs["reasoning_content"]``, and is printed apart from it.
2. ``thinking=False`` per call: the same model answers without thinking. hostedllm sends the knob the
   model takes (here Novita's ``enable_thinking``; NVIDIA's models take ``chat_template_kwargs`` or a
   system line): you never name it.
3. ``output_version="v1"``: the reasoning as LangChain's standard ``reasoning`` content block.
4. A tool-using agent on Kimi K2 Thinking, which always thinks and needs its earlier reasoning back:
   each step's reasoning is shown, and sent back with the conversation (the cassette checks it is).
5. LlamaIndex: the same reasoning as a ``ThinkingBlock``.

REPLAYED BY DEFAULT: with no ``NOVITA_API_KEY`` every call is served from ``cassettes/reasoning.yaml``
(vcrpy, ``record_mode="none"``: no network, and a request that differs from the recorded one fails).
The requests are the ones our classes send; the answers are SYNTHESIZED in Novita's documented wire
format by ``cassettes/write_cassettes.py`` (see ``cassettes/README.md``). With the key set, it runs live.

    python cookbook/reasoning.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _replay import live_or_replayed
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock

from langchain_hostedllm import ChatNovita
from llama_index.llms.hostedllm import Novita

HYBRID = "deepseek/deepseek-v3.1"  # thinks or not, as asked (Novita's enable_thinking)
THINKER = "moonshotai/kimi-k2-thinking"  # always thinks; its reasoning must go back with the conversation
QUESTION = "A bat and a ball cost 1.10 in total. The bat costs 1.00 more than the ball. What does the ball cost?"
AGENT_QUESTION = "How many days are there from 2026-11-28 to 2027-01-06?"
CASSETTE = Path(__file__).parent / "cassettes" / "reasoning.yaml"


@tool
def days_between(start: str, end: str) -> int:
    """The number of days from one ISO date (YYYY-MM-DD) to another."""
    from datetime import date

    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def thinking_on_and_off(**kwargs: Any) -> None:
    chat = ChatNovita(model=HYBRID, thinking=True, temperature=0, **kwargs)
    print(f"1. thinking=True on {HYBRID}, streamed:")
    print("   [reasoning] ", end="")
    answered = False
    for chunk in chat.stream(QUESTION):
        thought = chunk.additional_kwargs.get("reasoning_content")
        if thought:
            print(thought, end="", flush=True)
        if chunk.text:
            if not answered:
                print("\n   [answer]    ", end="")
                answered = True
            print(chunk.text, end="", flush=True)
    print()

    answer = chat.invoke(QUESTION, thinking=False)
    print(f"2. thinking=False, per call: {answer.text.strip()}")
    print(f"   reasoning: {answer.additional_kwargs.get('reasoning_content', '(none)')}")

    v1 = ChatNovita(model=HYBRID, thinking=True, temperature=0, output_version="v1", **kwargs).invoke(QUESTION)
    print("3. output_version='v1': content blocks", [block["type"] for block in v1.content_blocks])
    tokens = (v1.usage_metadata or {}).get("output_token_details", {})
    print(f"   reasoning tokens: {tokens.get('reasoning', 'not reported')}")


def agent_that_thinks(**kwargs: Any) -> None:
    print(f"4. An agent on {THINKER} (always thinks), with a days_between tool:")
    agent = create_agent(ChatNovita(model=THINKER, temperature=0, **kwargs), tools=[days_between])
    state = agent.invoke({"messages": [{"role": "user", "content": AGENT_QUESTION}]})
    for message in state["messages"][1:]:
        if isinstance(message, AIMessage):
            print(f"   [reasoning] {message.additional_kwargs.get('reasoning_content', '').strip()}")
            for call in message.tool_calls:
                print(f"   model calls {call['name']}({call['args']})")
            if not message.tool_calls:
                print(f"   [answer]    {message.text.strip()}")
        elif isinstance(message, ToolMessage):
            print(f"   {message.name} -> {message.content}")


def llamaindex_thinking_block(**kwargs: Any) -> None:
    llm = Novita(model=HYBRID, thinking=True, temperature=0, **kwargs)
    message = llm.chat([ChatMessage(role="user", content=QUESTION)]).message
    thinking = [block.content for block in message.blocks if isinstance(block, ThinkingBlock)]
    print(f"5. LlamaIndex: ThinkingBlock {thinking[0]!r}" if thinking else "5. LlamaIndex: no ThinkingBlock")
    print(f"   answer: {message.content}")


def run(kwargs: dict[str, Any]) -> None:
    """Every step, with the models built from ``kwargs`` (the key; the cassette writer adds transports)."""
    thinking_on_and_off(**kwargs)
    agent_that_thinks(**kwargs)
    llamaindex_thinking_block(**kwargs)


def main() -> None:
    live_or_replayed(run, CASSETTE)


if __name__ == "__main__":
    main()
