"""Quickstart: stream a chat answer token by token, then print usage and the estimated cost.

With no key set it replays the documented Novita example from a cassette (no network), so it
runs anywhere. With NOVITA_API_KEY set and `--live`, the same code talks to Novita.

    python cookbook/quickstart.py            # replay
    python cookbook/quickstart.py --live     # real call (needs NOVITA_API_KEY)
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from hostedllm import ChatClient

CASSETTE = Path(__file__).parent.parent / "tests" / "cassettes" / "documented" / "novita" / "test_stream.yaml"
MESSAGES = [
    {"role": "system", "content": "Act like you are a helpful assistant."},
    {"role": "user", "content": "Hi there!"},
]


def replay() -> AbstractContextManager[Any]:
    import vcr  # a test dependency; only the replay needs it

    print(f"(replaying Novita's documented stream example from {CASSETTE.name}; the docs elide part of the answer)\n")
    return vcr.use_cassette(str(CASSETTE), record_mode="none", match_on=["method", "uri", "body"])


def main(live: bool) -> None:
    if not live:
        os.environ.setdefault("NOVITA_API_KEY", "replay-needs-no-key")
    client = ChatClient("novita", "qwen/qwen-2-72b-instruct")
    request = client.build_request(MESSAGES, params={"max_tokens": 512}, stream=True)
    usage = None
    with nullcontext() if live else replay():
        for chunk in client.stream(request):
            for choice in chunk["choices"]:
                print(choice["delta"].get("content") or "", end="", flush=True)
            usage = chunk.get("usage", usage)
    print("\n")
    if usage:
        cost = client.estimate_cost(usage)
        print(f"usage: {usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens")
        if cost:
            print(f"estimated cost: {cost.total:.8f} {cost.currency} (catalog price for {client.model.key})")


if __name__ == "__main__":
    main(live="--live" in sys.argv[1:])
