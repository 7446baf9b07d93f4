"""A LangChain agent with two tools: what would 2 million output tokens of a model cost?

``langchain.agents.create_agent`` gets ``lookup_price`` (the price from our model catalog) and
``multiply``; the model looks the price up, multiplies, and answers. The script prints every step.

REPLAYED BY DEFAULT. The embedded 135M model cannot plan several tool calls, so with no key the
agent runs against ``cassettes/agent_langchain.yaml``: Novita traffic for exactly this run
(qwen/qwen-2.5-72b-instruct), SYNTHESIZED, not recorded. The requests are the ones our
``ChatNovita`` sends; the answers are scripted in Novita's documented wire format by
``cassettes/write_cassettes.py`` (see ``cassettes/README.md``). vcrpy replays it with
``record_mode="none"``: no network, and a request that differs from the recorded one fails.
Before that, the agent's first step runs live on the local model (SmolLM2-135M-Instruct on
llama.cpp): a single tool call, forced by naming ``lookup_price`` in ``tool_choice``.

With ``NOVITA_API_KEY`` set, the whole agent runs live on Novita instead (no local model, no cassette).

    python cookbook/agent_langchain.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from _replay import REPLAY_KEY, replayed
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import tool

from hostedllm.catalog import default_catalog
from hostedllm.errors import RequestValidationError
from hostedllm.local import LocalServer
from langchain_hostedllm import BaseChatHosted, ChatLocal, ChatNovita

MODEL = "qwen/qwen-2.5-72b-instruct"  # on Novita, live and in the cassette
QUESTION = "What would 2 million output tokens of deepseek/deepseek-r1-0528 cost?"
SYSTEM = "Use lookup_price for a model's price per 1 million tokens and multiply for arithmetic."
LOCAL_SYSTEM = "Call lookup_price with the model id named in the question."  # a 135M model needs the hint
CASSETTE = Path(__file__).parent / "cassettes" / "agent_langchain.yaml"


@tool
def lookup_price(model: str) -> str:
    """The price of a model per 1 million input and output tokens, from the hostedllm catalog."""
    try:
        entry = default_catalog().get(model)
    except RequestValidationError as error:
        return str(error)
    price = entry.price
    if price is None or price.output is None:
        return f"The catalog has no price for {entry.key}."
    return json.dumps(
        {"model": entry.key, "input_per_1m": price.input, "output_per_1m": price.output, "currency": price.currency}
    )


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def novita(**kwargs: Any) -> ChatNovita:
    """The agent's model on Novita: live with the key, replayed, or (``cassettes/write_cassettes.py``) scripted."""
    return ChatNovita(model=MODEL, temperature=0, **kwargs)


def build_agent(chat: BaseChatHosted) -> Any:
    """The agent graph: ``chat`` with both tools."""
    return create_agent(chat, tools=[lookup_price, multiply], system_prompt=SYSTEM)


def show(message: BaseMessage) -> None:
    """One agent step: a tool call, a tool result or the answer."""
    if isinstance(message, AIMessage) and message.tool_calls:
        for call in message.tool_calls:
            print(f"  model calls {call['name']}({json.dumps(call['args'])})")
    elif isinstance(message, ToolMessage):
        print(f"  {message.name} -> {message.content}")
    elif isinstance(message, AIMessage):
        print(f"Answer: {message.text.strip()}")


def run_agent(chat: BaseChatHosted) -> list[BaseMessage]:
    """Run the agent on ``QUESTION``, printing each step; the conversation it ends with."""
    print(f"Q: {QUESTION}")
    state = build_agent(chat).invoke({"messages": [{"role": "user", "content": QUESTION}]})
    messages: list[BaseMessage] = state["messages"]
    for message in messages[1:]:
        show(message)
    return messages


def first_step_on_local_model() -> None:
    """The first step, live: the local model forced to call ``lookup_price``, and the real tool's result."""
    print("Step 1 live on the local model (SmolLM2-135M-Instruct), lookup_price forced by tool_choice ...")
    with LocalServer() as server:
        print(f"  listening at {server.base_url}")
        chat = ChatLocal(model="smollm2-135m-instruct", base_url=server.base_url, temperature=0, max_tokens=60)
        forced = chat.bind_tools([lookup_price, multiply], tool_choice="lookup_price")
        message = forced.invoke([("system", LOCAL_SYSTEM), ("user", QUESTION)])
        for call in message.tool_calls:
            print(f"  model calls {call['name']}({json.dumps(call['args'])})")
            print(f"  lookup_price -> {lookup_price.invoke(call['args'])}")
        for bad in message.invalid_tool_calls:  # the grammar forces the call, max_tokens may cut its JSON
            print(f"  model calls {bad['name']} with arguments that are not valid JSON: {bad['args']!r}")
    print("Local server stopped.\n")


def main() -> None:
    if os.environ.get("NOVITA_API_KEY"):
        print(f"Live on Novita: {MODEL} (NOVITA_API_KEY is set).\n")
        run_agent(novita())
        return
    print(
        "No NOVITA_API_KEY: the first step runs live on the local model, then the whole agent is REPLAYED\n"
        "from a synthesized cassette (the 135M local model cannot plan several tool calls).\n"
    )
    first_step_on_local_model()
    print(f"The whole agent, REPLAYED from {CASSETTE.relative_to(Path(__file__).parent)}")
    print(f"(Novita, {MODEL}; synthesized from Novita's documented wire format, not a live call):")
    with replayed(CASSETTE):
        run_agent(novita(api_key=REPLAY_KEY))


if __name__ == "__main__":
    main()
