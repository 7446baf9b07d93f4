"""A LlamaIndex LLM of ours as a batch job's work (``hostedllm.batch``).

``llm_work(llm)`` sends each row's input with ``llm.acomplete`` (a prompt) or ``llm.achat`` (a list of
``{"role", "content"}`` messages), with every field set on the LLM (temperature, thinking, rate limit...);
the row's result is the answer's text (without its thinking), with its tokens and estimated cost. Give it
to ``run_job`` (one process) or, built in each worker, to ``run_on_ray``.

>>> from hostedllm.batch.runner import run_job  # doctest: +SKIP
>>> llm = Novita(model="deepseek/deepseek-v3.1", temperature=0, rate_limit=limit)  # doctest: +SKIP
>>> run_job(read_rows("questions.jsonl"), llm_work(llm), "answers/")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from hostedllm.batch.runner import Outcome, Work, priced
from llama_index.llms.hostedllm.base import BaseHostedLLM
from llama_index.llms.hostedllm.usage import response_tokens


def llm_work(llm: BaseHostedLLM) -> Work:
    """Each row's input through ``llm``: a prompt is completed, a message list answered."""
    if not isinstance(llm, BaseHostedLLM):
        raise TypeError(f"llm_work takes one of hostedllm's LlamaIndex LLMs (Novita, NIM, ...), not {llm!r}")

    async def work(given: Any) -> Outcome:
        if isinstance(given, str):
            completed = await llm.acomplete(given)
            text, tokens = completed.text, response_tokens(completed)
        else:
            answered = await llm.achat([ChatMessage(role=turn["role"], content=turn["content"]) for turn in given])
            text, tokens = answered.message.content, response_tokens(answered)
        return priced(text, tokens, llm.client.estimate_cost(tokens))

    return work
