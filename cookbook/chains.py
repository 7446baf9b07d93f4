"""LCEL chains: prompt | model | parser, then a batch of 100 inputs, concurrent and rate-limited.

Shows one chain invoked once, then ``chain.batch`` over 100 inputs with
``config={"max_concurrency": 8}`` and an ``InMemoryRateLimiter`` as the model's ``rate_limiter``,
with a progress line on stderr drawn by a small callback handler (no extra dependency). Runs on
the local model (started here) unless a provider key is set; see ``MODEL``. Nothing is replayed.

    python cookbook/chains.py
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.rate_limiters import InMemoryRateLimiter
from quickstart import connect

MODEL = "auto"  # or a catalog model such as "novita:qwen/qwen-2.5-72b-instruct" (see quickstart.py)

TRAITS = ["brave", "sleepy", "tiny", "noisy", "clever", "grumpy", "fluffy", "shy", "fast", "old"]
ANIMALS = ["cat", "dog", "owl", "fox", "horse", "turtle", "rabbit", "parrot", "goat", "whale"]
#: Requests per second: the local server is ours; a provider's free tier may allow only ~1/s.
RATE = {"local": 20.0}
DEFAULT_RATE = 1.0


class Progress(BaseCallbackHandler):
    """A progress bar on stderr, advanced as each model call ends (batch threads included).

    Redrawn in place on a terminal; in a log, one line per tenth.
    """

    def __init__(self, total: int, width: int = 30) -> None:
        self.total, self.width, self.done = total, width, 0
        self.redraw = sys.stderr.isatty()
        self._lock = threading.Lock()

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self._advance()

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self._advance()

    def _advance(self) -> None:
        with self._lock:
            self.done += 1
            if not self.redraw and self.done % max(1, self.total // 10) and self.done != self.total:
                return
            filled = self.width * self.done // self.total
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}"
            last = self.done == self.total
            print(f"\r{bar}" if self.redraw else bar, end="\n" if last or not self.redraw else "", file=sys.stderr)


def main() -> None:
    with connect(MODEL) as connection:
        rate = RATE.get(connection.provider, DEFAULT_RATE)
        limiter = InMemoryRateLimiter(requests_per_second=rate, check_every_n_seconds=0.02, max_bucket_size=8)
        chat = connection.chat(temperature=0, max_tokens=10, rate_limiter=limiter)
        prompt = ChatPromptTemplate.from_messages(
            [("system", "You write short story titles."), ("user", "A title for a story about a {trait} {animal}:")]
        )
        chain = prompt | chat | StrOutputParser()

        print("1. One chain call, prompt | model | parser:")
        print(f"   a brave cat -> {chain.invoke({'trait': 'brave', 'animal': 'cat'}).strip()!r}")

        inputs = [{"trait": trait, "animal": animal} for trait in TRAITS for animal in ANIMALS]
        print(
            f"\n2. chain.batch over {len(inputs)} inputs, max_concurrency=8, rate limit {rate:g} requests/s:",
            flush=True,
        )
        start = time.monotonic()
        answers = chain.batch(inputs, config={"max_concurrency": 8, "callbacks": [Progress(len(inputs))]})
        seconds = time.monotonic() - start
        print(f"   {len(answers)} answers in {seconds:.1f} s ({len(answers) / seconds:.1f} per second)")
        for item, answer in list(zip(inputs, answers, strict=True))[::23]:  # a few, spread out
            print(f"   a {item['trait']} {item['animal']} -> {answer.strip()!r}")
        print(f"   non-empty answers: {sum(1 for answer in answers if answer.strip())}/{len(answers)}")


if __name__ == "__main__":
    main()
