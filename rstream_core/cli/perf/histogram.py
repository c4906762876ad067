"""A log-linear histogram of latencies in microseconds, as HdrHistogram keeps them.

Values below 32 µs have a bucket each; above, every power of two is split into 16 buckets, so
a reported percentile is within 1/16 (6.25 %) of the true value. Recording is a few integer
operations, and histograms from several processes merge by adding their counts.
"""

from __future__ import annotations

from collections.abc import Iterable

_SUB_BUCKETS = 16  # per power of two
_EXACT = 2 * _SUB_BUCKETS  # values below this have a bucket of their own


def bucket_of(value: int) -> int:
    """The bucket of a value (negative values count as 0)."""
    if value < _EXACT:
        return max(value, 0)
    shift = value.bit_length() - 5  # keep the top five bits: 16..31
    return shift * _SUB_BUCKETS + (value >> shift)


def bucket_range(index: int) -> tuple[int, int]:
    """The lowest and highest value of a bucket."""
    if index < _EXACT:
        return index, index
    shift = index // _SUB_BUCKETS - 1
    top = index - shift * _SUB_BUCKETS
    return top << shift, ((top + 1) << shift) - 1


class Histogram:
    __slots__ = ("counts", "maximum", "total")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total = 0
        self.maximum = 0

    def record(self, value: int) -> None:
        index = bucket_of(value)
        self.counts[index] = self.counts.get(index, 0) + 1
        self.total += 1
        if value > self.maximum:
            self.maximum = value

    def merge(self, other: Histogram) -> None:
        for index, count in other.counts.items():
            self.counts[index] = self.counts.get(index, 0) + count
        self.total += other.total
        self.maximum = max(self.maximum, other.maximum)

    def percentile(self, fraction: float) -> float:
        """The value below which `fraction` of the recorded values lie (0 when empty): the
        middle of its bucket, never above the largest value recorded."""
        if not self.total:
            return 0.0
        rank = max(1, round(fraction * self.total))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                low, high = bucket_range(index)
                return min((low + high) / 2, self.maximum)
        return float(self.maximum)

    def percentiles(self, fractions: Iterable[float] = (0.5, 0.95, 0.99)) -> list[float]:
        return [self.percentile(fraction) for fraction in fractions]
