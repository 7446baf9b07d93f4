"""LangChain integration for hostedllm (the chat model classes land with the LangChain issue)."""

__all__: list[str] = []
