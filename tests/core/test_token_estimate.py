"""The offline token estimate (hostedllm.token_estimate): its rules, message lists, tools; framework-free."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hostedllm.token_estimate import (
    IMAGE_TOKENS,
    MESSAGE_TOKENS,
    REPLY_TOKENS,
    TOOL_CALL_TOKENS,
    estimate_message_tokens,
    estimate_tokens,
    estimate_tools_tokens,
)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class TestText:
    @pytest.mark.parametrize(
        ("text", "tokens"),
        [
            ("", 0),
            ("   \t  ", 0),  # spaces and tabs are free
            ("the", 1),
            ("seven77", 3),  # a 5-letter word and two digits
            ("antidisestablishmentarianism", 4),  # 28 letters: one token per 7, rounded up
            ("abcdefgh", 2),  # 8 letters
            ("2048", 4),  # one token per digit
            ("a, b.", 4),
            ('{"', 1),  # up to 3 punctuation characters per token
            ('"},\n', 2),  # a punctuation run and the newline
            ("\n\n", 2),
            ("top_k", 3),  # the underscore is punctuation
            ("café crème", 2),  # accented letters are letters
            ("Привет мир", 2),  # Cyrillic words are letters too
        ],
    )
    def test_rules(self, text: str, tokens: int) -> None:
        assert estimate_tokens(text) == tokens

    def test_cjk_characters_are_one_token_each(self) -> None:
        assert estimate_tokens("世界第一高峰是珠穆朗玛峰") == 12
        assert estimate_tokens("こんにちは") == 5
        assert estimate_tokens("안녕하세요") == 5
        assert estimate_tokens("世界，你好！") == 6  # full-width punctuation too

    def test_cjk_next_to_latin_is_not_one_long_word(self) -> None:
        assert estimate_tokens("Baichuan百川大模型") == 2 + 5
        assert estimate_tokens("百川Baichuan") == 2 + 2

    def test_grows_with_the_text(self) -> None:
        sentence = "The catalog says what every model can do, and what it costs. "
        counts = [estimate_tokens(sentence * n) for n in range(1, 6)]
        assert counts == [counts[0] * n for n in range(1, 6)]
        assert counts[0] > 10


class TestMessages:
    def test_empty_list_is_zero(self) -> None:
        assert estimate_message_tokens([]) == 0

    def test_overhead_per_message_and_once_for_the_reply(self) -> None:
        one = estimate_message_tokens([{"role": "user", "content": "Hi there"}])
        assert one == MESSAGE_TOKENS + 2 + REPLY_TOKENS
        two = estimate_message_tokens(
            [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi there"}]
        )
        assert two == one + MESSAGE_TOKENS + estimate_tokens("Be terse.")

    def test_content_parts_count_their_text_and_images_a_flat_amount(self) -> None:
        parts: list[dict[str, Any]] = [
            {"type": "text", "text": "What is in"},
            {"type": "text", "text": " this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 5000}},
        ]
        counted = estimate_message_tokens([{"role": "user", "content": parts}])
        text = estimate_tokens("What is in") + estimate_tokens(" this picture?")
        assert counted == MESSAGE_TOKENS + text + IMAGE_TOKENS + REPLY_TOKENS  # the data URL is not read as text

    def test_tool_calls_count_name_and_arguments(self) -> None:
        arguments = '{"city": "Paris", "unit": "celsius"}'
        call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
        with_call = estimate_message_tokens([{"role": "assistant", "content": None, "tool_calls": [call]}])
        empty = estimate_message_tokens([{"role": "assistant", "content": None}])
        assert with_call - empty == TOOL_CALL_TOKENS + estimate_tokens("get_weather") + estimate_tokens(arguments)

    def test_tool_call_arguments_given_as_a_dict_count_as_their_json(self) -> None:
        as_dict = {"function": {"name": "f", "arguments": {"city": "巴黎"}}}
        as_text = {"function": {"name": "f", "arguments": '{"city": "巴黎"}'}}  # ensure_ascii=False: no escapes
        assert estimate_message_tokens([{"role": "assistant", "tool_calls": [as_dict]}]) == estimate_message_tokens(
            [{"role": "assistant", "tool_calls": [as_text]}]
        )

    def test_name_and_tool_results(self) -> None:
        plain = estimate_message_tokens([{"role": "user", "content": "ok"}])
        assert estimate_message_tokens([{"role": "user", "content": "ok", "name": "alice"}]) == plain + 2
        result = estimate_message_tokens([{"role": "tool", "content": "sunny", "tool_call_id": "call_1"}])
        assert result == plain  # the call id is not rendered by chat templates

    def test_tools_add_their_json_schema(self) -> None:
        messages = [{"role": "user", "content": "Weather in Paris?"}]
        without = estimate_message_tokens(messages)
        assert estimate_message_tokens(messages, [WEATHER_TOOL]) == without + estimate_tools_tokens([WEATHER_TOOL])
        assert estimate_tools_tokens([WEATHER_TOOL]) > 20
        assert estimate_tools_tokens([WEATHER_TOOL, WEATHER_TOOL]) == 2 * estimate_tools_tokens([WEATHER_TOOL])

    def test_a_real_tokenizer_can_count_instead(self) -> None:
        messages = [{"role": "system", "content": "a b c"}, {"role": "user", "content": "d e"}]
        by_chars = estimate_message_tokens(messages, [WEATHER_TOOL], count=len)
        schema_chars = len(json.dumps(WEATHER_TOOL))
        assert by_chars == 2 * MESSAGE_TOKENS + len("a b c") + len("d e") + REPLY_TOKENS + schema_chars
