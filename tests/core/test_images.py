"""Images before sending: the part's form, the image's real type, and each provider's documented limits.

Framework-free; both frameworks' image blocks are tested in tests/parity/test_vision_adapters.py.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest

from hostedllm import ChatClient
from hostedllm.catalog import default_catalog
from hostedllm.errors import InvalidMessagesError, UnsupportedCapabilityError
from hostedllm.providers import get_provider
from hostedllm.request import build_request
from hostedllm.testing import FakeProvider

NIM_VLM = "nim:nvidia/llama-3.1-nemotron-nano-vl-8b-v1"
NOVITA_VLM = "novita:qwen/qwen2.5-vl-72b-instruct"


def png(width: int = 1, height: int = 1, *, noise: int = 0) -> bytes:
    """A valid PNG (grey pixels; ``noise`` bytes of incompressible data per row make it larger)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(range(256)) * (noise // 256 + 1)
    rows = b"".join(b"\x00" + (b"\x80" * width if not noise else row[:width]) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def ask(url: str | dict[str, Any], key: str = NOVITA_VLM) -> dict[str, Any]:
    image = {"url": url} if isinstance(url, str) else url
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": image}]
    return build_request(default_catalog().get(key), [{"role": "user", "content": parts}])


def sent_url(url: str, key: str = NOVITA_VLM) -> str:
    """The image URL the request carries (what the provider receives)."""
    return str(ask(url, key)["messages"][0]["content"][1]["image_url"]["url"])


class TestTheForm:
    def test_a_web_address_and_a_data_url_go_as_given(self) -> None:
        for url in ("https://example.com/cat.png", data_url(png(), "image/png")):
            assert ask(url)["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": url}}

    def test_the_string_shorthand_becomes_the_object_providers_take(self) -> None:
        parts = [{"type": "image_url", "image_url": "https://example.com/cat.png"}]
        sent = build_request(default_catalog().get(NOVITA_VLM), [{"role": "user", "content": parts}])
        assert sent["messages"][0]["content"] == [
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
        ]

    def test_detail_is_kept_and_checked(self) -> None:
        sent = ask({"url": "https://example.com/cat.png", "detail": "low"})
        assert sent["messages"][0]["content"][1]["image_url"]["detail"] == "low"
        with pytest.raises(InvalidMessagesError, match=r"detail of 'tiny'; use 'auto', 'low' or 'high'"):
            ask({"url": "https://example.com/cat.png", "detail": "tiny"})

    @pytest.mark.parametrize(
        ("url", "fix"),
        [
            ("/home/me/cat.png", r"cannot fetch: give an http\(s\) URL, or read the file"),
            ("file:///home/me/cat.png", r"cannot fetch: give an http\(s\) URL"),
            ("ftp://example.com/cat.png", r"cannot fetch"),
            ("", r"without a URL"),
            ("data:image/png," + "abc", r"not data:<type>;base64,<data>"),
            ("data:image/png;base64,not base64!", r"not valid base64"),
            ("data:image/png;base64,", r"no data"),
            (
                "data:text/plain;base64," + base64.b64encode(b"hello").decode(),
                r"text/plain data, which is not an image",
            ),
        ],
    )
    def test_what_cannot_be_an_image_is_refused_naming_the_fix(self, url: str, fix: str) -> None:
        with pytest.raises(InvalidMessagesError, match=rf"messages\[0\] .*{fix}"):
            ask(url)


class TestTheType:
    def test_a_mislabelled_image_names_its_real_type(self) -> None:
        mislabelled = r"labelled image/png whose bytes are image/jpeg: declare 'image/jpeg' \(LangChain: mime_type"
        with pytest.raises(InvalidMessagesError, match=mislabelled):
            ask(data_url(JPEG, "image/png"))
        assert ask(data_url(JPEG, "image/jpg"))["messages"][0]["content"][1]["image_url"]["url"].startswith(
            "data:image/jpg"
        )

    def test_nvidia_takes_the_types_its_vlms_document(self) -> None:
        assert sent_url(data_url(JPEG, "image/jpeg"), NIM_VLM) == data_url(JPEG, "image/jpeg")
        with pytest.raises(
            InvalidMessagesError, match=r"image/bmp image; nim takes image/gif, image/jpeg, image/png, image/webp"
        ):
            ask(data_url(b"BM\x00\x00", "image/bmp"), NIM_VLM)

    def test_novita_documents_no_type_list_so_none_is_refused(self) -> None:
        assert get_provider("novita").images.types is None
        assert sent_url(data_url(b"BM\x00\x00", "image/bmp")) == data_url(b"BM\x00\x00", "image/bmp")


class TestTheSize:
    def test_nvidia_takes_180_000_base64_characters_inline(self) -> None:
        limit = get_provider("nim").images.max_inline_chars
        assert limit == 180_000
        small = png(300, 300, noise=300)  # about 90 KB of bytes, 120 K characters of base64
        assert len(base64.b64encode(small)) < limit
        assert sent_url(data_url(small, "image/png"), NIM_VLM) == data_url(small, "image/png")
        large = png(400, 400, noise=400)
        size = len(base64.b64encode(large))
        with pytest.raises(
            InvalidMessagesError,
            match=rf"inline image of {size:,} base64 characters; nim takes at most 180,000 .*Resize or recompress",
        ):
            ask(data_url(large, "image/png"), NIM_VLM)
        assert sent_url(data_url(large, "image/png")) == data_url(large, "image/png"), "Novita documents no limit"

    def test_a_web_address_is_not_measured(self) -> None:
        long = "https://example.com/" + "a" * 200_000 + ".png"
        assert sent_url(long, NIM_VLM) == long


class TestWhoSees:
    def test_a_model_known_not_to_see_refuses_before_sending(self) -> None:
        fake = FakeProvider().reply("no")
        chat = ChatClient("baichuan", "Baichuan4", api_key="k", **fake.client_transports)
        parts = [
            {"type": "text", "text": "?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ]
        with pytest.raises(UnsupportedCapabilityError, match=r"Baichuan4 .*images.*vision model"):
            chat.build_request([{"role": "user", "content": parts}])
        assert fake.requests == []

    def test_a_vision_model_sends_the_part_on_the_wire(self) -> None:
        fake = FakeProvider().reply("A grey square.", stream=False)
        chat = ChatClient("nim", "nvidia/llama-3.1-nemotron-nano-vl-8b-v1", api_key="k", **fake.client_transports)
        url = data_url(png(), "image/png")
        parts = [{"type": "text", "text": "Describe it."}, {"type": "image_url", "image_url": {"url": url}}]
        chat.create(chat.build_request([{"role": "user", "content": parts}]))
        assert fake.last["messages"] == [{"role": "user", "content": parts}]
