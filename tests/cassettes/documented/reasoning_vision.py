"""The documented thinking and vision examples, as cassettes (``write_cassettes.py`` writes them).

Requests are the bodies our clients send for each example (the thinking knob each family documents,
``catalog/thinking.toml``; image parts in the providers' documented ``image_url`` form). Answers follow
the documented response shapes: reasoning in ``reasoning_content`` (NVIDIA's Kimi K2.6 and Qwen3.5
references, Novita's reasoning guide) or in ``<think>`` tags in the text (NVIDIA's Nemotron v1 reasoning
models, NIM reasoning-model docs); the texts and token counts are scripted.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from write_cassettes import NVCF, SSE, Answer, Cassette, compact, sse

QUESTION = "Which is larger, 9.11 or 9.9?"
REASONING = "Compare the tenths: 9.9 has 9 tenths, 9.11 has 1 tenth. So 9.9 is larger."
ANSWER = "9.9 is larger than 9.11."
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
WEATHER_QUESTION = "What is the weather in Paris?"
WEATHER_REASONING = "The user asks for the weather in Paris; I should call get_weather."
WEATHER_RESULT = "18 C, light rain"
WEATHER_ANSWER = "It is 18 C with light rain in Paris."
CALL = {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}


def tiny_png() -> bytes:
    """A 2x2 red PNG: the image every vision cassette sends inline."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


IMAGE_URL = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
WEB_IMAGE = "https://example.com/red-square.png"
DESCRIBE = "Describe this image in one sentence."
DESCRIPTION = "A small solid red square."


def completion(model: str, message: dict[str, Any], finish: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chat-5e6f7a8b",
        "object": "chat.completion",
        "created": 1767225600,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        "usage": usage,
    }


def chunks(model: str, deltas: list[dict[str, Any]], usage: dict[str, Any]) -> str:
    base = {"id": "chat-6f7a8b9c", "object": "chat.completion.chunk", "created": 1767225600, "model": model}
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    events += [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}]}
        for i, delta in enumerate(deltas)
    ]
    events.append({**base, "choices": [], "usage": usage})
    return sse(events)


