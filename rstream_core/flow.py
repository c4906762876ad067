"""Consumer flow control: when to give the broker credit for another chunk.

Credit counts chunks (docs/protocol.md 7.4). A strategy says how many credits to start with and how
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


# The default strategy lets the broker send ahead about this many records per credit of the
# initial credit: chunks of our producer hold thousands of records, so 10 chunks ahead; a
# stream written in frames of 100 (chunks of ~60 records) gets more chunks ahead instead of
# waiting for the broker after every few thousand records.
RECORDS_PER_CREDIT = 1000
MAX_CREDIT = 1000


class CreditAfterProcessing:
    """Credit back once chunks were processed (the default), so a slow callback stops the
    broker. Two refinements, each measured on a stream of chunks of 62 records:

    - credits are granted in batches of half the initial credit, not one Credit frame (one
      socket write) per chunk (985 -> 801 ns of client CPU per message);
    - the chunks allowed ahead grow when chunks are small, to about RECORDS_PER_CREDIT
      records per initial credit (up to MAX_CREDIT chunks): what is held stays about the
      same number of records (1.0M msg/s with 10 chunks ahead, 1.35M with 100).

    The extra credit only adds to the one-per-processed-chunk credit, so a credit lost (a
    resubscription, an inactive single active consumer) can lower the pipelining, never
    stall the subscription; `reset()` on each subscription brings it back.
    """

    def __init__(self, initial_credit: int = 10) -> None:
        _check(initial_credit)
        self.initial_credit = initial_credit
        self._batch = max(1, initial_credit // 2)
        self._owed = 0
        self._average_records = float(RECORDS_PER_CREDIT)
        self._extra = 0  # credit granted beyond the one per chunk

    def reset(self) -> None:
        """A new subscription: the broker holds the initial credit and nothing more."""
        self._owed = 0
        self._extra = 0

    def on_chunk_received(self, backlog: int) -> int:
        return 0

    def on_chunk_processed(self, backlog: int, records: int | None = None) -> int:
        self._owed += 1
        if records is not None:
            self._average_records += (records - self._average_records) / 8
        wanted = self._wanted_extra()
        if wanted < self._extra:  # chunks grew: keep some credit back until it fits again
            kept = min(self._owed, self._extra - wanted)
            self._owed -= kept
            self._extra -= kept
        elif wanted - self._extra >= self._batch:
            self._owed += wanted - self._extra
            self._extra = wanted
        if self._owed < self._batch:
            return 0
        owed, self._owed = self._owed, 0
        return owed

    def _wanted_extra(self) -> int:
        ahead = self.initial_credit * RECORDS_PER_CREDIT / max(self._average_records, 1.0)
        return max(0, min(int(ahead), MAX_CREDIT) - self.initial_credit)


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
