"""The documented embeddings and rerank examples, as cassettes (``write_cassettes.py`` writes them).

Requests are the bodies our clients send for each documented example; answers follow each
provider's documented response shape (``../shared/reference/peer-features.md`` section 3). The docs
elide the vectors (``[...]``), so vector values are scripted: deterministic numbers of the documented
length. Rerank scores are scripted too, ordered as a reranker would (the passage that answers first).
"""

from __future__ import annotations

import math
from typing import Any

from write_cassettes import NVCF, Answer, Cassette, compact

NIM_EMBEDDINGS = "https://integrate.api.nvidia.com/v1/embeddings"
NIM_RERANK = "https://ai.api.nvidia.com/v1/retrieval/nvidia/llama-nemotron-rerank-1b-v2/reranking"
NOVITA_EMBEDDINGS = "https://api.novita.ai/v3/openai/embeddings"  # the chat base; current docs: /openai/v1
NOVITA_RERANK = "https://api.novita.ai/openai/v1/rerank"
BAICHUAN_EMBEDDINGS = "https://api.baichuan-ai.com/v1/embeddings"

#: The texts every embeddings cassette embeds, and the query and passages every rerank cassette ranks.
PASSAGES = [
    "The H100 SXM has 3.35 TB/s of GPU memory bandwidth.",
    "Paris is the capital of France.",
    "The A100 80GB has 2.0 TB/s of GPU memory bandwidth.",
]
QUERY = "What is the GPU memory bandwidth of H100 SXM?"
#: Texts for the batching cassettes: more than one request takes.
MANY = [f"Passage number {n}." for n in range(53)]


