"""Write the documented cassettes: provider examples from the docs, in vcrpy's format.

Nothing here was recorded from a provider. Each cassette pairs the request our client sends for a
documented example with the documented answer; the comment at the top of every file names its
source. Run `python tests/cassettes/documented/write_cassettes.py` after changing an example; to
replace them with real recordings, see README.md in this folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
URLS = {
    "baichuan": "https://api.baichuan-ai.com/v1/chat/completions",
    "theturbo": "https://gateway.theturbo.ai/v1/chat/completions",
    "nim": "https://integrate.api.nvidia.com/v1/chat/completions",
    "novita": "https://api.novita.ai/v3/openai/chat/completions",
}
JSON = "application/json"
SSE = "text/event-stream"


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Cassette:
    provider: str
    name: str
    source: str
    exchanges: list[tuple[dict[str, Any], Answer]]
    uri: str | None = None  # default: the provider's chat completions URL
    folder: str = "documented"  # or "synthesized": langchain-tests' standard tests, answers scripted
    header: str = "DOCUMENTED, not recorded. Source"


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sse(events: list[Any], *, space: bool = True, done: bool = True) -> str:
    prefix = "data: " if space else "data:"
    lines = [prefix + compact(event) + "\n\n" for event in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines)


# --- Baichuan's own API (apifox mirror of platform.baichuan-ai.com docs, reference S3) -----------

BAICHUAN_MODELS = [
    "Baichuan4",
    "Baichuan4-Turbo",
    "Baichuan4-Air",
    "Baichuan3-Turbo",
    "Baichuan3-Turbo-128k",
    "Baichuan2-Turbo",
    "Baichuan2-Turbo-192k",
]
BAICHUAN_ASK = [{"role": "user", "content": "世界第一高峰是"}]


def baichuan_request(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": BAICHUAN_ASK, "temperature": 0.3, "top_p": 0.85, "top_k": 5, **extra}


def baichuan_answer(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-Mb65700CC3MOkhJ",
        "object": "chat.completion",
        "created": 1703654400,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "世界第一高峰是珠穆朗玛峰，海拔8848.86米。"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 4, "completion_tokens": 20, "total_tokens": 24},
    }


def baichuan_stream(model: str) -> str:
    pieces = ["世界第一高峰是珠穆", "朗玛峰，", "海拔8848.86米。"]
    chunk = {"id": "chatcmpl-M633300APBknoaF", "object": "chat.completion.chunk", "created": 1703654400, "model": model}
    events = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": ""}]}
        for text in pieces[:-1]
    ]
    events.append(
        {
            **chunk,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": pieces[-1]}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 4, "completion_tokens": 20, "total_tokens": 24},
        }
    )
    return sse(events, space=False)


BC_ID = {"X-BC-Request-Id": "8f1f3b0ba3c6a1f5d7e2c9a4b6e8d0f1"}
BAICHUAN = [
    *[
        Cassette(
            "baichuan",
            f"test_invoke[{m}]",
            "S3 sync example (api-135483694); model set to " + m,
            [(baichuan_request(m), Answer(200, compact(baichuan_answer(m)), headers=BC_ID))],
        )
        for m in BAICHUAN_MODELS
    ],
    *[
        Cassette(
            "baichuan",
            f"test_stream[{m}]",
            'S3 stream sample (api-135486461): data: without a space, finish_reason "" mid-stream, role in every '
            "delta, usage in the last chunk, then data: [DONE]; model set to " + m,
            [(baichuan_request(m, stream=True), Answer(200, baichuan_stream(m), SSE, BC_ID))],
        )
        for m in ("Baichuan2-Turbo", "Baichuan4")
    ],
    Cassette(
        "baichuan",
        "test_knowledge_base_citations",
        "S3 knowledge-base example (api-135485574): the answer carries knowledge_base.cites; the request uses the "
        "retrieval tool that replaced the legacy knowledge_base parameter",
        [
            (
                {
                    **baichuan_request("Baichuan4"),
                    "tools": [
                        {"type": "retrieval", "retrieval": {"kb_ids": ["kb-123"], "answer_mode": "knowledge-base-only"}}
                    ],
                },
                Answer(
                    200,
                    compact(
                        {
                            **baichuan_answer("Baichuan4"),
                            "knowledge_base": {
                                "cites": [
                                    {
                                        "title": "mountains.pdf",
                                        "content": "珠穆朗玛峰海拔8848.86米。",
                                        "file_id": "file-123",
                                    }
                                ]
                            },
                        }
                    ),
                    headers=BC_ID,
                ),
            )
        ],
    ),
    Cassette(
        "baichuan",
        "test_balance_exhausted",
        "S3 status codes (doc-3441122): 429 Insufficient account balance",
        [
            (
                baichuan_request("Baichuan4"),
                Answer(
                    429,
                    compact(
                        {
                            "error": {
                                "code": "insufficient_quota",
                                "message": "Insufficient account balance, please recharge",
                                "type": "insufficient_quota",
                            }
                        }
                    ),
                    headers=BC_ID,
                ),
            )
        ],
    ),
    Cassette(
        "baichuan",
        "test_bad_key",
        "S3 status codes (doc-3441122): 401 Invalid Authentication",
        [
            (
                baichuan_request("Baichuan4"),
                Answer(
                    401,
                    compact(
                        {
                            "error": {
                                "code": "invalid_api_key",
                                "message": "Incorrect API key provided",
                                "type": "invalid_authentication",
                            }
                        }
                    ),
                    headers=BC_ID,
                ),
            )
        ],
    ),
    Cassette(
        "baichuan",
        "test_rate_limited_then_answered",
        "S3 status codes (doc-3441122): 429 Rate limit reached for requests, then the S3 sync example",
        [
            (
                baichuan_request("Baichuan4"),
                Answer(
                    429,
                    compact(
                        {
                            "error": {
                                "code": "rate_limit_exceeded",
                                "message": "Rate limit reached for requests",
                                "type": "rate_limit_error",
                            }
                        }
                    ),
                    headers=BC_ID,
                ),
            ),
            (baichuan_request("Baichuan4"), Answer(200, compact(baichuan_answer("Baichuan4")), headers=BC_ID)),
        ],
    ),
]

# --- Zenlayer gateway (seed 001) ----------------------------------------------------------------

GATEWAY_MODELS = [
    "Baichuan4",
    "Baichuan3-Turbo",
    "Baichuan3-Turbo-128k",
    "Baichuan2-Turbo",
    "Baichuan2-Turbo-192k",
    "Baichuan2-53B",
]
GATEWAY_ASK = [{"role": "user", "content": "Hello, can you explain quantum mechanics to me?"}]


def gateway_request(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": GATEWAY_ASK, "temperature": 0.7, "max_tokens": 1024, **extra}


def gateway_answer(model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1234567890",
        "object": "chat.completion",
        "created": 1699999999,
        "model": model,
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": "Quantum mechanics is a branch of physics that studies the microscopic world...",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 30, "total_tokens": 40},
    }


GATEWAY_STREAM = sse(
    [
        {
            "id": "chatcmpl-1234567890",
            "object": "chat.completion.chunk",
            "created": 1699999999,
            "model": "Baichuan4",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": finish}],
        }
        for text, finish in [("Quantum mechanics is a branch", None), (" of physics.", None), ("", "stop")]
    ]
)
THETURBO = [
    *[
        Cassette(
            "theturbo",
            f"test_invoke[{m}]",
            "seed 001 request and response example; model set to " + m,
            [(gateway_request(m), Answer(200, compact(gateway_answer(m))))],
        )
        for m in GATEWAY_MODELS
    ],
    Cassette(
        "theturbo",
        "test_stream",
        "seed 001 says stream=true 'returns streaming data similar to ChatGPT': OpenAI chunk format [inferred]",
        [(gateway_request("Baichuan4", stream=True), Answer(200, GATEWAY_STREAM, SSE))],
    ),
    Cassette(
        "theturbo",
        "test_bad_key",
        "the gateway documents no error format; OpenAI's envelope is assumed for its OpenAI-compatible API [inferred]",
        [
            (
                gateway_request("Baichuan4"),
                Answer(
                    401,
                    compact(
                        {
                            "error": {
                                "message": "Invalid API key",
                                "type": "invalid_request_error",
                                "code": "invalid_api_key",
                            }
                        }
                    ),
                ),
            )
        ],
    ),
]

# --- NVIDIA API catalog (seeds 000, 003; reference §2) ------------------------------------------

NIM_ASK = [{"role": "user", "content": "What is the highest mountain in the world?"}]


def nim_request(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": NIM_ASK, "temperature": 0.5, "top_p": 1, "max_tokens": 1024, **extra}


def nim_answer(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chat-7c1d2a3b4e5f",
        "object": "chat.completion",
        "created": 1716000000,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 17, "total_tokens": 35, "completion_tokens": 18},
    }


def nim_stream(model: str, pieces: list[str], *, legacy_logprobs: bool) -> str:
    base = {"id": "chat-9d8c7b6a", "object": "chat.completion.chunk", "created": 1716000000, "model": model}
    quirk = {"text_offset": [], "token_logprobs": [0.0], "tokens": [], "top_logprobs": []} if legacy_logprobs else None
    events = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
            ],
        }
    ]
    events += [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": None, "content": text}, "logprobs": quirk, "finish_reason": None}
            ],
        }
        for text in pieces
    ]
    events.append(
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": None, "content": ""}, "logprobs": quirk, "finish_reason": "stop"}
            ],
        }
    )
    return sse(events)


NVCF = {"NVCF-REQID": "3c4e2f10-7a7b-4c1e-9d7f-0b1c2d3e4f5a"}
NIM = [
    Cassette(
        "nim",
        "test_baichuan2_13b_chat_invoke",
        "seed 000 curl template (temperature, top_p, max_tokens) and NVIDIA's OpenAI chat.completion answer shape",
        [
            (
                nim_request("baichuan-inc/baichuan2-13b-chat"),
                Answer(
                    200,
                    compact(
                        nim_answer(
                            "baichuan-inc/baichuan2-13b-chat",
                            "The highest mountain in the world is Mount Everest, 8,849 m.",
                        )
                    ),
                    headers=NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_baichuan2_13b_chat_stream",
        "seed 000 curl template with stream=true; NVIDIA's documented SSE format (data: chunks, a first "
        "role-only chunk, data: [DONE])",
        [
            (
                nim_request("baichuan-inc/baichuan2-13b-chat", stream=True),
                Answer(
                    200,
                    nim_stream(
                        "baichuan-inc/baichuan2-13b-chat", ["Mount Everest", ", 8,849 m."], legacy_logprobs=False
                    ),
                    SSE,
                    NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_baichuan2_13b_chat_bad_key",
        "reference §2.4: 403 problem JSON 'Authorization failed', NVIDIA's usual answer to a bad key",
        [
            (
                nim_request("baichuan-inc/baichuan2-13b-chat"),
                Answer(
                    403, compact({"status": 403, "title": "Forbidden", "detail": "Authorization failed"}), headers=NVCF
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_llama2_70b_invoke",
        "seed 003 curl template and NVIDIA's OpenAI chat.completion answer shape (the model is retired since)",
        [
            (
                nim_request("meta/llama2-70b"),
                Answer(
                    200,
                    compact(nim_answer("meta/llama2-70b", "Mount Everest is the highest mountain in the world.")),
                    headers=NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_llama2_70b_stream",
        "reference S15, a captured 2024 llama2-70b stream: every content chunk carries completion-style logprobs "
        "that were never asked for",
        [
            (
                nim_request("meta/llama2-70b", stream=True),
                Answer(200, nim_stream("meta/llama2-70b", ["Mount", " Everest", "."], legacy_logprobs=True), SSE, NVCF),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_llama2_70b_gone",
        "reference §2.4: NVIDIA's 410 problem JSON for a model past its end of life (model name substituted)",
        [
            (
                nim_request("meta/llama2-70b"),
                Answer(
                    410,
                    compact(
                        {
                            "type": "about:blank",
                            "title": "Gone",
                            "status": 410,
                            "detail": (
                                "The model 'meta/llama2-70b' has reached its end of life on 2025-09-24T00:00:00Z "
                                "and is no longer available."
                            ),
                        }
                    ),
                    headers=NVCF,
                ),
            )
        ],
    ),
    Cassette(
        "nim",
        "test_llama2_70b_not_found_for_account",
        "reference §2.4: 404 problem JSON 'Function ... Not found for account'",
        [
            (
                nim_request("meta/llama2-70b"),
                Answer(
                    404,
                    compact(
                        {
                            "status": 404,
                            "title": "Not Found",
                            "detail": "Function '0e349b44-440a-44e1-93e9-abe8dcb27158': Not found for account "
                            "'Zm9vYmFyYmF6'",
                        }
                    ),
                    headers=NVCF,
                ),
            )
        ],
    ),
]

# --- Novita AI (seed 002; reference §3) ---------------------------------------------------------

NOVITA_ASK = [
    {"role": "system", "content": "Act like you are a helpful assistant."},
    {"role": "user", "content": "Hi there!"},
]
NOVITA_REQUEST = {"model": "qwen/qwen-2-72b-instruct", "messages": NOVITA_ASK, "max_tokens": 512}
FILTERS = {
    "hate": {"filtered": False},
    "self_harm": {"filtered": False},
    "sexual": {"filtered": False},
    "violence": {"filtered": False},
    "jailbreak": {"filtered": False, "detected": False},
    "profanity": {"filtered": False, "detected": False},
}
NOVITA_ANSWER = {
    "id": "chat-5f461a9a23a44ef29dbd3124b891afc0",
    "object": "chat.completion",
    "created": 1731584707,
    "model": "qwen/qwen-2-72b-instruct",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": (
                    "Hello! It's nice to meet you. How can I assist you today? Do you have any questions or "
                    "topics you'd like to discuss? I'm here to help with anything you need."
                ),
            },
            "finish_reason": "stop",
            "content_filter_results": FILTERS,
        }
    ],
    "usage": {
        "prompt_tokens": 46,
        "completion_tokens": 40,
        "total_tokens": 86,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    },
    "system_fingerprint": "",
}
NOVITA_CHUNK = {
    "id": "chat-d821b951d6ff43ab838d18137aef7d0a",
    "object": "chat.completion.chunk",
    "created": 1731586102,
    "model": "meta-llama/llama-3.1-8b-instruct",
}
NOVITA_PIECES = [
    ({"role": "assistant"}, None),
    ({"content": "n, ne"}, None),
    ({"content": "ed"}, None),
    ({"content": " assi"}, None),
    ({"content": "s"}, None),
    ({"content": "tan"}, None),
    ({"content": "ce wi"}, None),
    ({"content": " "}, None),
    ({"content": "just want to chat?"}, "stop"),
]
NOVITA_STREAM = sse(
    [
        *[
            {
                **NOVITA_CHUNK,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "content_filter_results": FILTERS}],
                "system_fingerprint": "",
                "usage": None,
            }
            for delta, finish in NOVITA_PIECES
        ],
        {
            **NOVITA_CHUNK,
            "choices": [],
            "system_fingerprint": "",
            "usage": {"prompt_tokens": 46, "completion_tokens": 9, "total_tokens": 55},
        },
    ]
)
NOVITA = [
    Cassette(
        "novita",
        "test_invoke",
        "seed 002: the qwen-2-72b-instruct request and response examples, verbatim",
        [(NOVITA_REQUEST, Answer(200, compact(NOVITA_ANSWER)))],
    ),
    Cassette(
        "novita",
        "test_stream",
        "seed 002 stream example (its chunks name meta-llama/llama-3.1-8b-instruct, as documented; the page's "
        "'...' elisions dropped) plus the include_usage chunk (choices: [], usage null before) from reference S18",
        [
            (
                {**NOVITA_REQUEST, "stream": True, "stream_options": {"include_usage": True}},
                Answer(200, NOVITA_STREAM, SSE),
            )
        ],
    ),
    Cassette(
        "novita",
        "test_balance_exhausted",
        "reference §3.4: 403 NOT_ENOUGH_BALANCE in Novita's {code, reason, message} envelope",
        [
            (
                NOVITA_REQUEST,
                Answer(
                    403,
                    compact(
                        {"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Not enough balance", "metadata": {}}
                    ),
                ),
            )
        ],
    ),
]


class _Literal(str):
    """A string YAML writes as a block, so SSE bodies stay readable."""


def _represent_literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


yaml.SafeDumper.add_representer(_Literal, _represent_literal)


def to_yaml(cassette: Cassette) -> str:
    interactions = []
    for request, answer in cassette.exchanges:
        headers = {"content-type": [answer.content_type], **{k: [v] for k, v in answer.headers.items()}}
        body = _Literal(answer.body) if "\n" in answer.body else answer.body
        interactions.append(
            {
                "request": {
                    "body": compact(request),
                    "headers": {"authorization": ["PLACEHOLDER"], "content-type": [JSON]},
                    "method": "POST",
                    "uri": cassette.uri or URLS[cassette.provider],
                },
                "response": {
                    "body": {"string": body},
                    "headers": headers,
                    "status": {"code": answer.status, "message": HTTPStatus(answer.status).phrase},
                },
            }
        )
    text = yaml.safe_dump({"interactions": interactions, "version": 1}, allow_unicode=True, sort_keys=False, width=1000)
    return f"# {cassette.header}: {cassette.source}.\n# Written by write_cassettes.py.\n{text}"


def main() -> None:
    from reasoning_vision import REASONING_VISION  # thinking and image examples, in their own module
    from retrieval import RETRIEVAL  # embeddings and rerank examples, in their own module

    for cassette in [*BAICHUAN, *THETURBO, *NIM, *NOVITA, *RETRIEVAL, *REASONING_VISION]:
        path = HERE.parent / cassette.folder / cassette.provider / f"{cassette.name}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(to_yaml(cassette), encoding="utf-8")
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
