"""langchain-hostedllm's pytest plugin (entry point ``pytest11``): the local model as a LangChain chat model.

Built on the core plugin's ``hostedllm_local_server`` (the server starts once per session, or the
test is skipped saying what to install)::

    def test_my_chain(hostedllm_chat_local):
        assert (prompt | hostedllm_chat_local | StrOutputParser()).invoke({"q": "Hi"})
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hostedllm.local import LocalServer
    from langchain_hostedllm.chat_models import ChatLocal


@pytest.fixture
def hostedllm_chat_local(hostedllm_local_server: LocalServer) -> ChatLocal:
    """LangChain's ``ChatLocal`` on the session's local model, at temperature 0.

    Example: ``(prompt | hostedllm_chat_local | StrOutputParser()).invoke({...})``.
    """
    from langchain_hostedllm.chat_models import ChatLocal

    return ChatLocal(model=hostedllm_local_server.model_id, base_url=hostedllm_local_server.base_url, temperature=0)
