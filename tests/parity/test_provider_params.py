"""Both adapters' provider classes expose their spec's parameters, the same ones, described from the spec."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from hostedllm.provider_fields import SHARED_PARAMS, param_description, provider_params
from hostedllm.providers import PROVIDERS, ProviderSpec
from langchain_hostedllm import ChatBaichuan, ChatLocal, ChatNIM, ChatNovita
from langchain_hostedllm.chat_models import BaseChatHosted
from llama_index.llms.hostedllm import NIM, Baichuan, Local, Novita
from llama_index.llms.hostedllm.base import BaseHostedLLM

#: provider -> (LangChain class, LlamaIndex class); theturbo is reached through ChatHosted/HostedLLM only.
CLASSES: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "baichuan": (ChatBaichuan, Baichuan),
    "nim": (ChatNIM, NIM),
    "novita": (ChatNovita, Novita),
    "local": (ChatLocal, Local),
}
#: The spec parameter kinds as the field types that hold them (``None``: not set).
KINDS: dict[type, set[Any]] = {
    int: {int},
    float: {float},
    bool: {bool},
    dict: {dict},
    list: {list, str},
}


def _declared(cls: type[BaseModel], base: type[BaseModel]) -> set[str]:
    """Fields the provider class adds to its adapter's base that are named like a spec parameter."""
    names = {name for specs in PROVIDERS.values() for name in specs.params}
    return {name for name in cls.model_fields if name in names and name not in base.model_fields}


def _kinds(annotation: Any) -> set[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in get_args(annotation))) - {type(None)}
    return {get_origin(annotation) or annotation} - {type(None)}


def test_every_provider_with_classes_is_covered() -> None:
    assert set(CLASSES) == set(PROVIDERS) - {"theturbo"}


@pytest.mark.parametrize("provider", sorted(CLASSES))
def test_both_adapters_declare_exactly_the_specs_parameters(provider: str) -> None:
    spec: ProviderSpec = PROVIDERS[provider]
    langchain, llamaindex = CLASSES[provider]
    expected = set(provider_params(spec))
    assert _declared(langchain, BaseChatHosted) == expected
    assert _declared(llamaindex, BaseHostedLLM) == expected


@pytest.mark.parametrize("base", [BaseChatHosted, BaseHostedLLM])
def test_both_bases_declare_the_shared_parameters(base: type[BaseModel]) -> None:
    assert set(SHARED_PARAMS) <= set(base.model_fields)


@pytest.mark.parametrize("provider", sorted(CLASSES))
def test_fields_have_the_specs_type_and_range(provider: str) -> None:
    spec = PROVIDERS[provider]
    for cls in CLASSES[provider]:
        for name, param in provider_params(spec).items():
            field = cls.model_fields[name]
            assert _kinds(field.annotation) == KINDS[param.kind], (cls.__name__, name)
            assert field.description == param_description(spec, name)
            assert param.describe() in (field.description or "")
            assert field.default is None  # unset is not sent
