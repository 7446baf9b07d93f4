"""The model catalog: find models by capability and price, compare providers, see retirement warnings,
and use a model newer than the catalog.

Shows ``default_catalog().models(capabilities=[...], status=...)`` filtered by price, one model
served by several providers side by side (price, context window, max output), the
``ModelStatusWarning`` a retired model gives when a LangChain or LlamaIndex model is created for
it (caught with ``warnings.catch_warnings``), and the one ``UnknownModelWarning`` of a model the
catalog does not list yet, with what you know stated per instance. Everything comes from the
packaged catalog (``models.toml`` and the generated ``generated.json``); no server, key or network is used.

    python cookbook/catalog.py
"""

from __future__ import annotations

import warnings
from collections import defaultdict

from hostedllm.catalog import ModelEntry, ModelStatusWarning, UnknownModelWarning, default_catalog
from langchain_hostedllm import ChatNIM, ChatNovita
from llama_index.llms.hostedllm import Baichuan, Novita

NEEDS = ["tools", "json_schema"]
MAX_OUTPUT_PRICE = 0.50  # USD per 1M output tokens
COMPARE = ("llama-3.3-70b-instruct", "deepseek-v3.2", "gpt-oss-120b", "baichuan4")  # shown side by side


def price(entry: ModelEntry) -> str:
    if entry.price is None or entry.price.input is None or entry.price.output is None:
        return "no published price"
    return f"{entry.price.input:g} in / {entry.price.output:g} out {entry.price.currency} per 1M"


def tokens(count: int | None) -> str:
    return f"{count:,}" if count else "?"


def known(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def base_name(entry: ModelEntry) -> str:
    """The model without its publisher prefix: ``meta/llama-3.3-70b-instruct`` -> ``llama-3.3-70b-instruct``."""
    return entry.id.rsplit("/", 1)[-1].casefold()


def main() -> None:
    catalog = default_catalog()

    print(f"1. Hosted models with {' + '.join(NEEDS)}, output at most {MAX_OUTPUT_PRICE:.2f} USD per 1M tokens:")
    found = [
        entry
        for entry in catalog.models(capabilities=NEEDS, status="active")
        if entry.provider != "local"
        and entry.price is not None
        and entry.price.currency == "USD"
        and entry.price.output is not None
        and entry.price.output <= MAX_OUTPUT_PRICE
    ]
    for entry in sorted(found, key=lambda e: (e.price.output or 0, e.price.input or 0) if e.price else (0, 0)):
        print(f"   {entry.key:<40} {price(entry):<34} context {tokens(entry.context_window)}")

    print("\n2. One model, several providers:")
    served: dict[str, list[ModelEntry]] = defaultdict(list)
    for entry in catalog.models(status="active", kind="chat"):
        served[base_name(entry)].append(entry)
    shared = [(name, entries) for name, entries in sorted(served.items()) if len({e.provider for e in entries}) > 1]
    for name, entries in shared:
        if name not in COMPARE:
            continue
        print(f"   {name}:")
        for entry in entries:
            print(
                f"     {entry.key:<40} {price(entry):<34} context {tokens(entry.context_window)}, "
                f"max output {tokens(entry.max_output_tokens)}, tools {known(entry.capabilities.tools)}"
            )
    print(f"   ... {len(shared) - len(COMPARE)} more models are served by several providers.")

    print("\n3. Retired and deprecated models warn when a model object is created (no request is made):")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ChatNIM(model="meta/llama2-70b", api_key="not-used")  # LangChain
        Baichuan(model="Baichuan2-53B", api_key="not-used")  # LlamaIndex
    for warning in caught:
        if issubclass(warning.category, ModelStatusWarning):
            print(f"   {warning.category.__name__}: {warning.message}")
    inactive = [entry for entry in catalog if entry.status.state != "active"]
    print(f"   The catalog knows {len(inactive)} inactive models; the hand-curated ones:")
    for entry in inactive:
        if entry.curated:
            print(f"     [{entry.status.state}] {entry.key}: use {entry.status.replacement or '-'}")

    print("\n4. A model newer than the catalog works after one warning; say what you know per instance:")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chat = ChatNovita(model="vendor/model-of-next-week", api_key="not-used", capabilities={"tools": True})
        llm = Novita(model="vendor/model-of-next-week", api_key="not-used", context_window=131072)
    for warning in caught:
        if issubclass(warning.category, UnknownModelWarning):
            print(f"   {warning.category.__name__}: {str(warning.message)[:110]}...")
    print(f"   LangChain profile: tool_calling={chat.profile and chat.profile.get('tool_calling')}")
    print(f"   LlamaIndex metadata: context_window={llm.metadata.context_window}")


if __name__ == "__main__":
    main()
