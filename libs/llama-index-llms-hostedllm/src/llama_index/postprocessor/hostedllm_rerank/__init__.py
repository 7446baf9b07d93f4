"""hostedllm's LlamaIndex rerankers where LlamaIndex users look for them (``llama_index.postprocessor.<name>_rerank``).

The classes live in :mod:`llama_index.llms.hostedllm.rerank`; this is the same objects.

>>> from llama_index.postprocessor.hostedllm_rerank import NovitaRerank
>>> NovitaRerank(model="baai/bge-reranker-v2-m3", api_key="test", top_n=3).top_n
3
"""

from llama_index.llms.hostedllm.rerank import BaseHostedRerank, HostedRerank, NIMRerank, NovitaRerank

__all__ = ["BaseHostedRerank", "HostedRerank", "NIMRerank", "NovitaRerank"]
