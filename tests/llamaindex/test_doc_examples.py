"""Every example in llama_index.llms.hostedllm's docstrings runs and shows what it says."""

from __future__ import annotations

import pytest

from ..docexamples import failed_examples, modules_of


@pytest.mark.parametrize("module", modules_of("llama_index.llms.hostedllm"))
def test_the_examples_in_the_docstrings_hold(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NVIDIA_API_KEY", "NOVITA_API_KEY", "BAICHUAN_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert failed_examples(module) == 0
