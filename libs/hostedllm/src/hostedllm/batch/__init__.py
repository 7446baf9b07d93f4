"""Jobs larger than one process: the rate limit every Ray worker shares (``hostedllm[ray]``).

:class:`~hostedllm.batch.ray_limiter.SharedRateLimiter` is a rate limiter whose decisions one Ray actor
makes for the whole cluster; pass it as ``rate_limit=`` to any client or class and every worker that
receives the pickled model paces against the same account limit.
"""
