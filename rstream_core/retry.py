"""Retrying with back-off: the one loop behind every recovery (publishers, subscriptions) and
behind the load balancer's reconnects.

An error says whether trying again may help: `RStreamError.retriable` (False for a deleted
stream, refused credentials, a feature the broker lacks); OSError and other exceptions count
as retriable. `retry` calls an attempt until it succeeds, raises the first error that is not
retriable, and waits between attempts as its `BackOff` says.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from rstream_core.errors import RStreamError

__all__ = ["LOAD_BALANCER_BACK_OFF", "RECOVERY_BACK_OFF", "BackOff", "is_retriable", "retry"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BackOff:
    """Delays between attempts: `first`, then multiplied by `factor` up to `maximum`."""

    first: float
    maximum: float
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


# Recovery: first retry quickly, then at most every few seconds.
RECOVERY_BACK_OFF = BackOff(first=0.2, maximum=5.0)
# Reconnecting until the load balancer lands on the wanted node: short waits.
LOAD_BALANCER_BACK_OFF = BackOff(first=0.1, maximum=2.0)


def is_retriable(error: BaseException) -> bool:
    """Whether trying the same thing again may succeed."""
    if isinstance(error, RStreamError):
        return error.retriable
    return isinstance(error, Exception)


async def retry(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    logger: logging.Logger,
    stopped: Callable[[], bool],
    back_off: BackOff = RECOVERY_BACK_OFF,
) -> T | None:
    """`await attempt()` until it succeeds and return its result; None once `stopped()`.

    An error that is not retriable is raised at once; a retriable one is logged (INFO for
    the client's own errors and OSError, WARNING for anything unexpected) with `what`
    failed, and the next attempt waits for the next delay of `back_off`.
    """
    delays = back_off.delays()
    while not stopped():
        try:
            return await attempt()
        except Exception as exc:
            if not is_retriable(exc):
                raise
            delay = next(delays)
            expected = isinstance(exc, RStreamError | OSError)
            logger.log(logging.INFO if expected else logging.WARNING,
                       "%s failed (%r); retry in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
    return None
