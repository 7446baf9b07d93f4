"""The plugin's fixtures: scrubbed vcr settings and the local model, ready for a chain.

In a test (the server starts once per session, or the test is skipped saying what to install)::

    def test_my_chain(hostedllm_chat_local):
        assert (prompt | hostedllm_chat_local | StrOutputParser()).invoke({"q": "Hi"})
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from hostedllm.local import MODEL_ID, LocalServer
from hostedllm.testing.config import vcr_config_for_providers
from hostedllm.testing.local import local_model_missing

if TYPE_CHECKING:
    from langchain_hostedllm import ChatLocal
    from llama_index.llms.hostedllm import Local


@pytest.fixture(scope="module")
def hostedllm_vcr_config() -> dict[str, Any]:
    """:func:`~hostedllm.testing.vcr_config_for_providers`; used by ``hostedllm_cassette``, override it to change both.

    Example, in ``conftest.py``: ``from hostedllm.testing import vcr_config`` (pytest-recording's name).
    """
    return vcr_config_for_providers()


@pytest.fixture(scope="module")
def vcr_config(hostedllm_vcr_config: dict[str, Any]) -> dict[str, Any]:
    """pytest-recording's settings with every provider's key scrubbed; not registered by the plugin.

    Example, in ``conftest.py``: ``from hostedllm.testing import vcr_config  # noqa: F401``.
    """
    return hostedllm_vcr_config


@pytest.fixture(scope="session")
def hostedllm_local_server() -> Iterator[LocalServer]:
    """SmolLM2-135M-Instruct behind llama.cpp's server on loopback, once per session; skipped if not installed.

    Example: ``ChatLocal(model="smollm2-135m-instruct", base_url=hostedllm_local_server.base_url)``.
    """
    reason = local_model_missing()
    if reason:
        pytest.skip(f"hostedllm_local_server: {reason}")
    with LocalServer(startup_timeout=180) as server:
        yield server


@pytest.fixture
def hostedllm_chat_local(hostedllm_local_server: LocalServer) -> ChatLocal:
    """LangChain's ``ChatLocal`` on the session's local model, at temperature 0.

    Example: ``(prompt | hostedllm_chat_local | StrOutputParser()).invoke({...})``.
    """
    try:
        from langchain_hostedllm import ChatLocal
    except ImportError as exc:
        pytest.fail(f"hostedllm_chat_local needs the LangChain adapter: pip install langchain-hostedllm ({exc})")
    return ChatLocal(model=MODEL_ID, base_url=hostedllm_local_server.base_url, temperature=0)


@pytest.fixture
def hostedllm_llm_local(hostedllm_local_server: LocalServer) -> Local:
    """LlamaIndex's ``Local`` on the session's local model, at temperature 0.

    Example: ``hostedllm_llm_local.complete("Name a colour.").text``.
    """
    try:
        from llama_index.llms.hostedllm import Local
    except ImportError as exc:
        pytest.fail(f"hostedllm_llm_local needs the LlamaIndex adapter: pip install llama-index-llms-hostedllm ({exc})")
    return Local(model=MODEL_ID, api_base=hostedllm_local_server.base_url, temperature=0)
