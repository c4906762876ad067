"""What the perf workers count, and how the counts of several workers add up.

A worker's `Counters` is mutated by its callbacks; once a second `take()` turns what was
counted since the last call into an `Interval`, which is small and picklable, so worker
processes send theirs to the parent, which adds them up per second and for the summary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rstream_core.cli.perf.histogram import Histogram

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """This process's resident memory now (Linux), else 0."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class Interval:
    """Counts over one interval (one worker, or several added up)."""

    published: int = 0
    confirmed: int = 0
    errored: int = 0
    consumed: int = 0
    chunks: int = 0
    chunk_records: int = 0
    confirm_latency: Histogram = field(default_factory=Histogram)  # µs, send to confirm
    latency: Histogram = field(default_factory=Histogram)  # µs, send to the consumer
    rss: int = 0  # bytes: one worker's figure (the parent adds up the workers' latest)
    worker: int = 0  # which worker counted this interval
    producers_done: int = 0  # producers (consumers) that sent (read) their message count
    consumers_done: int = 0

    def add(self, other: Interval) -> None:
        for name in ("published", "confirmed", "errored", "consumed", "chunks", "chunk_records",
                     "producers_done", "consumers_done"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.confirm_latency.merge(other.confirm_latency)
        self.latency.merge(other.latency)

    @property
    def chunk_size(self) -> float:
        """Records per chunk on average."""
        return self.chunk_records / self.chunks if self.chunks else 0.0


class Counters:
    """A worker's running counts, mutated by its callbacks; `take()` hands over what was
    counted since the last call as an Interval and starts the next."""

    def __init__(self, worker: int = 0) -> None:
        self.worker = worker
        self.published = self.confirmed = self.errored = self.consumed = 0
        self.confirm_latency = Histogram()
        self.latency = Histogram()
        self._chunks = self._chunk_records = 0  # the subscriptions' totals at the last take

    def take(self, chunks: int, chunk_records: int, producers_done: int,
             consumers_done: int) -> Interval:
        """`chunks` and `chunk_records`: the subscriptions' running totals now."""
        interval = Interval(
            published=self.published,
            confirmed=self.confirmed,
            errored=self.errored,
            consumed=self.consumed,
            chunks=chunks - self._chunks,
            chunk_records=chunk_records - self._chunk_records,
            confirm_latency=self.confirm_latency,
            latency=self.latency,
            rss=rss_bytes(),
            worker=self.worker,
            producers_done=producers_done,
            consumers_done=consumers_done,
        )
        self.published = self.confirmed = self.errored = self.consumed = 0
        self.confirm_latency = Histogram()
        self.latency = Histogram()
        self._chunks, self._chunk_records = chunks, chunk_records
        return interval
