"""NVIDIA's asset upload, for an image larger than a request may carry inline (180,000 base64 characters).

The image is uploaded to NVIDIA's asset store (NVCF: ``POST /v2/nvcf/assets`` for an upload URL, then a
``PUT`` of the bytes to it, which expires after an hour; the asset is deleted after 24 hours) and
referenced as ``data:<type>;asset_id,<id>``, passed as the image URL like any other. A request that
references assets sends them in the form NVIDIA's VLM references document (``<img src="..." />`` in the
message text) with their ids in the ``NVCF-INPUT-ASSET-REFERENCES`` and ``NVCF-FUNCTION-ASSET-IDS``
headers; :class:`~hostedllm.ChatClient` and the adapters do that by themselves.

Sources: NVIDIA Cloud Functions user guide, "Assets" (the upload protocol); the NIM API reference for
nvidia/llama-3.1-nemotron-nano-vl-8b-v1 (images over 180 KB go through the asset API, referenced in
``<img>`` tags). Not checked against the live service here; reports differ on which hosted models still
resolve asset references (langchain-nvidia-ai-endpoints marks its asset test as failing).

>>> from pathlib import Path
>>> reference = upload_image(Path("photo.jpg"))  # doctest: +SKIP
>>> reference  # doctest: +SKIP
'data:image/jpeg;asset_id,2a0ab0e2-...'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from hostedllm.endpoint import Endpoint
from hostedllm.errors import APIConnectionError, APIError, InvalidMessagesError, MalformedResponseError
from hostedllm.images import sniff_type
from hostedllm.providers import get_provider
from hostedllm.transport.retry import acall_with_retries, call_with_retries

ASSETS_URL = "https://api.nvcf.nvidia.com/v2/nvcf"
DESCRIPTION = "image uploaded by hostedllm"


def upload_image(
    image: bytes | Path,
    *,
    content_type: str | None = None,
    api_key: str | SecretStr | None = None,
    description: str = DESCRIPTION,
    base_url: str = ASSETS_URL,
    timeout: float = 120,
    max_retries: int = 2,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Upload ``image`` (bytes or a file) to NVIDIA's asset store; the ``data:<type>;asset_id,<id>`` to send.

    ``content_type`` defaults to the type the bytes show (PNG, JPEG, GIF, WebP); ``api_key`` to
    ``NVIDIA_API_KEY``; ``transport`` is for tests (it serves both the API call and the upload).
    """
    data, mime = _read(image, content_type)
    endpoint = _endpoint(api_key, base_url, timeout, max_retries, transport=transport)
    body = json.dumps({"contentType": mime, "description": description}).encode()
    try:
        answer = call_with_retries(lambda: endpoint.http.post("/assets", body), endpoint.retry_policy)
    finally:
        endpoint.http.close()
    asset_id, upload_url = _parse(answer)
    with httpx.Client(transport=transport, timeout=timeout, trust_env=True) as client:  # no key: a signed URL
        _check_upload(lambda: client.put(upload_url, content=data, headers=_upload_headers(mime, description)))
    return f"data:{mime};asset_id,{asset_id}"


async def aupload_image(
    image: bytes | Path,
    *,
    content_type: str | None = None,
    api_key: str | SecretStr | None = None,
    description: str = DESCRIPTION,
    base_url: str = ASSETS_URL,
    timeout: float = 120,
    max_retries: int = 2,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """:func:`upload_image` on the async path."""
    data, mime = _read(image, content_type)
    endpoint = _endpoint(api_key, base_url, timeout, max_retries, async_transport=transport)
    body = json.dumps({"contentType": mime, "description": description}).encode()
    try:
        answer = await acall_with_retries(lambda: endpoint.http.apost("/assets", body), endpoint.retry_policy)
    finally:
        await endpoint.http.aclose()
    asset_id, upload_url = _parse(answer)
    async with httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=True) as client:
        try:
            response = await client.put(upload_url, content=data, headers=_upload_headers(mime, description))
        except httpx.HTTPError as exc:
            raise _upload_failed(exc) from None
    _check_upload(lambda: response)
    return f"data:{mime};asset_id,{asset_id}"


def _read(image: bytes | Path, content_type: str | None) -> tuple[bytes, str]:
    data = image.read_bytes() if isinstance(image, Path) else image
    if not isinstance(data, bytes) or not data:
        raise InvalidMessagesError("upload_image takes an image's bytes or a pathlib.Path to its file.")
    found = sniff_type(data)
    mime = content_type or found
    if mime is None:
        raise InvalidMessagesError("upload_image cannot tell the image's type from its bytes: pass content_type.")
    if found is not None and found != mime:
        raise InvalidMessagesError(f"the image is {found}, not {mime}: pass content_type={found!r}.")
    return data, mime


def _endpoint(
    api_key: str | SecretStr | None, base_url: str, timeout: float, max_retries: int, **transports: Any
) -> Endpoint:
    return Endpoint.open(
        get_provider("nim"),
        "nvcf-assets",
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        **transports,
    )


def _parse(answer: bytes) -> tuple[str, str]:
    try:
        asset = json.loads(answer)
        asset_id, upload_url = asset["assetId"], asset["uploadUrl"]
    except (ValueError, KeyError, TypeError):
        raise MalformedResponseError(
            "NVIDIA's asset API answered without an assetId and an uploadUrl", provider="nim"
        ) from None
    if not isinstance(asset_id, str) or not isinstance(upload_url, str) or not upload_url.startswith("https://"):
        raise MalformedResponseError(
            "NVIDIA's asset API answered with an unusable assetId or uploadUrl", provider="nim"
        )
    return asset_id, upload_url


def _upload_headers(mime: str, description: str) -> dict[str, str]:
    return {"Content-Type": mime, "x-amz-meta-nvcf-asset-description": description}


def _check_upload(put: Any) -> None:
    try:
        response = put()
    except httpx.HTTPError as exc:
        raise _upload_failed(exc) from None
    if not 200 <= response.status_code < 300:
        raise APIError(
            f"uploading the image to NVIDIA's asset store failed with HTTP {response.status_code}",
            provider="nim",
            status_code=response.status_code,
            hint="The upload URL is valid for an hour; upload again for a new one.",
        )


def _upload_failed(exc: httpx.HTTPError) -> APIConnectionError:
    return APIConnectionError(
        f"could not upload the image to NVIDIA's asset store: {type(exc).__name__}",
        provider="nim",
        hint="Check the network; upload again for a new URL.",
    )
