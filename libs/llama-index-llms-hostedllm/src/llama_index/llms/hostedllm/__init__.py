"""LlamaIndex integration for hostedllm (the LLM classes land with the LlamaIndex issue)."""

__all__: list[str] = []
