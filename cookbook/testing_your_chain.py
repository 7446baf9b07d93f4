"""Testing your own chain with hostedllm's pytest plugin: live on the local model, then offline.

The chain is a small RAG-style one: a prompt that stuffs two short documents into the context,
then ``ChatLocal``, then ``StrOutputParser``. It is tested twice:

* ``test_answers_live`` runs it on the real local model. The plugin's ``hostedllm_chat_local``
  fixture starts SmolLM2-135M-Instruct once per session; it skips if that is not installed.
* ``test_answers_offline`` is marked ``@pytest.mark.hostedllm_cassette``. It replays
  ``cassettes/testing_your_chain/test_answers_offline.yaml`` (next to this file) with no server
  and no network.

Run both (the plugin comes with hostedllm; nothing to add to conftest.py)::

    pytest cookbook/testing_your_chain.py

To record the cassette again (the keys are scrubbed), run against a local server on the default
URL, ``http://127.0.0.1:8080/v1``::

    hostedllm local serve --port 8080
    pytest cookbook/testing_your_chain.py --hostedllm-record
    hostedllm local stop

For a hosted model, build the chain on ``ChatNovita(model="qwen/qwen-2.5-72b-instruct")`` and
run it once with ``NOVITA_API_KEY`` set. The missing cassette is recorded then, and replayed on
every run after that, with no key.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from langchain_hostedllm import ChatLocal

#: The two bundled documents the chain answers from.
DOCUMENTS = [
    "The Lumen kettle boils one litre of water in 90 seconds.",
    "The Lumen kettle is sold in two colours: green and orange.",
]
QUESTION = "How long does the Lumen kettle take to boil a litre of water?"

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer the question in one short sentence, using only these documents:\n\n{context}"),
        ("human", "{question}"),
    ]
)


def build_chain(chat: BaseChatModel) -> Runnable[dict[str, str], str]:
    """Your chain: the documents stuffed into the prompt, the model, the answer as a string."""
    return PROMPT.partial(context="\n\n".join(DOCUMENTS)) | chat | StrOutputParser()


def test_answers_live(hostedllm_chat_local: ChatLocal) -> None:
    answer = build_chain(hostedllm_chat_local).invoke({"question": QUESTION})
    assert "90" in answer


@pytest.mark.hostedllm_cassette
def test_answers_offline() -> None:
    # The local provider's URL: HOSTEDLLM_LOCAL_BASE_URL, else http://127.0.0.1:8080/v1, as recorded.
    chat = ChatLocal(model="smollm2-135m-instruct", temperature=0)
    answer = build_chain(chat).invoke({"question": QUESTION})
    assert "90 seconds" in answer  # recorded: "The Lumen kettle takes 90 seconds to boil a litre of water."


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