def usage(prompt: int, completion_tokens: int, reasoning: int | None = None) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }
    if reasoning is not None:
        counts["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return counts


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def tool_conversation(reasoning_back: str) -> list[dict[str, Any]]:
    """The second request of a tool conversation: the first answer (its reasoning sent back) and the result."""
    return [
        *ask(WEATHER_QUESTION),
        {"role": "assistant", "content": "", "tool_calls": [CALL], "reasoning_content": reasoning_back},
        {"role": "tool", "content": WEATHER_RESULT, "tool_call_id": "call_0"},
    ]


def tool_cassette(provider: str, model: str, source: str, **knobs: Any) -> Cassette:
    first = completion(
        model,
        {"content": None, "reasoning_content": WEATHER_REASONING, "tool_calls": [CALL]},
        "tool_calls",
        usage(120, 40, 28),
    )
    second = completion(
        model,
        {"content": WEATHER_ANSWER, "reasoning_content": "The tool says 18 C, light rain."},
        "stop",
        usage(190, 30),
    )
    return Cassette(
        provider,
        "test_thinking_tool_conversation",
        source,
        [
            (
                {"model": model, "messages": ask(WEATHER_QUESTION), **knobs, "tools": [WEATHER_TOOL]},
                Answer(200, compact(first)),
            ),
            (
                {"model": model, "messages": tool_conversation(WEATHER_REASONING), **knobs, "tools": [WEATHER_TOOL]},
                Answer(200, compact(second)),
            ),
        ],
    )


# --- NVIDIA ------------------------------------------------------------------------------------------

KIMI = "moonshotai/kimi-k2.6"
QWEN = "qwen/qwen3.5-397b-a17b"
NEMOTRON = "nvidia/llama-3.3-nemotron-super-49b-v1"
NIM_VLM = "nvidia/llama-3.1-nemotron-nano-vl-8b-v1"

NIM_THINKING = [
    Cassette(
        "nim",
        "test_thinking_on_kimi",
        "NIM API reference moonshotai-kimi-k2-6-infer (chat_template_kwargs.thinking; the answer's "
        "reasoning_content); the output budget of catalog/thinking.toml; texts scripted",
        [
            (
                {
                    "model": KIMI,
                    "messages": ask(QUESTION),
                    "max_tokens": 16384,
                    "chat_template_kwargs": {"thinking": True},
                },
                Answer(
                    200,
                    compact(
                        completion(KIMI, {"content": ANSWER, "reasoning_content": REASONING}, "stop", usage(20, 48, 30))
                    ),
                    headers=NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_thinking_off_qwen_stream",
        "NIM API reference qwen-qwen3-5-397b-a17b-infer (chat_template_kwargs.enable_thinking false; SSE chunks, "
        "usage in a last choices: [] chunk); max_tokens is the model's 8192 limit; texts scripted",
        [
            (
                {
                    "model": QWEN,
                    "messages": ask(QUESTION),
                    "max_tokens": 8192,
                    "chat_template_kwargs": {"enable_thinking": False},
                    "stream": True,
                    "stream_options": {"include_usage": True},
                },
                Answer(
                    200,
                    chunks(QWEN, [{"content": "9.9 is larger "}, {"content": "than 9.11."}], usage(20, 9)),
                    SSE,
                    NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_thinking_on_nemotron_stream",
        "NIM for LLMs docs, reasoning-model.html: 'detailed thinking on' as the system prompt, the reasoning "
        "streamed inside <think></think> in the content; texts scripted",
        [
            (
                {
                    "model": NEMOTRON,
                    "messages": [{"role": "system", "content": "detailed thinking on"}, *ask(QUESTION)],
                    "max_tokens": 16384,
                    "stream": True,
                    "stream_options": {"include_usage": True},
                },
                Answer(
                    200,
                    chunks(
                        NEMOTRON,
                        [
                            {"content": "<think>\nCompare the tenths"},
                            {"content": ": 9 vs 1.\n</think>\n\n"},
                            {"content": ANSWER},
                        ],
                        usage(24, 30),
                    ),
                    SSE,
                    NVCF,
                ),
            )
        ],
    ),
    tool_cassette(
        "nim",
        KIMI,
        "NIM API reference moonshotai-kimi-k2-6-infer (tools; assistant messages carry the preserved "
        "reasoning_content back) and DeepSeek's thinking-mode guide (reasoning passed back in tool "
        "conversations); texts scripted",
        max_tokens=16384,
        chat_template_kwargs={"thinking": True},
    ),
]

NIM_VISION = [
    Cassette(
        "nim",
        "test_vision_inline_image",
        "NIM API reference nvidia-llama-3_1-nemotron-nano-vl-8b-v1-infer (list content: a text part and an "
        "image_url part with a base64 data URL under 180 KB; PNG); answer text scripted",
        [
            (
                {
                    "model": NIM_VLM,
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "text", "text": DESCRIBE},
                                {"type": "image_url", "image_url": {"url": IMAGE_URL}},
                            ],
                        }
                    ],
                    "max_tokens": 256,
                },
                Answer(
                    200, compact(completion(NIM_VLM, {"content": DESCRIPTION}, "stop", usage(270, 8))), headers=NVCF
                ),
            )
        ],
    ),
]

# --- Novita ------------------------------------------------------------------------------------------

V31 = "deepseek/deepseek-v3.1"
V32 = "deepseek/deepseek-v3.2"
NOVITA_VLM = "qwen/qwen2.5-vl-72b-instruct"

NOVITA_THINKING = [
    Cassette(
        "novita",
        "test_thinking_on_stream",
        "Novita chat completions API reference (enable_thinking) and guides/llm-reasoning (reasoning streamed "
        "in delta.reasoning_content before the answer's content); texts scripted",
        [
            (
                {
                    "model": V31,
                    "messages": ask(QUESTION),
                    "enable_thinking": True,
                    "stream": True,
                    "stream_options": {"include_usage": True},
                },
                Answer(
                    200,
                    chunks(
                        V31,
                        [
                            {"reasoning_content": "Compare the tenths: "},
                            {"reasoning_content": "9.9 has 9, 9.11 has 1."},
                            {"content": ANSWER},
                        ],
                        usage(20, 40, 25),
                    ),
                    SSE,
                ),
            )
        ],
    ),
    Cassette(
        "novita",
        "test_thinking_off",
        "Novita chat completions API reference (enable_thinking false: no reasoning_content); text scripted",
        [
            (
                {"model": V31, "messages": ask(QUESTION), "enable_thinking": False},
                Answer(200, compact(completion(V31, {"content": ANSWER}, "stop", usage(20, 9)))),
            )
        ],
    ),
    tool_cassette(
        "novita",
        V32,
        "Novita interleaved-thinking guide (2025-12-03: append the model's complete response, reasoning_content "
        "included, before the tool result) and DeepSeek's thinking-mode guide; texts scripted",
    ),
]

NOVITA_VISION = [
    Cassette(
        "novita",
        "test_vision_web_image",
        "Novita guides/llm-vision (an image_url part with an https URL and detail); answer text scripted",
        [
            (
                {
                    "model": NOVITA_VLM,
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "text", "text": DESCRIBE},
                                {"type": "image_url", "image_url": {"url": WEB_IMAGE, "detail": "high"}},
                            ],
                        }
                    ],
                },
                Answer(200, compact(completion(NOVITA_VLM, {"content": DESCRIPTION}, "stop", usage(300, 8)))),
            )
        ],
    ),
    Cassette(
        "novita",
        "test_vision_inline_image",
        "Novita guides/llm-vision (an image_url part with a base64 data URL); answer text scripted",
        [
            (
                {
                    "model": NOVITA_VLM,
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "text", "text": DESCRIBE},
                                {"type": "image_url", "image_url": {"url": IMAGE_URL}},
                            ],
                        }
                    ],
                },
                Answer(200, compact(completion(NOVITA_VLM, {"content": DESCRIPTION}, "stop", usage(280, 8)))),
            )
        ],
    ),
]

REASONING_VISION = [*NIM_THINKING, *NIM_VISION, *NOVITA_THINKING, *NOVITA_VISION]
