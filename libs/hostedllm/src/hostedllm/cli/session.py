"""A ``hostedllm chat`` conversation: stream each answer as the core's accumulator reads it, keep
the history and the totals, and read prompts interactively.

>>> usage_line(Tokens(input=12, output=40), (0.0000213, "USD"))
'[12 in / 40 out tokens, ≈ $0.000021]'
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from hostedllm.cli.chat import COMMANDS_HELP
from hostedllm.cli.common import EXIT_INTERRUPTED, EXIT_OK, approx, dim, format_money, report
from hostedllm.tokens import Tokens
from hostedllm.usage import UsageTotals, call_totals

if TYPE_CHECKING:
    from hostedllm.client import ChatClient
    from hostedllm.providers import ProviderSpec

PROMPT = "> "


@dataclass
class Answer:
    """One streamed answer: its text, the tokens the provider reported, and why it stopped."""

    text: str = ""
    tokens: Tokens | None = None
    finish_reason: str | None = None


@dataclass
class Session:
    """A conversation with one client: the history, the totals, and how answers are shown."""

    client: ChatClient
    params: Mapping[str, Any]
    system: str | None
    out: TextIO
    err: TextIO
    debug: bool = False
    history: list[dict[str, str]] = field(default_factory=list)
    totals: UsageTotals = field(default_factory=UsageTotals)
    last: Answer = field(default_factory=Answer)

    def ask(self, prompt: str) -> Answer:
        """Stream the answer to ``prompt`` to ``out`` (the reasoning is not shown); on success both
        join the history."""
        from hostedllm.cli.spinner import Spinner
        from hostedllm.streaming import StreamAccumulator

        turn = {"role": "user", "content": prompt}
        system = [{"role": "system", "content": self.system}] if self.system else []
        request = self.client.build_request([*system, *self.history, turn], params=self.params, stream=True)
        stream = StreamAccumulator()
        shown = ""
        spinner = Spinner(f"waiting for {self.client.model.id}", stream=self.err).start()
        chunks = self.client.stream(request)
        try:
            for chunk in chunks:
                delta = stream.feed(chunk)
                if delta.reasoning and not shown:
                    spinner.text = f"{self.client.model.id} is thinking"
                text = delta.text if shown else delta.text.lstrip()
                if text:
                    spinner.stop()
                    self.out.write(text)
                    self.out.flush()
                    shown += text
        except BaseException:
            spinner.stop()
            if shown:
                self.out.write("\n")
                self.out.flush()
            raise
        finally:
            spinner.stop()
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if shown and not shown.endswith("\n"):
            self.out.write("\n")
            self.out.flush()
        answer = Answer(shown, stream.tokens, stream.finish_reason)
        self.history += [turn, {"role": "assistant", "content": answer.text}]
        self.totals.add(call_totals(self.client.spec.name, self.client.model.id, answer.tokens))
        self.last = answer
        return answer

    def usage_text(self, answer: Answer) -> str:
        """The usage line for one answer, from the catalog price (``estimate_cost``)."""
        text = usage_line(answer.tokens, self._cost(answer.tokens))
        if answer.finish_reason == "length":
            text = text[:-1] + "; cut off at the token limit, raise --max-tokens]"
        elif not answer.text:
            text = text[:-1] + "; the model returned no text]"
        return text.replace("≈", approx(self.err))

    def total_text(self) -> str:
        totals = self.totals
        tokens = None
        if not totals.calls_without_usage:
            tokens = Tokens(input=totals.input_tokens, output=totals.output_tokens)
        turns = f"{totals.calls} answer" + ("" if totals.calls == 1 else "s")
        text = usage_line(tokens, self._cost(tokens)).replace("[", f"[session: {turns}, ", 1)
        return text.replace("≈", approx(self.err))

    def _cost(self, tokens: Tokens | None) -> tuple[float, str] | None:
        price = self.client.model.price
        free = price is not None and price.input == 0 and price.output == 0
        if tokens is None and not free:
            return None  # the tokens are unknown, so is the cost
        cost = self.client.estimate_cost(tokens)
        return None if cost is None else (cost.total, cost.currency)

    def interact(self, where: str) -> int:
        """Read prompts after ``> `` until /exit, /quit, Ctrl-D or Ctrl-C; answer each in turn."""
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - line editing and history for input()
        model = self.client.model
        self.err.write(dim(f"Chatting with {model.id} on {model.provider} ({where}).\n{COMMANDS_HELP}.\n", self.err))
        self.err.flush()
        code = EXIT_OK
        while True:
            try:
                line = input(PROMPT)
            except EOFError:
                self.out.write("\n")
                break
            except KeyboardInterrupt:
                self.out.write("\n")
                code = EXIT_INTERRUPTED
                break
            command = line.strip()
            if not command:
                continue
            if command in ("/exit", "/quit"):
                break
            if command == "/reset":
                self.history.clear()
                self.err.write(dim("(history cleared)\n", self.err))
                continue
            if command in ("/help", "/?"):
                self.err.write(dim(f"{COMMANDS_HELP}.\n", self.err))
                continue
            if command.startswith("/") and " " not in command:
                self.err.write(dim(f"unknown command {command}; {COMMANDS_HELP}.\n", self.err))
                continue
            self._turn(line)
        self.out.flush()
        if self.totals.calls > 1:
            self.err.write(dim(self.total_text(), self.err) + "\n")
        self.err.flush()
        return code

    def _turn(self, prompt: str) -> None:
        from hostedllm.errors import ContextLengthExceededError, HostedLLMError

        try:
            answer = self.ask(prompt)
        except KeyboardInterrupt:
            self.err.write(dim("[answer stopped; it is not kept in the history]\n", self.err))
            return
        except HostedLLMError as error:
            report(error, debug=self.debug, stream=self.err)
            hint = unreachable_hint(error, self.client.spec)
            if hint is not None:
                self.err.write(dim(hint + "\n", self.err))
            if isinstance(error, ContextLengthExceededError):
                note = "The conversation no longer fits the model's context: /reset starts afresh.\n"
                self.err.write(dim(note, self.err))
            return
        self.err.write(dim(self.usage_text(answer), self.err) + "\n")
        self.err.flush()


def usage_line(tokens: Tokens | None, cost: tuple[float, str] | None) -> str:
    """``[12 in / 40 out tokens, ≈ $0.000021]``; the server may not report usage (or a count: ``?``),
    the catalog may have no price.

    >>> usage_line(None, None)
    '[usage not reported by the server, cost unknown]'
    """
    if tokens is None:
        counts = "usage not reported by the server"
    else:
        counts = f"{_count(tokens.input)} in / {_count(tokens.output)} out tokens"
    money = "cost unknown" if cost is None else f"≈ {format_money(*cost)}"
    return f"[{counts}, {money}]"


def _count(count: int | None) -> str:
    return "?" if count is None else f"{count:,}"


def unreachable_hint(error: BaseException, spec: ProviderSpec) -> str | None:
    """What to do when the provider's server does not answer, if its spec says (``None`` otherwise)."""
    from hostedllm.errors import APIConnectionError

    return spec.unreachable_hint if isinstance(error, APIConnectionError) else None
