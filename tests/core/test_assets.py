"""NVIDIA's asset upload for images over the inline limit, and requests that reference the uploaded assets.

The upload follows NVIDIA Cloud Functions' documented protocol (POST /v2/nvcf/assets, then a PUT of the
bytes to the signed URL, without the key); a request referencing an asset carries it in an ``<img>`` tag,
as NVIDIA's VLM references document, with the ids in the two NVCF headers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostedllm import ChatClient
from hostedllm.assets import aupload_image, upload_image
from hostedllm.errors import APIError, AuthenticationError, InvalidMessagesError
from hostedllm.testing import FakeProvider

from .test_images import JPEG, png

ASSET_ID = "2a0ab0e2-6d35-4c8e-9f41-0123456789ab"
UPLOAD_URL = "https://nv-gfn-asset-uploads.s3.amazonaws.com/2a0ab0e2?X-Amz-Signature=abc"


class AssetStore:
    """NVCF's asset API and the signed upload URL, as documented; records what each received."""

    def __init__(self, *, put_status: int = 200, post_status: int = 200) -> None:
        self.seen: list[httpx.Request] = []
        self.put_status, self.post_status = put_status, post_status

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        if request.method == "POST" and str(request.url) == "https://api.nvcf.nvidia.com/v2/nvcf/assets":
            if self.post_status != 200:
                return httpx.Response(
                    self.post_status, json={"status": 403, "title": "Forbidden", "detail": "Authorization failed"}
                )
            asked = json.loads(request.content)
            return httpx.Response(200, json={"assetId": ASSET_ID, "uploadUrl": UPLOAD_URL, **asked})
        if request.method == "PUT" and str(request.url) == UPLOAD_URL:
            return httpx.Response(self.put_status)
        return httpx.Response(404)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_upload_follows_the_documented_protocol_and_keeps_the_key_off_the_signed_url(mode: str, tmp_path: Path) -> None:
    store = AssetStore()
    image = tmp_path / "large.png"
    image.write_bytes(png(8, 8))
    if mode == "sync":
        reference = upload_image(image, api_key="nvapi-secret", transport=httpx.MockTransport(store.handle))
    else:
        reference = asyncio.run(
            aupload_image(image, api_key="nvapi-secret", transport=httpx.MockTransport(store.ahandle))
        )
    assert reference == f"data:image/png;asset_id,{ASSET_ID}"
    create, put = store.seen
    assert create.headers["authorization"] == "Bearer nvapi-secret"
    assert json.loads(create.content) == {"contentType": "image/png", "description": "image uploaded by hostedllm"}
    assert "authorization" not in put.headers, "the signed URL must never see the key"
    assert put.headers["content-type"] == "image/png"
    assert put.headers["x-amz-meta-nvcf-asset-description"] == "image uploaded by hostedllm"
    assert put.content == image.read_bytes()


def test_upload_refuses_what_it_cannot_name_and_types_the_failures() -> None:
    store = AssetStore()
    with pytest.raises(InvalidMessagesError, match="the image is image/jpeg, not image/png: pass content_type="):
        upload_image(JPEG, content_type="image/png", api_key="k", transport=httpx.MockTransport(store.handle))
    with pytest.raises(InvalidMessagesError, match="cannot tell the image's type"):
        upload_image(b"not an image", api_key="k", transport=httpx.MockTransport(store.handle))
    assert store.seen == [], "refused before anything is sent"
    with pytest.raises(AuthenticationError):
        upload_image(JPEG, api_key="k", transport=httpx.MockTransport(AssetStore(post_status=403).handle))
    with pytest.raises(APIError, match="uploading the image to NVIDIA's asset store failed with HTTP 403"):
        upload_image(JPEG, api_key="k", transport=httpx.MockTransport(AssetStore(put_status=403).handle))


@pytest.mark.parametrize("way", ["create", "stream", "acreate", "astream"])
def test_a_request_with_an_asset_sends_nvidias_documented_form_and_headers(way: str) -> None:
    fake = FakeProvider().reply("A large red square.").reply("Hi")
    chat = ChatClient("nim", "nvidia/llama-3.1-nemotron-nano-vl-8b-v1", api_key="k", **fake.client_transports)
    reference = f"data:image/png;asset_id,{ASSET_ID}"
    parts = [{"type": "text", "text": "Describe it."}, {"type": "image_url", "image_url": {"url": reference}}]

    async def drain(request: dict[str, Any]) -> None:
        async for _ in chat.astream(request):
            pass

    def send(messages: list[dict[str, Any]]) -> None:
        request = chat.build_request(messages, stream=way.endswith("stream"))
        if way == "create":
            chat.create(request)
        elif way == "stream":
            list(chat.stream(request))
        elif way == "acreate":
            asyncio.run(chat.acreate(request))
        else:
            asyncio.run(drain(request))

    send([{"role": "user", "content": parts}])
    assert fake.last["messages"][0]["content"] == f'Describe it. <img src="{reference}" />'
    assert fake.sent[-1].headers["nvcf-input-asset-references"] == ASSET_ID
    assert fake.sent[-1].headers["nvcf-function-asset-ids"] == ASSET_ID
    send([{"role": "user", "content": "Hi"}])
    assert "nvcf-input-asset-references" not in fake.sent[-1].headers, "only requests that reference assets"


def test_only_nvidia_takes_asset_references() -> None:
    chat = ChatClient("novita", "qwen/qwen2.5-vl-72b-instruct", api_key="k")
    parts = [{"type": "image_url", "image_url": {"url": f"data:image/png;asset_id,{ASSET_ID}"}}]
    with pytest.raises(InvalidMessagesError, match="references an uploaded asset, which novita does not take"):
        chat.build_request([{"role": "user", "content": parts}])