def vector(seed: int, length: int) -> list[float]:
    """A deterministic stand-in for an elided vector (unit length, like the models')."""
    raw = [math.sin(seed * 7.31 + i * 0.173) for i in range(length)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [round(x / norm, 6) for x in raw]


def embeddings_answer(model: str, texts: list[str], length: int, *, first: int = 0) -> dict[str, Any]:
    """An OpenAI-shaped embeddings answer, its items in reverse (clients must sort by ``index``)."""
    data = [{"index": i, "embedding": vector(first + i, length), "object": "embedding"} for i in range(len(texts))][
        ::-1
    ]
    tokens = sum(len(text.split()) + 2 for text in texts)
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


# --- NVIDIA: nv-embedqa-e5-v5 (1024 dimensions, 512 tokens) and llama-nemotron-rerank-1b-v2 -------

NIM_EMBED_MODEL = "nvidia/nv-embedqa-e5-v5"
NIM_RERANK_MODEL = "nvidia/llama-nemotron-rerank-1b-v2"


def nim_embed_request(texts: list[str], input_type: str) -> dict[str, Any]:
    return {"model": NIM_EMBED_MODEL, "input": texts, "input_type": input_type}


def nim_rerank_request(passages: list[str]) -> dict[str, Any]:
    return {"model": NIM_RERANK_MODEL, "query": {"text": QUERY}, "passages": [{"text": p} for p in passages]}


NIM = [
    Cassette(
        "nim",
        "test_embed",
        "NIM text embedding API reference (POST /v1/embeddings with input_type; answer data[].{index, embedding}, "
        "usage) and the support matrix (nv-embedqa-e5-v5: 1024 dimensions); vectors scripted",
        [
            (
                nim_embed_request(PASSAGES, "passage"),
                Answer(200, compact(embeddings_answer(NIM_EMBED_MODEL, PASSAGES, 1024))),
            )
        ],
        uri=NIM_EMBEDDINGS,
    ),
    Cassette(
        "nim",
        "test_embed_query",
        "as test_embed, for one query (input_type query); vector scripted",
        [
            (
                nim_embed_request([QUERY], "query"),
                Answer(200, compact(embeddings_answer(NIM_EMBED_MODEL, [QUERY], 1024))),
            )
        ],
        uri=NIM_EMBEDDINGS,
    ),
    Cassette(
        "nim",
        "test_embed_batched",
        "as test_embed, 53 texts in two requests (50, the batch langchain-nvidia-ai-endpoints uses, then 3); "
        "vectors scripted",
        [
            (
                nim_embed_request(MANY[:50], "passage"),
                Answer(200, compact(embeddings_answer(NIM_EMBED_MODEL, MANY[:50], 1024))),
            ),
            (
                nim_embed_request(MANY[50:], "passage"),
                Answer(200, compact(embeddings_answer(NIM_EMBED_MODEL, MANY[50:], 1024, first=50))),
            ),
        ],
        uri=NIM_EMBEDDINGS,
    ),
    Cassette(
        "nim",
        "test_embed_too_long",
        "reference §3.1 errors: 400 'Input length N exceeds maximum allowed token size 512' (langchain-nvidia#20), "
        "in NVIDIA's problem-JSON envelope",
        [
            (
                nim_embed_request(["word " * 400], "passage"),
                Answer(
                    400,
                    compact(
                        {
                            "type": "about:blank",
                            "status": 400,
                            "title": "Bad Request",
                            "detail": "Input length 602 exceeds maximum allowed token size 512",
                        }
                    ),
                    headers=NVCF,
                ),
            )
        ],
        uri=NIM_EMBEDDINGS,
    ),
    Cassette(
        "nim",
        "test_rerank",
        "NIM text reranking docs (query.text and passages[].text in; rankings[].{index, logit} out, best first; "
        "usage in newer NIMs) at the hosted per-model URL; logits scripted",
        [
            (
                nim_rerank_request(PASSAGES),
                Answer(
                    200,
                    compact(
                        {
                            "rankings": [
                                {"index": 0, "logit": 7.421875},
                                {"index": 2, "logit": -1.1328125},
                                {"index": 1, "logit": -13.34375},
                            ],
                            "usage": {"prompt_tokens": 51, "total_tokens": 51},
                        }
                    ),
                    headers=NVCF,
                ),
            )
        ],
        uri=NIM_RERANK,
    ),
    Cassette(
        "nim",
        "test_rerank_bad_key",
        "reference §2.4: 403 problem JSON 'Authorization failed', NVIDIA's usual answer to a bad key",
        [
            (
                nim_rerank_request(PASSAGES),
                Answer(
                    403, compact({"status": 403, "title": "Forbidden", "detail": "Authorization failed"}), headers=NVCF
                ),
            )
        ],
        uri=NIM_RERANK,
    ),
]


# --- Novita: baai/bge-m3 (1024 dimensions) and baai/bge-reranker-v2-m3 ----------------------------

NOVITA_EMBED_MODEL = "baai/bge-m3"
NOVITA_RERANK_MODEL = "baai/bge-reranker-v2-m3"
NOVITA = [
    Cassette(
        "novita",
        "test_embed",
        "Novita's create-embeddings reference (POST /v3/openai/embeddings in its older version, the chat base URL; "
        "/openai/v1/embeddings in the current one; object list, data[].{index, embedding, object}, model, usage); "
        "bge-m3 vectors have 1024 dimensions; values scripted",
        [
            (
                {"model": NOVITA_EMBED_MODEL, "input": PASSAGES},
                Answer(200, compact(embeddings_answer(NOVITA_EMBED_MODEL, PASSAGES, 1024))),
            )
        ],
        uri=NOVITA_EMBEDDINGS,
    ),
    Cassette(
        "novita",
        "test_embed_balance_exhausted",
        "reference §3.4 (chat): 403 NOT_ENOUGH_BALANCE in Novita's {code, reason, message} envelope, the same account "
        "error on the embeddings endpoint [inferred]",
        [
            (
                {"model": NOVITA_EMBED_MODEL, "input": PASSAGES},
                Answer(
                    403,
                    compact(
                        {"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Not enough balance", "metadata": {}}
                    ),
                ),
            )
        ],
        uri=NOVITA_EMBEDDINGS,
    ),
    Cassette(
        "novita",
        "test_rerank",
        "Novita's create-rerank reference (query, documents, top_n in; results[].{index, relevance_score, document} "
        "and usage out); scores scripted",
        [
            (
                {"model": NOVITA_RERANK_MODEL, "query": QUERY, "documents": PASSAGES, "top_n": 2},
                Answer(
                    200,
                    compact(
                        {
                            "id": "rerank-9d1b8a0e6f7c4b52",
                            "results": [
                                {"index": 0, "relevance_score": 0.9978, "document": {"text": PASSAGES[0]}},
                                {"index": 2, "relevance_score": 0.0413, "document": {"text": PASSAGES[2]}},
                            ],
                            "usage": {"prompt_tokens": 63, "total_tokens": 63},
                        }
                    ),
                ),
            )
        ],
        uri=NOVITA_RERANK,
    ),
]


# --- Baichuan: Baichuan-Text-Embedding (1024 dimensions, at most 16 inputs a request) -------------

BAICHUAN_EMBED_MODEL = "Baichuan-Text-Embedding"
BAICHUAN_TEXTS = ["百川大模型", "世界第一高峰是珠穆朗玛峰"]
BAICHUAN = [
    Cassette(
        "baichuan",
        "test_embed",
        "Baichuan's text-Embedding docs as cited by langchain-community (POST /v1/embeddings, model and input; "
        "OpenAI-shaped data[].{index, embedding}); 1024 dimensions; vectors scripted",
        [
            (
                {"model": BAICHUAN_EMBED_MODEL, "input": BAICHUAN_TEXTS},
                Answer(200, compact(embeddings_answer(BAICHUAN_EMBED_MODEL, BAICHUAN_TEXTS, 1024))),
            )
        ],
        uri=BAICHUAN_EMBEDDINGS,
    ),
    Cassette(
        "baichuan",
        "test_embed_batched",
        "as test_embed, 17 texts in two requests: Baichuan takes at most 16 (langchain-ai/langchain#22942); "
        "vectors scripted",
        [
            (
                {"model": BAICHUAN_EMBED_MODEL, "input": MANY[:16]},
                Answer(200, compact(embeddings_answer(BAICHUAN_EMBED_MODEL, MANY[:16], 1024))),
            ),
            (
                {"model": BAICHUAN_EMBED_MODEL, "input": MANY[16:17]},
                Answer(200, compact(embeddings_answer(BAICHUAN_EMBED_MODEL, MANY[16:17], 1024, first=16))),
            ),
        ],
        uri=BAICHUAN_EMBEDDINGS,
    ),
    Cassette(
        "baichuan",
        "test_embed_bad_key",
        "S3 status codes (doc-3441122): 401 Invalid Authentication, in Baichuan's error envelope",
        [
            (
                {"model": BAICHUAN_EMBED_MODEL, "input": BAICHUAN_TEXTS},
                Answer(
                    401,
                    compact(
                        {
                            "error": {
                                "code": "invalid_api_key",
                                "message": "Incorrect API key provided",
                                "type": "invalid_authentication",
                                "param": None,
                            }
                        }
                    ),
                ),
            )
        ],
        uri=BAICHUAN_EMBEDDINGS,
    ),
]

# --- langchain-tests' EmbeddingsIntegrationTests, per provider class (tests/langchain/test_standard_embeddings.py) ---

STANDARD_CLASSES = {  # provider: (test class, model, input_type sent for queries / documents, URL)
    "nim": ("TestNIMEmbeddingsReplayed", NIM_EMBED_MODEL, ("query", "passage"), NIM_EMBEDDINGS),
    "novita": ("TestNovitaEmbeddingsReplayed", NOVITA_EMBED_MODEL, (None, None), NOVITA_EMBEDDINGS),
    "baichuan": ("TestBaichuanEmbeddingsReplayed", BAICHUAN_EMBED_MODEL, (None, None), BAICHUAN_EMBEDDINGS),
}


def standard_cassettes() -> list[Cassette]:
    """embed_query("foo") then ("bar"), and embed_documents(["foo", "bar", "baz"]), sync and async."""
    cassettes = []
    for provider, (test_class, model, (query_type, document_type), uri) in STANDARD_CLASSES.items():

        def exchange(texts: list[str], input_type: str | None, first: int, model: str = model) -> Any:
            request: dict[str, Any] = {"model": model, "input": texts}
            if input_type is not None:
                request["input_type"] = input_type
            return (request, Answer(200, compact(embeddings_answer(model, texts, 1024, first=first))))

        queries = [exchange(["foo"], query_type, 0), exchange(["bar"], query_type, 1)]
        documents = [exchange(["foo", "bar", "baz"], document_type, 0)]
        for name, exchanges in [("embed_query", queries), ("embed_documents", documents)]:
            for prefix in ("", "a"):
                cassettes.append(
                    Cassette(
                        provider,
                        f"{test_class}.test_{prefix}{name}",
                        f"{provider}'s documented embeddings wire format (see documented/retrieval.py); vectors "
                        "scripted; the requests are what our class sends — not a recording",
                        exchanges,
                        uri=uri,
                        folder="synthesized",
                        header="SYNTHESIZED from the documented wire format",
                    )
                )
    return cassettes


RETRIEVAL = [*NIM, *NOVITA, *BAICHUAN, *standard_cassettes()]
