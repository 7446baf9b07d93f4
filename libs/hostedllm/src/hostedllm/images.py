"""Check an image part before it is sent: its URL's form, the image's real type, and the provider's limits.

An image travels as a chat-completions ``image_url`` part whose URL is either a web address (the
provider fetches it) or a ``data:<type>;base64,<bytes>`` URL. A data URL is decoded here: its bytes
must be the type it declares (a JPEG labelled ``image/png`` is a common mistake that providers answer
with an opaque 400), of a type the provider takes, and within the provider's inline limit.

>>> from hostedllm.providers import get_provider
>>> check_image_part(get_provider("novita"), {"type": "image_url", "image_url": "https://example.com/cat.png"}, 0)
{'type': 'image_url', 'image_url': {'url': 'https://example.com/cat.png'}}
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hostedllm.errors import InvalidMessagesError

if TYPE_CHECKING:
    from hostedllm.providers.spec import ProviderSpec

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_ALIASES = {"image/jpg": "image/jpeg"}
_DETAILS = frozenset({"auto", "low", "high"})
_ASSET_ID = re.compile(rb";asset_id,([0-9A-Za-z-]+)")


@dataclass(frozen=True)
class ImageRules:
    """What a provider documents about inline images (``None``: it documents nothing, so nothing is refused).

    >>> ImageRules(types=frozenset({"image/png"}), max_inline_chars=180_000, source="the docs").describe_types()
    'image/png'
    """

    #: The image types it takes (after ``image/jpg`` is read as ``image/jpeg``).
    types: frozenset[str] | None = None
    #: The longest base64 text one inline image may have.
    max_inline_chars: int | None = None
    #: Where these rules come from.
    source: str = ""
    #: What to do with an image over the inline limit, for the error message.
    larger: str = "resize or recompress it"
    #: It takes uploaded assets (``data:<type>;asset_id,<id>``), named in these request headers.
    asset_headers: tuple[str, ...] = ()

    def describe_types(self) -> str:
        return ", ".join(sorted(self.types or ()))


def check_image_part(spec: ProviderSpec, part: Mapping[str, Any], index: int) -> dict[str, Any]:
    """``part`` in the ``{"type": "image_url", "image_url": {"url": ...}}`` form, or :class:`InvalidMessagesError`.

    ``index`` is the message's position, for the error.
    """
    where = f"messages[{index}]"
    value = part.get("image_url")
    image = {"url": value} if isinstance(value, str) else dict(value) if isinstance(value, Mapping) else None
    url = image.get("url") if image is not None else None
    if not isinstance(url, str) or not url:
        raise InvalidMessagesError(
            f"{where} has an image_url part without a URL: give {{'image_url': {{'url': 'https://...'}}}} "
            "or a data:image/png;base64,... URL."
        )
    detail = image.get("detail") if image is not None else None
    if detail is not None and detail not in _DETAILS:
        raise InvalidMessagesError(f"{where} has an image detail of {detail!r}; use 'auto', 'low' or 'high'.")
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        _check_data_url(spec, url, where)
    elif scheme not in ("http", "https"):
        raise InvalidMessagesError(
            f"{where} has an image at {_shorten(url)!r}, which {spec.name} cannot fetch: give an http(s) URL, "
            "or read the file and pass its bytes (LangChain: {'type': 'image', 'base64': ..., 'mime_type': ...}; "
            "LlamaIndex: ImageBlock(path=...))."
        )
    return {**part, "image_url": image}


def _check_data_url(spec: ProviderSpec, url: str, where: str) -> None:
    header, comma, payload = url.partition(",")
    declared = header[len("data:") :].split(";")
    if comma and "asset_id" in declared[1:]:
        if not spec.images.asset_headers:
            raise InvalidMessagesError(f"{where} references an uploaded asset, which {spec.name} does not take.")
        if not _ASSET_ID.fullmatch(f";asset_id,{payload}".encode()):
            raise InvalidMessagesError(f"{where} has an asset reference without an asset id ({_shorten(url)!r}).")
        return
    if not comma or "base64" not in declared[1:] or not declared[0]:
        raise InvalidMessagesError(
            f"{where} has a data URL that is not data:<type>;base64,<data> ({_shorten(url)!r}); "
            "encode the image with base64 and name its type."
        )
    mime = _ALIASES.get(declared[0].lower(), declared[0].lower())
    rules = spec.images
    if rules.max_inline_chars is not None and len(payload) > rules.max_inline_chars:
        raise InvalidMessagesError(
            f"{where} has an inline image of {len(payload):,} base64 characters; {spec.name} takes at most "
            f"{rules.max_inline_chars:,} ({rules.source}). {rules.larger[:1].upper()}{rules.larger[1:]}."
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMessagesError(f"{where} has an image whose data is not valid base64.") from None
    if not data:
        raise InvalidMessagesError(f"{where} has an image with no data.")
    found = sniff_type(data[:16])
    if found is not None and found != mime:
        raise InvalidMessagesError(
            f"{where} has an image labelled {declared[0]} whose bytes are {found}: declare {found!r} "
            "(LangChain: mime_type; LlamaIndex: image_mimetype)."
        )
    if not mime.startswith("image/"):
        raise InvalidMessagesError(f"{where} has an image_url part with {declared[0]} data, which is not an image.")
    if rules.types is not None and mime not in rules.types:
        raise InvalidMessagesError(
            f"{where} has a {mime} image; {spec.name} takes {rules.describe_types()} ({rules.source}). "
            "Convert it to one of those."
        )


def sniff_type(head: bytes) -> str | None:
    """The image type its first bytes show, where they show one."""
    for signature, mime in _SIGNATURES:
        if head.startswith(signature):
            return mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _shorten(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."


def with_asset_tags(parts: Sequence[Mapping[str, Any]]) -> str | None:
    """A message's checked parts as the one string NVIDIA documents for uploaded assets (text, then
    ``<img src="..." />`` per image), when one of its images is an asset; else ``None``."""
    urls = [part["image_url"]["url"] for part in parts if part.get("type") == "image_url"]
    if not any(url.startswith("data:") and ";asset_id" in url.split(",", 1)[0] for url in urls):
        return None
    text = " ".join(str(part.get("text", "")) for part in parts if part.get("type") == "text")
    return " ".join([text, *(f'<img src="{url}" />' for url in urls)]).strip()


def asset_headers(spec: ProviderSpec, body: bytes) -> dict[str, str] | None:
    """The headers naming the assets a request body references (NVIDIA's), or ``None`` when it has none."""
    names = spec.images.asset_headers
    if not names or b";asset_id," not in body:
        return None
    ids = ",".join(dict.fromkeys(match.decode() for match in _ASSET_ID.findall(body)))
    return dict.fromkeys(names, ids)
