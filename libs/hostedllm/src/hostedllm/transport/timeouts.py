"""Timeouts for one client: connect, read (each wait for bytes), the idle gap in streams, and an optional
total for a whole call."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from hostedllm.errors import ConfigurationError


@dataclass(frozen=True)
class Timeouts:
    """Seconds. ``stream_idle`` bounds each wait for the next stream chunk, the first included;
    ``total`` (off by default) the whole call (:mod:`hostedllm.transport.deadline`).

    >>> Timeouts.from_value(30).read
    30.0
    >>> Timeouts(read=30, total=120).total
    120
    """

    connect: float = 10.0
    read: float = 120.0
    write: float = 30.0
    pool: float = 30.0
    stream_idle: float = 60.0
    #: The whole call, retries and every stream chunk included (``None``: no such bound, the default).
    total: float | None = None

    def __post_init__(self) -> None:
        if self.total is not None and self.total <= 0:
            raise ConfigurationError(f"Timeouts(total={self.total!r}) must be a positive number of seconds, or None.")

    @classmethod
    def from_value(cls, value: float | Timeouts | httpx.Timeout | None) -> Timeouts:
        """Accept a number (read and stream idle), a :class:`Timeouts`, or an ``httpx.Timeout``."""
        if value is None:
            return cls()
        if isinstance(value, Timeouts):
            return value
        if isinstance(value, httpx.Timeout):
            base = cls()
            return cls(
                connect=value.connect or base.connect,
                read=value.read or base.read,
                write=value.write or base.write,
                pool=value.pool or base.pool,
                stream_idle=value.read or base.stream_idle,
            )
        seconds = float(value)
        if seconds <= 0:
            raise ValueError(f"timeout={value!r} must be a positive number of seconds.")
        return cls(connect=min(seconds, cls.connect), read=seconds, stream_idle=seconds)

    def for_request(self, *, stream: bool) -> httpx.Timeout:
        read = self.stream_idle if stream else self.read
        return httpx.Timeout(connect=self.connect, read=read, write=self.write, pool=self.pool)
