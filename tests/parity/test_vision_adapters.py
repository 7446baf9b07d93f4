"""Images in both frameworks beyond the documented cassettes (tests/parity/test_reasoning_vision_cassettes.py):
refusals before sending, and NVIDIA asset references with their headers, sync and async."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, TextBlock

from hostedllm.errors import InvalidMessagesError, UnsupportedCapabilityError
from hostedllm.testing import FakeProvider
from langchain_hostedllm import ChatNIM, ChatNovita
from llama_index.llms.hostedllm import NIM, Novita

VLM = "nvidia/llama-3.1-nemotron-nano-vl-8b-v1"
ASSET = "data:image/png;asset_id,2a0ab0e2-6d35-4c8e-9f41-0123456789ab"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def lc_call(chat: Any, message: HumanMessage, mode: str) -> Any:
    return asyncio.run(chat.ainvoke([message])) if mode == "async" else chat.invoke([message])


def li_call(llm: Any, message: ChatMessage, mode: str) -> Any:
    return asyncio.run(llm.achat([message])) if mode == "async" else llm.chat([message])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_asset_reference_goes_as_nvidia_documents_it_in_both_frameworks(mode: str) -> None:
    fake = FakeProvider().reply("A red square.").reply("A red square.")
    image = {"type": "image", "url": ASSET}
    lc_call(
        ChatNIM(model=VLM, api_key="k", **fake.transports),
        HumanMessage([{"type": "text", "text": "What?"}, image]),
        mode,
    )
    li_call(
        NIM(model=VLM, api_key="k", **fake.transports),
        ChatMessage(role="user", blocks=[TextBlock(text="What?"), ImageBlock(url=ASSET)]),
        mode,
    )
    for body, request in zip(fake.requests, fake.sent, strict=True):
        assert body["messages"][0]["content"] == f'What? <img src="{ASSET}" />'
        assert request.headers["nvcf-input-asset-references"] == ASSET.rsplit(",", 1)[1]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_mislabelled_image_and_a_text_only_model_are_refused_before_sending(mode: str) -> None:
    fake = FakeProvider()
    data = base64.b64encode(JPEG).decode()
    wrong = HumanMessage(
        [{"type": "text", "text": "What?"}, {"type": "image", "base64": data, "mime_type": "image/png"}]
    )
    with pytest.raises(InvalidMessagesError, match="labelled image/png whose bytes are image/jpeg"):
        lc_call(ChatNovita(model="qwen/qwen2.5-vl-72b-instruct", api_key="k", **fake.transports), wrong, mode)
    mislabelled = ImageBlock(image=JPEG, image_mimetype="image/png")
    with pytest.raises(InvalidMessagesError, match="labelled image/png whose bytes are image/jpeg"):
        li_call(
            Novita(model="qwen/qwen2.5-vl-72b-instruct", api_key="k", **fake.transports),
            ChatMessage(role="user", blocks=[TextBlock(text="What?"), mislabelled]),
            mode,
        )
    right = ChatMessage(role="user", blocks=[TextBlock(text="What?"), ImageBlock(image=JPEG)])
    with pytest.raises(UnsupportedCapabilityError, match="does not support images"):
        li_call(Novita(model="meta-llama/llama-3.3-70b-instruct", api_key="k", **fake.transports), right, mode)
    assert fake.requests == []
