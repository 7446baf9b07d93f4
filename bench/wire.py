"""What the floor clients share: SSE ``data:`` decoding and one aiohttp session per event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp


def sse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Decoded ``data:`` payloads up to ``[DONE]``."""
    for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                return
            yield json.loads(data)


class AioSession:
    """One aiohttp session per event loop (a session belongs to the loop that made it)."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop:
            self._session = aiohttp.ClientSession(headers=self._headers, connector=aiohttp.TCPConnector(limit=100))
            self._loop = loop
        return self._session

    async def post_json(self, url: str, body: bytes) -> dict[str, Any]:
        async with self.get().post(url, data=body) as response:
            response.raise_for_status()
            answer: dict[str, Any] = json.loads(await response.read())
            return answer

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
