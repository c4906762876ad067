"""Consumer flow control: when to give the broker credit for another chunk.

Credit counts chunks (protocol.md 7.4). A strategy says how many credits to start with and how
many to grant when a chunk arrives and when its messages have been handed to the application.
Either way the number of chunks held by the client stays bounded, so a slow callback stops
the broker instead of filling memory.
"""

from __future__ import annotations

from typing import Protocol


class CreditStrategy(Protocol):
    initial_credit: int

    def on_chunk_received(self, backlog: int) -> int:
        """Credits to grant when a chunk arrives; `backlog` = chunks not yet processed."""

    def on_chunk_processed(self, backlog: int) -> int:
        """Credits to grant once a chunk's messages were handed to the application."""


class CreditAfterProcessing:
    """One credit back per chunk, once its messages were processed (the default)."""

    def __init__(self, initial_credit: int = 10) -> None:
        _check(initial_credit)
        self.initial_credit = initial_credit

    def on_chunk_received(self, backlog: int) -> int:
        return 0

    def on_chunk_processed(self, backlog: int) -> int:
        return 1


class CreditOnChunkArrival:
    """One credit back as soon as a chunk arrives (more pipelining), unless the backlog of
    unprocessed chunks reached the initial credit; those credits come back once processed."""

    def __init__(self, initial_credit: int = 10) -> None:
        _check(initial_credit)
        self.initial_credit = initial_credit
        self._owed = 0

    def on_chunk_received(self, backlog: int) -> int:
        if backlog < self.initial_credit:
            return 1
        self._owed += 1
        return 0

    def on_chunk_processed(self, backlog: int) -> int:
        if self._owed and backlog < self.initial_credit:
            self._owed -= 1
            return 1
        return 0


def _check(initial_credit: int) -> None:
    if not 1 <= initial_credit <= 32767:
        raise ValueError("initial_credit must be between 1 and 32767")
