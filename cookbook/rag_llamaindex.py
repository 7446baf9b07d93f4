"""RAG with LlamaIndex: answer questions from the bundled documents in ``cookbook/data/``.

The documents go into a ``VectorStoreIndex`` embedded with our own embedding class: with no key,
``LocalEmbedding`` on the local embedding model (all-MiniLM-L6-v2 behind llama.cpp's server on
loopback); with a provider key, that provider's (``NovitaEmbedding``, ...; see ``_retrieval.py``).
Its query engine retrieves the closest documents for each question, reranks them with the
provider's reranker where there is one (``NovitaRerank``, ``NIMRerank`` as node postprocessors: four
retrieved, two kept) and has the LLM answer from the best two; the script prints the answer and the
source nodes with their scores (cosine similarity, or the reranker's relevance).

Nothing is replayed: with no provider key the answers come live from the embedded local model
(SmolLM2-135M-Instruct on llama.cpp, on loopback, through ``Local``; at 135M parameters its
answers are short and sometimes wrong, but the retrieval is real). With ``NOVITA_API_KEY``,
``BAICHUAN_API_KEY`` or ``NVIDIA_API_KEY`` set, that provider answers instead; see ``MODEL``.

    python cookbook/rag_llamaindex.py
"""

from __future__ import annotations

import time
from pathlib import Path

from _retrieval import retrieval_models
from llama_index.core import Document, VectorStoreIndex
from llama_index.llms import hostedllm as li
from quickstart import connect

MODEL = "auto"  # or a catalog model such as "novita:qwen/qwen-2.5-72b-instruct" (see quickstart.py)
LOCAL_MODEL = "smollm2-135m-instruct"
DATA = Path(__file__).parent / "data"
QUESTIONS = [
    "What happens when my Novita account runs out of credit?",
    "How many times is a failed request retried, and how long does it wait?",
    "Can I force Baichuan to call a specific tool?",
]


def load_documents() -> list[Document]:
    """One document per file in ``cookbook/data/``; its file name is kept as metadata, not embedded or prompted."""
    return [
        Document(
            text=path.read_text(),
            metadata={"source": path.name},
            excluded_embed_metadata_keys=["source"],
            excluded_llm_metadata_keys=["source"],
        )
        for path in sorted(DATA.glob("*.md"))
    ]


def main() -> None:
    documents = load_documents()
    with retrieval_models("llamaindex") as models, connect(MODEL) as connection:
        started = time.perf_counter()
        index = VectorStoreIndex.from_documents(documents, embed_model=models.embeddings)
        print(f"Indexed {len(documents)} documents with {models.name} in {time.perf_counter() - started:.1f} s.")
        print(f"Reranking with {models.reranker.model}.\n" if models.reranker else "No reranker (offline).\n")
        if connection.provider == "local":
            print("(135M parameters: expect short, often wrong answers; the retrieval and the sources are real.)\n")
            llm: li.BaseHostedLLM = li.Local(
                model=LOCAL_MODEL,
                api_base=connection.base_url,
                temperature=0,
                max_tokens=80,
            )
        else:
            llm = connection.llm(temperature=0, max_tokens=200)
        if models.reranker is None:
            engine = index.as_query_engine(llm=llm, similarity_top_k=2)
        else:
            engine = index.as_query_engine(llm=llm, similarity_top_k=4, node_postprocessors=[models.reranker])
        for question in QUESTIONS:
            response = engine.query(question)
            print(f"Q: {question}")
            print(f"A: {str(response).strip()}")
            sources = [f"{hit.node.metadata['source']} ({hit.score or 0:.2f})" for hit in response.source_nodes]
            print(f"Sources: {', '.join(sources)}\n")


if __name__ == "__main__":
    main()
