"""Turn a stream's data payloads into normalised chat-completion chunks.

What it smooths over: ``finish_reason: ""`` in middle chunks (becomes ``None``), tool-call deltas
without ``index`` (an index is assigned), usage in the last content chunk, in a separate
``choices: []`` chunk or repeated on every chunk (it is held back and sent once, on a final
``choices: []`` chunk), a missing ``[DONE]`` after a ``finish_reason``, and an error object in
the middle of a stream (a typed error). A stream that ends with neither a ``finish_reason`` nor
``[DONE]`` was cut off: :meth:`ChunkStream.close` raises :class:`StreamInterruptedError`. A server
that ignores ``stream: true`` and sends one whole completion is read as a single chunk (its
``message`` as the delta). Events of the wrong shape raise :class:`MalformedResponseError`: a choice,
delta or tool call that is not an object, content that is not text, a tool call's ``id``, ``name``
or ``arguments`` that is not text, a ``finish_reason`` that is not text, ``logprobs`` not as chat
completions has them, and a stream that ends without a single choice. ``usage`` of the wrong shape
is "not reported" (:func:`hostedllm.tokens.checked_usage`), as in a whole answer.
"""

from __future__ import annotations

import json
from typing import Any, cast

from hostedllm.errors import MalformedResponseError, StreamInterruptedError
from hostedllm.provider_errors import error_from_payload, redact
from hostedllm.providers import ProviderSpec
from hostedllm.reasoning import DeltaReasoning
from hostedllm.responses import logprobs_problem
from hostedllm.tokens import checked_usage
from hostedllm.wire_types import ChatCompletionChunk, Usage

DONE = "[DONE]"
_MAX_INDEX = 10_000  # choices or tool calls in one answer; beyond this an index is garbage


