"""A LlamaIndex ``FunctionAgent`` with two tools: what would 2 million output tokens of a model cost?

The agent gets ``lookup_price`` (the price from our model catalog) and ``multiply``; the model
looks the price up, multiplies, and answers. The script prints every tool call as it happens.

REPLAYED BY DEFAULT. The embedded 135M model cannot plan several tool calls, so with no key the
agent runs against ``cassettes/agent_llamaindex.yaml``: Novita traffic for exactly this run
(qwen/qwen-2.5-72b-instruct, streamed as ``FunctionAgent`` asks), SYNTHESIZED, not recorded. The
requests are the ones our ``Novita`` LLM sends; the answers are scripted in Novita's documented
wire format by ``cassettes/write_cassettes.py`` (see ``cassettes/README.md``). vcrpy replays it
with ``record_mode="none"``: no network, and a request that differs from the recorded one fails.
Before that, the agent's first step runs live on the local model (SmolLM2-135M-Instruct on
llama.cpp, through ``Local``): a single tool call, forced by naming ``lookup_price`` in ``tool_choice``.

With ``NOVITA_API_KEY`` set, the whole agent runs live on Novita instead (no local model, no cassette).

    python cookbook/agent_llamaindex.py
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from _replay import REPLAY_KEY, replayed
from llama_index.core.agent.workflow import FunctionAgent, ToolCall, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.tools import FunctionTool
from llama_index.llms import hostedllm as li

from hostedllm.catalog import default_catalog
from hostedllm.errors import RequestValidationError
from hostedllm.local import LocalServer

MODEL = "qwen/qwen-2.5-72b-instruct"  # on Novita, live and in the cassette
QUESTION = "What would 2 million output tokens of deepseek/deepseek-r1-0528 cost?"
SYSTEM = "Use lookup_price for a model's price per 1 million tokens and multiply for arithmetic."
LOCAL_SYSTEM = "Call lookup_price with the model id named in the question."  # a 135M model needs the hint
CASSETTE = Path(__file__).parent / "cassettes" / "agent_llamaindex.yaml"


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


def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


TOOLS = [FunctionTool.from_defaults(fn=lookup_price), FunctionTool.from_defaults(fn=multiply)]


def novita(**kwargs: Any) -> li.Novita:
    """The agent's model on Novita: live with the key, replayed, or (``cassettes/write_cassettes.py``) scripted."""
    return li.Novita(model=MODEL, temperature=0, **kwargs)


async def run_agent(llm: li.BaseHostedLLM) -> str:
    """Run a ``FunctionAgent`` on ``QUESTION``, printing each tool call; its answer."""
    print(f"Q: {QUESTION}")
    agent = FunctionAgent(tools=TOOLS, llm=llm, system_prompt=SYSTEM)
    handler = agent.run(user_msg=QUESTION)
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            print(f"  {event.tool_name} -> {event.tool_output.content}")
        elif isinstance(event, ToolCall):
            print(f"  model calls {event.tool_name}({json.dumps(event.tool_kwargs)})")
    answer = str(await handler).strip()
    print(f"Answer: {answer}")
    return answer


def first_step_on_local_model() -> None:
    """The first step, live: the local model forced to call ``lookup_price``, and the real tool's result."""
    print("Step 1 live on the local model (SmolLM2-135M-Instruct), lookup_price forced by tool_choice ...")
    with LocalServer() as server:
        print(f"  listening at {server.base_url}")
        llm = li.Local(model="smollm2-135m-instruct", api_base=server.base_url, temperature=0, max_tokens=60)
        forced = {"type": "function", "function": {"name": "lookup_price"}}
        hint = [ChatMessage(role=MessageRole.SYSTEM, content=LOCAL_SYSTEM)]
        response = llm.chat_with_tools(TOOLS, user_msg=QUESTION, chat_history=hint, tool_choice=forced)
        for call in llm.get_tool_calls_from_response(response, error_on_no_tool_call=False):
            print(f"  model calls {call.tool_name}({json.dumps(call.tool_kwargs)})")
            print(f"  lookup_price -> {lookup_price(**call.tool_kwargs)}")
    print("Local server stopped.\n")


def main() -> None:
    if os.environ.get("NOVITA_API_KEY"):
        print(f"Live on Novita: {MODEL} (NOVITA_API_KEY is set).\n")
        asyncio.run(run_agent(novita()))
        return
    print(
        "No NOVITA_API_KEY: the first step runs live on the local model, then the whole agent is REPLAYED\n"
        "from a synthesized cassette (the 135M local model cannot plan several tool calls).\n"
    )
    first_step_on_local_model()
    print(f"The whole agent, REPLAYED from {CASSETTE.relative_to(Path(__file__).parent)}")
    print(f"(Novita, {MODEL}; synthesized from Novita's documented wire format, not a live call):")
    with replayed(CASSETTE):
        asyncio.run(run_agent(novita(api_key=REPLAY_KEY)))


if __name__ == "__main__":
    main()
