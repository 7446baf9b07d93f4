"""RAG with LangChain: answer questions from the bundled documents in ``cookbook/data/``.

The documents are embedded with our own embeddings class into an ``InMemoryVectorStore``: with no
key, ``LocalEmbeddings`` on the local embedding model (all-MiniLM-L6-v2 behind llama.cpp's server on
loopback); with a provider key, that provider's (``NovitaEmbeddings``, ...; see ``_retrieval.py``).
For each question a chain retrieves the closest documents, reranks them with the provider's
reranker where there is one (``NovitaRerank``, ``NIMRerank``: four retrieved, two kept), answers
from the two best, and the script prints the answer and its sources.

Nothing is replayed: with no provider key the answers come live from the embedded local model
(SmolLM2-135M-Instruct on llama.cpp, on loopback, through ``ChatLocal``; at 135M parameters its
answers are short and sometimes wrong, but the retrieval is real). With ``NOVITA_API_KEY``, ``BAICHUAN_API_KEY`` or
``NVIDIA_API_KEY`` set, that provider answers instead; see ``MODEL``.

    python cookbook/rag_langchain.py
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from _retrieval import retrieval_models
from langchain_core.documents import Document
from langchain_core.documents.compressor import BaseDocumentCompressor
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore
from quickstart import connect

from langchain_hostedllm import BaseChatHosted, ChatLocal

MODEL = "auto"  # or a catalog model such as "novita:qwen/qwen-2.5-72b-instruct" (see quickstart.py)
LOCAL_MODEL = "smollm2-135m-instruct"
DATA = Path(__file__).parent / "data"
QUESTIONS = [
    "What happens when my Novita account runs out of credit?",
    "How many times is a failed request retried, and how long does it wait?",
    "Can I force Baichuan to call a specific tool?",
]
PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer the question in one or two sentences, using only this context:\n\n{context}"),
        ("user", "{question}"),
    ]
)


def load_documents() -> list[Document]:
    """One document per file in ``cookbook/data/``, its file name as the source."""
    return [Document(path.read_text(), metadata={"source": path.name}) for path in sorted(DATA.glob("*.md"))]


def build_chain(
    store: InMemoryVectorStore, chat: BaseChatHosted, reranker: BaseDocumentCompressor | None = None
) -> Runnable[str, dict[str, Any]]:
    """question -> {"question", "docs", "answer"}: retrieve (and rerank), then prompt | model | parser."""
    if reranker is None:
        retriever: Runnable[str, list[Document]] = store.as_retriever(search_kwargs={"k": 2})
    else:  # four candidates, the reranker keeps the best two (its top_n), best first
        candidates = store.as_retriever(search_kwargs={"k": 4})
        retriever = RunnableParallel(docs=candidates, question=RunnablePassthrough()) | RunnableLambda(
            lambda found: list(reranker.compress_documents(found["docs"], found["question"]))
        )

    def prompt_inputs(state: dict[str, Any]) -> dict[str, str]:
        context = "\n\n".join(doc.page_content for doc in state["docs"])
        return {"context": context, "question": state["question"]}

    answer = RunnableLambda(prompt_inputs) | PROMPT | chat | StrOutputParser()
    return RunnableParallel(docs=retriever, question=RunnablePassthrough()).assign(answer=answer)


def main() -> None:
    documents = load_documents()
    with retrieval_models("langchain") as models, connect(MODEL) as connection:
        started = time.perf_counter()
        store = InMemoryVectorStore(models.embeddings)
        store.add_documents(documents)
        print(f"Embedded {len(documents)} documents with {models.name} in {time.perf_counter() - started:.1f} s.")
        print(f"Reranking with {models.reranker.model}.\n" if models.reranker else "No reranker (offline).\n")
        chat: BaseChatHosted
        if connection.provider == "local":
            print("(135M parameters: expect short, often wrong answers; the retrieval and the sources are real.)\n")
            chat = ChatLocal(model=LOCAL_MODEL, base_url=connection.base_url, temperature=0, max_tokens=80)
        else:
            chat = connection.chat(temperature=0, max_tokens=200)
        chain = build_chain(store, chat, models.reranker)
        for question in QUESTIONS:
            result = chain.invoke(question)
            print(f"Q: {question}")
            print(f"A: {result['answer'].strip()}")
            print(f"Sources: {', '.join(source(doc) for doc in result['docs'])}\n")


def source(doc: Document) -> str:
    """The file name, with the reranker's score where there is one."""
    score = doc.metadata.get("relevance_score")
    return doc.metadata["source"] + (f" ({score:.2f})" if score is not None else "")


if __name__ == "__main__":
    main()
