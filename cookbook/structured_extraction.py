"""Structured extraction into pydantic models, with LangChain and with LlamaIndex.

Shows LangChain's ``chat.with_structured_output(Book)`` (batched over three sentences) and
LlamaIndex's ``llm.structured_predict(Book, PromptTemplate(...), text=...)`` over the same ones;
each returns validated pydantic objects, printed. Both use the best method the catalog lists for
the model (a JSON schema where it has one, else tools); on the local model the schema reaches
llama.cpp's grammar, so even the 135M model answers in the right shape (its values can be wrong).
Runs on the local model (started here) unless a provider key is set; see ``MODEL``. Nothing is
replayed.

    python cookbook/structured_extraction.py
"""

from __future__ import annotations

from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field
from quickstart import connect

MODEL = "auto"  # or a catalog model such as "novita:qwen/qwen-2.5-72b-instruct" (see quickstart.py)


class Book(BaseModel):
    """A book mentioned in the text."""

    title: str = Field(description="the book's title")
    author: str = Field(description="who wrote it")
    year: int = Field(description="the year it was published")


SENTENCES = [
    "'Dune' was written by Frank Herbert and published in 1965.",
    "Published in 1949, George Orwell's novel '1984' imagines a surveillance state.",
    "Jane Austen wrote 'Pride and Prejudice', which came out in 1813.",
]


def main() -> None:
    with connect(MODEL) as connection:
        print("1. LangChain: chat.with_structured_output(Book), batched:")
        extract = connection.chat(temperature=0, max_tokens=150).with_structured_output(Book)
        for book in extract.batch([f"Extract the book: {sentence}" for sentence in SENTENCES]):
            print(f"   {book!r}")

        print("\n2. LlamaIndex: llm.structured_predict(Book, PromptTemplate(...)), the same sentences:")
        llm = connection.llm(temperature=0, max_tokens=150)
        prompt = PromptTemplate("Extract the book: {text}")
        for sentence in SENTENCES:
            print(f"   {llm.structured_predict(Book, prompt, text=sentence)!r}")


if __name__ == "__main__":
    main()
