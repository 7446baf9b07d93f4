"""Jobs over many rows, in one process or on Ray (``hostedllm[batch]``, ``hostedllm[ray]``).

- :mod:`~hostedllm.batch.files`: rows in from JSONL or Parquet; results out as Parquet parts, resumable by id.
- :mod:`~hostedllm.batch.runner`: ``run_job`` in one process (asyncio, bounded concurrency), every row one
  result; ``chat_work`` and ``embedding_work`` (``langchain_hostedllm.batch.runnable_work`` for a chain).
- :mod:`~hostedllm.batch.ray_data`: ``run_on_ray``, the same on a Ray Data actor pool.
- :mod:`~hostedllm.batch.ray_limiter`: ``SharedRateLimiter``, one rate limit one Ray actor keeps for every
  worker; pass it as ``rate_limit=`` to any client or class.
"""
