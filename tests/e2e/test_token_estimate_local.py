"""The offline token estimate against the local model's real counts, on the cookbook's documents.

The bounds are the figures bench/token_estimate.py measured (and the docstrings of
hostedllm.token_estimate and the LangChain classes state), rounded up by one percentage point.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from hostedllm.local import LocalServer
from hostedllm.local.server import default_model_path
from langchain_hostedllm import ChatLocal

DOCUMENTS = sorted((Path(__file__).resolve().parents[2] / "cookbook" / "data").glob("*.md"))
SYSTEM = "Answer from the document. Say so when it does not tell."

# Measured (mean absolute relative error, worst case): 5.1% (6.0%) per document, 5.0% (5.7%) per
# paragraph, 4.0% (4.8%) per message list.
DOCUMENT_MEAN, DOCUMENT_WORST = 0.061, 0.07
PARAGRAPH_MEAN, PARAGRAPH_WORST = 0.06, 0.067
MESSAGES_MEAN, MESSAGES_WORST = 0.05, 0.058


@pytest.fixture(scope="module")
def real_count() -> Callable[[str], int]:
    """SmolLM2's own tokenizer, read from the GGUF by llama.cpp (vocabulary only, no weights)."""
    llama_cpp = pytest.importorskip("llama_cpp")
    vocab = llama_cpp.Llama(model_path=str(default_model_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=False))


@pytest.fixture
def chat(local_server: LocalServer) -> ChatLocal:
    return ChatLocal(model="smollm2-135m-instruct", base_url=local_server.base_url, temperature=0, max_tokens=1)


def relative_errors(pairs: list[tuple[int, int]]) -> list[float]:
    return [abs(estimate - real) / real for estimate, real in pairs]


def test_documents_and_paragraphs(chat: ChatLocal, real_count: Callable[[str], int]) -> None:
    texts = [path.read_text("utf-8") for path in DOCUMENTS]
    assert len(texts) >= 5
    documents = relative_errors([(chat.get_num_tokens(text), real_count(text)) for text in texts])
    paragraphs = [block.strip() for text in texts for block in text.split("\n\n")]
    paragraphs = [block for block in paragraphs if block and not block.startswith("#")]
    by_paragraph = relative_errors([(chat.get_num_tokens(block), real_count(block)) for block in paragraphs])
    assert statistics.mean(documents) <= DOCUMENT_MEAN, documents
    assert max(documents) <= DOCUMENT_WORST, documents
    assert statistics.mean(by_paragraph) <= PARAGRAPH_MEAN, by_paragraph
    assert max(by_paragraph) <= PARAGRAPH_WORST, by_paragraph


def test_message_lists_against_prompt_tokens(chat: ChatLocal) -> None:
    """Each document as a question's context, counted by the estimate and by the server (prompt_tokens)."""
    pairs = []
    for path in DOCUMENTS:
        messages: list[BaseMessage] = [
            SystemMessage(SYSTEM),  # SmolLM2's template adds a default system prompt when there is none
            HumanMessage(f"{path.read_text('utf-8')}\nWho is it for?"),
        ]
        usage = chat.invoke(messages).usage_metadata
        assert usage is not None
        pairs.append((chat.get_num_tokens_from_messages(messages), usage["input_tokens"]))
    errors = relative_errors(pairs)
    assert statistics.mean(errors) <= MESSAGES_MEAN, pairs
    assert max(errors) <= MESSAGES_WORST, pairs
