"""Offline token counts: an estimate from the text alone, with no tokenizer and no network.

No tokenizer ships for the Baichuan, NIM and Novita models, so a count before sending (to trim a
history to a budget, to check a prompt fits the context window) is estimated from the text:

* a run of letters (Latin, Greek, Cyrillic, ...) is one token per 7 characters, rounded up
  (common words are one token; long or rare words several);
* each digit is one token (Qwen and SmolLM2 split numbers into digits; Llama 3 groups up to
  three, so numbers are over-counted there);
* each CJK character (Han, kana, Hangul, full-width forms) is one token: Baichuan and Qwen,
  which serve Chinese, have the common characters as tokens and merge frequent words too, so
  Chinese is counted on the high side (not measured);
* a run of punctuation is one token per 3 characters, rounded up (``{"``, ``":``, ``"},``
  are one token each in JSON); each newline is one token; other whitespace is free.

A chat-completions message list adds :data:`MESSAGE_TOKENS` per message (the role and the chat
template's markers), :data:`REPLY_TOKENS` once (the start of the prompt and the assistant header
it ends with), the text of content parts, tool calls' names and arguments, and
:data:`IMAGE_TOKENS` per image part.

How close it is, against SmolLM2-135M-Instruct's tokenizer (llama.cpp) and its server's
``prompt_tokens`` on the cookbook's documents (``bench/token_estimate.py``), as mean absolute
relative error (worst case): 5.1% (6.0%) per document of 144-194 tokens, 5.0% (5.7%) per
paragraph, 8.3% (25%) per line of 7-42 tokens, 17% (30%) per heading of 4-10 tokens, 7.6% (11%)
per JSON tool schema, 4.0% (4.8%) per message list of 177-1,164 prompt tokens. Other models'
tokenizers differ from SmolLM2's, so expect more error with them and keep a margin when filling a
context window. Chinese text is not measured (SmolLM2's vocabulary has almost no Chinese). About
50 µs per 1,000 characters.

>>> estimate_tokens("Baichuan serves 百川大模型 in 2048 tokens.")
15
>>> estimate_message_tokens([{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi!"}])
19
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "IMAGE_TOKENS",
    "MESSAGE_TOKENS",
    "REPLY_TOKENS",
    "TOOL_CALL_TOKENS",
    "estimate_message_tokens",
    "estimate_tokens",
    "estimate_tools_tokens",
]

MESSAGE_TOKENS = 5
"""Each message's role and template markers (ChatML's ``<|im_start|>role\\n`` ... ``<|im_end|>\\n``;
Llama 3's headers cost the same)."""
REPLY_TOKENS = 4
"""Once per non-empty list: the start of the prompt and the assistant header the prompt ends with."""
TOOL_CALL_TOKENS = 3
"""Each tool call's markers, besides its name and arguments (not measured: the local model's template
leaves tool calls out)."""
IMAGE_TOKENS = 256
"""A flat placeholder per image part, not measured: vision models count by resolution (one token per
28x28 pixels for Qwen2-VL, so 256 for a 448x448 image), and no catalog provider documents its count."""

# CJK radicals to unified ideographs (kana, bopomofo, CJK symbols included), Hangul, compatibility
# ideographs, full-width forms.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
#: One match per token: a CJK character; up to 7 letters of any other script (a run of n letters
#: is ceil(n / 7) matches); up to 3 punctuation characters; a digit; a newline.
_TOKEN = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]{{1,7}}|(?:[^\w\s]|_){{1,3}}|[\d\n]")


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is, by the rules in this module's docstring (one regex pass).

    >>> estimate_tokens(""), estimate_tokens("Hello, world!"), estimate_tokens("世界第一高峰")
    (0, 4, 6)
    """
    return len(_TOKEN.findall(text))


def estimate_message_tokens(
    messages: Iterable[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    *,
    count: Callable[[str], int] = estimate_tokens,
) -> int:
    """About how many prompt tokens a chat-completions message list (and its ``tools``) is.

    Counts each message's content (a string, or the text of its ``text`` parts and
    :data:`IMAGE_TOKENS` per image part; other parts are not counted), its ``name``, its tool calls'
    names and arguments, plus :data:`MESSAGE_TOKENS` per message and :data:`REPLY_TOKENS` once.
    An empty list is 0. ``count`` counts each text (a real tokenizer's count, where there is one).

    >>> calls = [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]
    >>> estimate_message_tokens([{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": calls}])
    26
    """
    total = 0
    for message in messages:
        total += MESSAGE_TOKENS + _content_tokens(message.get("content"), count)
        name = message.get("name")
        if isinstance(name, str) and name:
            total += 1 + count(name)
        for call in message.get("tool_calls") or ():
            function = (call.get("function") if isinstance(call, Mapping) else None) or {}
            arguments = function.get("arguments")
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, ensure_ascii=False)
            total += TOOL_CALL_TOKENS + count(str(function.get("name") or "")) + count(arguments)
    if total:
        total += REPLY_TOKENS
    return total + (estimate_tools_tokens(tools, count=count) if tools else 0)


def estimate_tools_tokens(tools: Sequence[Mapping[str, Any]], *, count: Callable[[str], int] = estimate_tokens) -> int:
    """About how many tokens chat-completions tool schemas are: the JSON text of each.

    Templates that wrap the schemas in tool-use instructions spend more than this.

    >>> estimate_tools_tokens([{"type": "function", "function": {"name": "weather", "parameters": {}}}])
    23
    """
    return sum(count(json.dumps(tool, ensure_ascii=False)) for tool in tools)


def _content_tokens(content: Any, count: Callable[[str], int]) -> int:
    if isinstance(content, str):
        return count(content)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if isinstance(part, str):
            total += count(part)
        elif isinstance(part, Mapping):
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("text"), str):
                total += count(part["text"])
            elif kind in ("image_url", "input_image", "image"):
                total += IMAGE_TOKENS
    return total
