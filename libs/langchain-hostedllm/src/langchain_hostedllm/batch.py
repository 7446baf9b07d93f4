"""A LangChain runnable built on our classes as a batch job's work (``hostedllm.batch``).

``runnable_work(chain)`` runs ``chain.ainvoke(input)`` for each row, with a
:class:`~langchain_hostedllm.UsageTracker` on the call, so the row's result carries the tokens and the
estimated cost of every model call the chain made. Give it to ``run_job`` (one process) or, built in
each worker, to ``run_on_ray``.

>>> from hostedllm.batch.runner import run_job  # doctest: +SKIP
>>> chain = prompt | ChatNovita(model="deepseek/deepseek-v3.1", rate_limit=limit) | StrOutputParser()  # doctest: +SKIP
>>> run_job(read_rows("questions.jsonl"), runnable_work(chain), "answers/")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from hostedllm.batch.runner import Outcome, Work
from hostedllm.tokens import Tokens
from langchain_hostedllm.callbacks import UsageTracker


def runnable_work(runnable: Runnable[Any, Any]) -> Work:
    """Each row's input through ``runnable``; the output (a message's text, a model's fields, or as
    returned), with the tokens and cost of the model calls it made."""

    async def work(given: Any) -> Outcome:
        tracker = UsageTracker()
        output = await runnable.ainvoke(given, config={"callbacks": [tracker]})
        totals = tracker.total
        counted = totals.calls > totals.calls_without_usage
        tokens = Tokens(totals.input_tokens, totals.output_tokens, totals.total_tokens) if counted else None
        [(currency, cost)] = totals.cost.items() if len(totals.cost) == 1 else [(None, None)]
        return Outcome(_plain(output), tokens, cost, currency)

    return work


def _plain(output: Any) -> Any:
    if isinstance(output, BaseMessage):
        return output.text
    if isinstance(output, BaseModel):
        return output.model_dump(mode="json")
    return output
