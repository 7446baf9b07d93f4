"""Record a provider's real ``GET /models`` answer into ``tests/cassettes/models/<provider>.json``.

Usage (the key comes from the provider's usual variable; it is sent, never written)::

    NOVITA_API_KEY=... python tests/cassettes/models/record.py novita
    python tests/cassettes/models/record.py local      # starts the embedded llama.cpp server

Review the file (``git diff``) before committing: tests that assert the documented figures may
need the recorded ones.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

HERE = Path(__file__).parent
#: Response headers worth keeping; everything else (cookies, request ids, dates) is dropped.
KEPT_HEADERS = ("content-type", "server")


@contextlib.contextmanager
def _base_url(provider: str) -> Iterator[str]:
    from hostedllm.providers import get_provider
    from hostedllm.settings import resolve_base_url

    if provider != "local":
        yield resolve_base_url(get_provider(provider), None)
        return
    from hostedllm.local import LocalServer
    from hostedllm.local.server import free_port

    with LocalServer(port=free_port()) as server:
        yield server.base_url


def record(provider: str) -> Path:
    from hostedllm.providers import get_provider
    from hostedllm.settings import request_headers, resolve_api_key

    spec = get_provider(provider)
    headers = request_headers(spec, resolve_api_key(spec, None))
    with _base_url(provider) as base:
        response = httpx.get(base.rstrip("/") + "/models", headers=headers, timeout=60)
        response.raise_for_status()
        url = str(response.request.url)
    if provider == "local":  # a random port: store the default one
        url = str(httpx.URL(url).copy_with(port=8080))
    today = datetime.date.today().isoformat()
    fixture = {
        "_provenance": [
            f"RECORDED from {url} on {today} with tests/cassettes/models/record.py; Authorization not stored.",
            f"Re-record: python tests/cassettes/models/record.py {provider}",
        ],
        "request": {"method": "GET", "url": url},
        "response": {
            "status_code": response.status_code,
            "headers": {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers},
            "json": response.json(),
        },
    }
    path = HERE / f"{provider}.json"
    path.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(f"wrote {record(sys.argv[1])}\n")