class ChunkStream:
    """State for one stream: feed payloads in order, then call :meth:`close`.

    >>> from hostedllm.providers import get_provider
    >>> stream = ChunkStream(get_provider("baichuan"))
    >>> chunk = stream.feed('{"id":"1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":""}]}')
    >>> chunk["choices"][0]["finish_reason"] is None
    True
    """

    def __init__(self, spec: ProviderSpec, *, model: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        self._spec = spec
        self._model = model
        self._secrets = secrets
        self.done = False
        self.finished = False
        self.usage: Usage | None = None
        self.chosen = False  # a choice came: an answer, however short
        self._last: dict[str, Any] = {}
        self._tool_slots: dict[int, int] = {}
        self._tool_ids: dict[tuple[int, int], str] = {}
        self._tool_names: dict[tuple[int, int], str] = {}
        self.answered = False  # text outside the reasoning, or a tool call, has come
        self._reasoned = False
        self._split = DeltaReasoning()  # the one reading of reasoning, field or <think> tags
        self._cut_short = False  # a finish_reason "length"

    def feed(self, payload: str) -> ChatCompletionChunk | None:
        """The chunk in ``payload``, or ``None`` if it carries nothing to hand on."""
        text = payload.strip()
        if text == DONE:
            self.done = True
            return None
        if self.done:
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter allows
            raise self._malformed(f"a stream event is not valid JSON: {self._snippet(text)}") from None
        if not isinstance(data, dict):
            raise self._malformed(f"a stream event is not a JSON object: {self._snippet(text)}")
        if "error" in data or ("choices" not in data and ("detail" in data or "reason" in data)):
            raise error_from_payload(self._spec, data, model=self._model, secrets=self._secrets)
        usage = data.pop("usage", None)
        if usage:
            usage = checked_usage(usage)  # of the wrong shape: not reported
            if usage:
                self.usage = usage
        choices = data.get("choices")
        if not isinstance(choices, list):
            raise self._malformed("a stream event has no 'choices' list")
        if "id" in data:
            self._last = data  # its id, created, model and fingerprint go on the usage chunk
        if not choices:
            return None
        for choice in choices:
            self._normalise_choice(choice)
        self.chosen = True
        return cast(ChatCompletionChunk, data)

    def close(self) -> ChatCompletionChunk | None:
        """Check the stream ended properly; return the usage chunk if the provider sent usage."""
        if not (self.done or self.finished):
            raise StreamInterruptedError(
                "the stream ended before the provider finished (no finish_reason and no [DONE]); "
                "the answer is incomplete",
                provider=self._spec.name,
                hint="The connection was probably cut; retry the request.",
            )
        if not self.chosen:
            raise self._malformed("the stream ended without a single choice (no answer in it)")
        if self.usage is None:
            return None
        chunk: dict[str, Any] = {
            key: self._last[key] for key in ("id", "created", "model", "system_fingerprint") if key in self._last
        }
        chunk.update(object="chat.completion.chunk", choices=[], usage=self.usage)
        return cast(ChatCompletionChunk, chunk)

    def _normalise_choice(self, choice: Any) -> None:
        if not isinstance(choice, dict):
            raise self._malformed(f"a stream choice is not an object: {self._snippet(json.dumps(choice))}")
        choice_index = choice.get("index")
        if type(choice_index) is not int or not 0 <= choice_index < _MAX_INDEX:  # the common case checked inline
            choice_index = self._index(choice_index, "choice")
        finish = choice.get("finish_reason")
        if finish == "":
            choice["finish_reason"] = None
        elif finish is not None:
            if type(finish) is not str:
                raise self._malformed(f"a stream choice's finish_reason is not text: {self._dump(finish)}")
            self.finished = True
        delta = choice.get("delta")
        if type(delta) is not dict:  # json.loads makes dicts, never subclasses
            delta = self._whole_message(choice, delta)
        content = delta.get("content")
        if content is not None and type(content) is not str:
            raise self._malformed(f"a stream delta's content is not text: {self._dump(content)}")
        calls = delta.get("tool_calls")
        if calls is not None:
            self._normalise_calls(choice_index, calls)
        if not self.answered and choice_index == 0:  # cheap once an answer has started
            self._watch_answer(delta, calls, finish)
        logprobs = choice.get("logprobs")
        if logprobs is not None:
            problem = logprobs_problem(logprobs)
            if problem is not None:
                raise self._malformed(f"a stream choice's {problem.describe(self._secrets)}")

    @property
    def thought_without_answer(self) -> bool:
        """Whether the stream stopped at ``length`` after reasoning, with no answer text and no tool call."""
        return self._cut_short and self._reasoned and not self.answered

    def _watch_answer(self, delta: dict[str, Any], calls: Any, finish: Any) -> None:
        """Note reasoning, an answer (text past the reasoning, or a tool call) and a ``length`` finish."""
        reasoning, text = self._split.feed(delta, finished=finish is not None)
        if reasoning:
            self._reasoned = True
        if calls or text.strip():
            self.answered = True
        if finish == "length":
            self._cut_short = True

    def _whole_message(self, choice: dict[str, Any], delta: Any) -> dict[str, Any]:
        """The delta of a choice without a ``delta`` object: a whole completion's ``message``, or nothing."""
        if delta is not None:
            raise self._malformed(f"a stream choice's delta is not an object: {self._dump(delta)}")
        message = choice.get("message")
        if type(message) is dict:  # a whole completion, not a stream
            choice["delta"] = choice.pop("message")
        elif message is None:
            choice["delta"] = {}
        else:
            raise self._malformed(f"a stream choice's message is not an object: {self._dump(message)}")
        return cast(dict[str, Any], choice["delta"])

    def _normalise_calls(self, choice_index: int, calls: Any) -> None:
        if not isinstance(calls, list):
            raise self._malformed(f"a stream delta's tool_calls is not a list: {self._dump(calls)}")
        for call in calls:
            if not isinstance(call, dict) or not isinstance(call.get("function", {}), dict):
                raise self._malformed(
                    f"a streamed tool call is not an object with a 'function' object: {self._dump(call)}"
                )
            self._check_texts(call)
            if call.get("index") is None:
                slot = self._tool_slots.get(choice_index, -1)
                if (call.get("id") and call["id"] != self._tool_ids.get((choice_index, slot))) or slot < 0:
                    slot += 1
                call["index"] = slot
            self._tool_slots[choice_index] = self._index(call["index"], "tool call")
            self._drop_repeats(choice_index, call)

    def _check_texts(self, call: dict[str, Any]) -> None:
        """A piece's ``id``, ``name`` and ``arguments`` are text when present (they are concatenated)."""
        call_id, function = call.get("id"), call.get("function") or {}
        if call_id is not None and type(call_id) is not str:
            raise self._malformed(f"a streamed tool call's id is not text: {self._dump(call_id)}")
        for key in ("name", "arguments"):
            value = function.get(key)
            if value is not None and type(value) is not str:
                raise self._malformed(f"a streamed tool call's function.{key} is not text: {self._dump(value)}")

    def _index(self, value: Any, what: str) -> int:
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_INDEX:
            return value
        raise self._malformed(f"a stream {what} has index {self._snippet(json.dumps(value))}, not a small integer")

    def _snippet(self, text: str) -> str:
        return repr(redact(text, self._secrets)[:80])

    def _dump(self, value: Any) -> str:
        return self._snippet(json.dumps(value, ensure_ascii=False))

    def _drop_repeats(self, choice_index: int, call: dict[str, Any]) -> None:
        """Some servers (llama.cpp) repeat the id and name in every delta: keep only the first."""
        slot = (choice_index, int(call["index"]))
        if call.get("id"):
            if self._tool_ids.get(slot) == call["id"]:
                del call["id"]
            else:
                self._tool_ids[slot] = call["id"]
        function = call.get("function")
        if not isinstance(function, dict) or not function.get("name"):
            return
        if self._tool_names.get(slot) == function["name"]:
            del function["name"]
        else:
            self._tool_names[slot] = function["name"]

    def _malformed(self, message: str) -> MalformedResponseError:
        return MalformedResponseError(
            message, provider=self._spec.name, hint="The provider sent a broken stream; retry the request."
        )
