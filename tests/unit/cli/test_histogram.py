"""The perf tool's latency histogram: bucket bounds, percentiles within 1/16, merging."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from rstream_core.cli.perf.histogram import Histogram, bucket_of, bucket_range

values = st.integers(0, 10**9)


@given(values)
def test_a_value_lies_in_its_bucket_and_buckets_are_narrow(value: int) -> None:
    low, high = bucket_range(bucket_of(value))
    assert low <= value <= high
    assert high - low <= max(low, 1) / 16


def test_buckets_are_contiguous() -> None:
    previous_high = -1
    for index in range(600):
        low, high = bucket_range(index)
        assert low == previous_high + 1
        previous_high = high


@given(st.lists(values, min_size=1, max_size=300), st.sampled_from([0.5, 0.95, 0.99, 1.0]))
def test_percentiles_are_within_a_sixteenth(recorded: list[int], fraction: float) -> None:
    histogram = Histogram()
    for value in recorded:
        histogram.record(value)
    ordered = sorted(recorded)
    exact = ordered[max(1, round(fraction * len(ordered))) - 1]
    assert math.isclose(histogram.percentile(fraction), exact, rel_tol=1 / 16, abs_tol=0.5)
    assert histogram.maximum == ordered[-1]


def test_empty_and_merged() -> None:
    assert Histogram().percentile(0.5) == 0.0
    first, second = Histogram(), Histogram()
    for value in range(100):
        (first if value % 2 else second).record(value)
    first.merge(second)
    assert first.total == 100 and first.maximum == 99
    assert abs(first.percentile(0.5) - 49) <= 49 / 16  # the 50th of 0..99
