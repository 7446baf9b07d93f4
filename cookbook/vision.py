"""Vision models: describe an image, then read its fields into a typed object (structured output).

The image is ``data/receipt.png`` (a café receipt drawn for this recipe). It goes to Qwen3-VL on Novita:

1. LangChain: a ``HumanMessage`` with a text block and the standard image block
   (``{"type": "image", "base64": ..., "mime_type": "image/png"}``); the model describes it.
2. LangChain: ``with_structured_output(Receipt)`` on the same message: merchant, date, items and total
   as a pydantic object.
3. LlamaIndex: a ``ChatMessage`` with a ``TextBlock`` and an ``ImageBlock(path=...)``.
4. Before anything is sent: a model the catalog knows cannot see refuses the image, and an image whose
   bytes are not the type it claims is refused, each with the fix.

hostedllm checks every image first: an http(s) URL or base64 data of a real image type, within the
provider's inline limit (NVIDIA: 180,000 base64 characters).

REPLAYED BY DEFAULT: with no ``NOVITA_API_KEY`` the calls are served from ``cassettes/vision.yaml``
(vcrpy, ``record_mode="none"``). The requests, image included, are the ones our classes send; the
answers are SYNTHESIZED (``cassettes/write_cassettes.py``), written from what the receipt shows. With
the key set, it runs live.

    python cookbook/vision.py
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from _replay import live_or_replayed
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock
from pydantic import BaseModel, Field

from hostedllm.errors import InvalidMessagesError, UnsupportedCapabilityError
from langchain_hostedllm import ChatNovita
from llama_index.llms.hostedllm import Novita

MODEL = "qwen/qwen3-vl-235b-a22b-instruct"
TEXT_ONLY = "meta-llama/llama-3.3-70b-instruct"
RECEIPT = Path(__file__).parent / "data" / "receipt.png"
CASSETTE = Path(__file__).parent / "cassettes" / "vision.yaml"
DESCRIBE = "Describe this image in two sentences."
EXTRACT = "Read this receipt."


class Item(BaseModel):
    name: str
    quantity: int
    price: float = Field(description="The line's total price")


class Receipt(BaseModel):
    """The fields of a shop receipt."""

    merchant: str
    date: str = Field(description="ISO date, YYYY-MM-DD")
    items: list[Item]
    total: float
    currency: str = Field(description="ISO 4217 code, e.g. EUR")


def with_receipt(text: str) -> HumanMessage:
    data = base64.b64encode(RECEIPT.read_bytes()).decode()
    return HumanMessage(
        content=[{"type": "text", "text": text}, {"type": "image", "base64": data, "mime_type": "image/png"}]
    )


def run(kwargs: dict[str, Any]) -> None:
    """Every step, with the models built from ``kwargs`` (the key; the cassette writer adds transports)."""
    chat = ChatNovita(model=MODEL, temperature=0, **kwargs)
    print(f"1. {MODEL} describes data/receipt.png:")
    print(f"   {chat.invoke([with_receipt(DESCRIBE)]).text.strip()}")

    receipt = chat.with_structured_output(Receipt).invoke([with_receipt(EXTRACT)])
    assert isinstance(receipt, Receipt)
    print("2. with_structured_output(Receipt):")
    print(f"   {receipt.merchant}, {receipt.date}: {len(receipt.items)} items, {receipt.total:.2f} {receipt.currency}")
    for item in receipt.items:
        print(f"   - {item.quantity} x {item.name}: {item.price:.2f}")

    llm = Novita(model=MODEL, temperature=0, **kwargs)
    message = ChatMessage(role="user", blocks=[TextBlock(text=DESCRIBE), ImageBlock(path=RECEIPT)])
    print(f"3. LlamaIndex ImageBlock: {llm.chat([message]).message.content}")

    print("4. Refused before sending:")
    try:
        ChatNovita(model=TEXT_ONLY, **kwargs).invoke([with_receipt(DESCRIBE)])
    except UnsupportedCapabilityError as error:
        print(f"   {TEXT_ONLY}: {error}")
    jpeg_as_png = {
        "type": "image",
        "base64": base64.b64encode(b"\xff\xd8\xff\xe0" * 8).decode(),
        "mime_type": "image/png",
    }
    try:
        chat.invoke([HumanMessage(content=[{"type": "text", "text": DESCRIBE}, jpeg_as_png])])
    except InvalidMessagesError as error:
        print(f"   a JPEG labelled image/png: {error}")


def main() -> None:
    live_or_replayed(run, CASSETTE)


if __name__ == "__main__":
    main()
