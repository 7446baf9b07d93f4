"""One rate limit for every Ray worker: the decisions in one actor, the waits in the workers.

A model is pickled to reach Ray's workers; a :class:`~hostedllm.transport.ratelimit.RateLimiter` in it
would be copied, and N workers would each send the account's whole quota. A :class:`SharedRateLimiter`
pickles as a handle to one named actor that holds the only :class:`RateLimiter`: every worker asks it
for a slot (:meth:`reserve`, one actor call of about 2 ms), then waits on its own; a 429's
``Retry-After`` reported by one worker (:meth:`pause`) slows all of them.

>>> import ray  # doctest: +SKIP
>>> limiter = SharedRateLimiter(RateLimit(requests_per_minute=600), name="novita")  # doctest: +SKIP
>>> chat = ChatNovita(model="deepseek/deepseek-v3.1", rate_limit=limiter)  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hostedllm.errors import ConfigurationError
from hostedllm.transport.ratelimit import RateLimit, RateLimiter


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigurationError(
            "SharedRateLimiter needs Ray: pip install 'hostedllm[ray]' (or use RateLimiter in one process)."
        ) from None
    return ray


class _LimiterActor:
    """The one :class:`RateLimiter` of a cluster (a Ray actor; its clock is the actor's)."""

    def __init__(self, limit: RateLimit) -> None:
        self.limiter = RateLimiter(limit)

    def reserve(self, tokens: int) -> float:
        return self.limiter.reserve(tokens)

    def settle(self, estimated: int, actual: int) -> None:
        self.limiter.settle(estimated, actual)

    def pause(self, seconds: float) -> None:
        self.limiter.pause(seconds)

    def limit(self) -> RateLimit:
        return self.limiter.limit


class SharedRateLimiter:
    """A rate limiter shared by every Ray worker (and every model in them) that holds it.

    Parameters:
        limit: the account's :class:`RateLimit`.
        name: the actor's name; limiters of the same name in one Ray namespace share one actor (and its
            first limit), so separate jobs against one account can share it too. ``None``: a new actor.
        namespace: the Ray namespace of a named actor.
    """

    def __init__(self, limit: RateLimit, *, name: str | None = None, namespace: str | None = None) -> None:
        ray = import_ray()
        actor_class = ray.remote(num_cpus=0)(_LimiterActor)
        options: dict[str, Any] = {"max_concurrency": 1}
        if name is not None:
            options.update(name=name, namespace=namespace, get_if_exists=True, lifetime="detached")
        self.limit = limit
        self._actor = actor_class.options(**options).remote(limit)
        if name is not None:
            kept = ray.get(self._actor.limit.remote())
            if kept != limit:
                raise ConfigurationError(
                    f"the shared limiter {name!r} already keeps {kept!r}, not {limit!r}: use its limit, "
                    "another name, or kill() it first."
                )

    def __repr__(self) -> str:
        return f"SharedRateLimiter({self.limit!r})"

    def reserve(self, tokens: int = 0) -> float:
        """The seconds to wait before sending a request of about ``tokens`` tokens (the slot is taken)."""
        return float(import_ray().get(self._actor.reserve.remote(tokens)))

    def settle(self, estimated: int, actual: int) -> None:
        self._actor.settle.remote(estimated, actual)

    def pause(self, seconds: float) -> None:
        self._actor.pause.remote(seconds)

    def acquire(self, tokens: int = 0) -> None:
        delay = self.reserve(tokens)
        if delay > 0:
            time.sleep(delay)

    async def aacquire(self, tokens: int = 0) -> None:
        delay = float(await self._actor.reserve.remote(tokens))
        if delay > 0:
            await asyncio.sleep(delay)

    def kill(self) -> None:
        """End the actor (a named one outlives the job that made it otherwise)."""
        import_ray().kill(self._actor)
