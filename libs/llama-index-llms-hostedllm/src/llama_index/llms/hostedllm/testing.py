"""llama-index-llms-hostedllm's pytest plugin (entry point ``pytest11``): the local model as a LlamaIndex LLM.

Built on the core plugin's ``hostedllm_local_server`` (the server starts once per session, or the
test is skipped saying what to install)::

    def test_my_index(hostedllm_llm_local):
        assert hostedllm_llm_local.complete("Name a colour.").text
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hostedllm.local import LocalServer
    from llama_index.llms.hostedllm.providers import Local


@pytest.fixture
def hostedllm_llm_local(hostedllm_local_server: LocalServer) -> Local:
    """LlamaIndex's ``Local`` on the session's local model, at temperature 0.

    Example: ``hostedllm_llm_local.complete("Name a colour.").text``.
    """
    from llama_index.llms.hostedllm.providers import Local

    return Local(model=hostedllm_local_server.model_id, api_base=hostedllm_local_server.base_url, temperature=0)
