"""Cost tracking: tokens and estimated cost of a whole run, per provider and per model.

Shows ``langchain_hostedllm.track_usage()`` (a callback handler riding along with every LangChain
call in the block, like ``get_openai_callback``) over a chain invoked, batched and streamed, and
``llama_index.llms.hostedllm.track_usage()`` (an instrumentation event handler) over LlamaIndex
calls; each prints its totals per provider and model, then what the same tokens would cost at
other catalog prices. Costs are estimates from the catalog's prices (the local model is free; a
model without a published price is counted as unpriced); a stream without usage (llama.cpp's)
is counted as such, not guessed. Runs on the local model (started here) unless a provider key is
set; see ``MODEL``. Nothing is replayed.

    python cookbook/cost_tracking.py
"""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from quickstart import connect

from hostedllm.catalog import default_catalog, estimate_cost
from langchain_hostedllm import track_usage
from llama_index.llms.hostedllm import track_usage as track_llama_index_usage

MODEL = "auto"  # or a catalog model such as "novita:qwen/qwen-2.5-72b-instruct" (see quickstart.py)
COMPARE = ["novita:meta-llama/llama-3.3-70b-instruct", "novita:deepseek/deepseek-r1-0528", "baichuan:Baichuan4-Turbo"]
QUESTIONS = ["What is the capital of Italy?", "What is the largest ocean?", "Who wrote Hamlet?"]


def main() -> None:
    with connect(MODEL) as connection:
        chat = connection.chat(temperature=0, max_tokens=40)
        prompt = ChatPromptTemplate.from_messages([("system", "Answer in one sentence."), ("user", "{question}")])
        chain = prompt | chat | StrOutputParser()

        print("1. LangChain: `with track_usage() as usage:` around a chain invoked, batched and streamed")
        with track_usage() as usage:  # or config={"callbacks": [UsageTracker()]} on each call
            chain.invoke({"question": "What is the capital of France?"})
            chain.batch([{"question": question} for question in QUESTIONS], config={"max_concurrency": 3})
            list(chain.stream({"question": "Why is the sea salty?"}))  # counted when the stream ends
        print(indent(usage.report()))

        print("\n2. LlamaIndex: `with track_usage() as usage:` around complete, chat and a stream")
        llm = connection.llm(temperature=0, max_tokens=40)
        with track_llama_index_usage() as llama_usage:
            llm.complete("Name a primary colour.")
            llm.chat([ChatMessage(role=MessageRole.USER, content="Say hello in French.")])
            list(llm.stream_complete("Count to three."))
        print(indent(llama_usage.report()))

        if usage.total.calls_without_usage or llama_usage.total.calls_without_usage:
            print("   (a call 'without usage' is a stream from a server that reports none, like llama.cpp's)")

        tokens_in = usage.total.input_tokens + llama_usage.total.input_tokens
        tokens_out = usage.total.output_tokens + llama_usage.total.output_tokens
        print(f"\n3. The same {tokens_in} input + {tokens_out} output tokens at other catalog prices:")
        for key in COMPARE:
            cost = estimate_cost(
                default_catalog().get(key),
                {"prompt_tokens": tokens_in, "completion_tokens": tokens_out},
            )
            print(f"   {key:<42} " + (f"~{cost.total:.6f} {cost.currency}" if cost else "no published price"))


def indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())


if __name__ == "__main__":
    main()
