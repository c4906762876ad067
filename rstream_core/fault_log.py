"""Faults that repeat, logged for people: the first in full, the rest as a count.

A stream holding 30,000 records that the decoder cannot read, or a callback that fails on
every message, must not write 30,000 tracebacks. Each `FaultLog` belongs to one resource (a
subscription, a publisher) and keeps one entry per reason (usually the exception's type):
the first fault of a reason is logged at once, with its traceback when asked; later ones are
only counted, and the count is logged, with where the last one happened, at the next fault of
that reason once `interval` seconds have passed since the last line, and by `flush()` (when
the resource closes), so no count is ever lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

__all__ = ["FaultLog"]

# At most one line per reason and resource in this many seconds, past the first.
DEFAULT_INTERVAL = 30.0


@dataclass(slots=True)
class _Repeats:
    event: str  # what happened, e.g. "skipped a record the decoder cannot read"
    last_line: float  # time.monotonic() of the last line logged for this reason
    level: int
    count: int = 0  # faults since that line
    last_where: str = ""


class FaultLog:
    """One line for the first fault of each reason, then a count (see the module)."""

    def __init__(
        self,
        logger: logging.Logger,
        subject: str,
        *,
        level: int = logging.WARNING,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._logger = logger
        self._subject = subject  # e.g. "subscription to orders"
        self._level = level
        self._interval = interval
        self._repeats: dict[tuple[str, str], _Repeats] = {}  # by (event, reason)

    def report(
        self,
        event: str,
        where: str,
        error: BaseException,
        *,
        traceback: bool = False,
        level: int | None = None,
    ) -> None:
        """One fault: `event` happened at `where` (e.g. "offset 42") because of `error`;
        logged at `level` (the log's own level by default), and so is its count."""
        reason = type(error).__name__
        key = (event, reason)
        now = time.monotonic()
        repeats = self._repeats.get(key)
        if repeats is None:
            self._repeats[key] = _Repeats(event, now, self._level if level is None else level)
            self._logger.log(
                self._repeats[key].level,
                "%s: %s at %s: %s: %s (further ones for this reason are counted, not logged)",
                self._subject, event, where, reason, error,
                exc_info=error if traceback else None,
            )
            return
        repeats.count += 1
        repeats.last_where = where
        if now - repeats.last_line >= self._interval:
            self._summarise(reason, repeats, now)

    def flush(self) -> None:
        """Log the counts not logged yet (when the resource closes)."""
        now = time.monotonic()
        for (_, reason), repeats in self._repeats.items():
            if repeats.count:
                self._summarise(reason, repeats, now)

    def _summarise(self, reason: str, repeats: _Repeats, now: float) -> None:
        self._logger.log(
            repeats.level,
            "%s: %s %d more time%s (%s) in the last %.0f s, the last at %s",
            self._subject, repeats.event, repeats.count, "" if repeats.count == 1 else "s",
            reason, now - repeats.last_line, repeats.last_where,
        )
        repeats.count = 0
        repeats.last_line = now
