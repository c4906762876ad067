"""Hash routing vectors (shared with the Java client), creation arguments, credit strategies."""

from __future__ import annotations

from datetime import timedelta

import mmh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rstream_core.arguments import StreamArguments, SuperStreamCreationOption, arguments_map
from rstream_core.flow import CreditAfterProcessing, CreditOnChunkArrival
from rstream_core.superstream import HASH_SEED, hash_partition

# docs/protocol.md 6.3: unsigned murmur3 x86 32-bit, seed 104729, checked against the Java tests.
HASHES = {"hello": 1321743225, "brave": 3825276426, "new": 2970740106, "world": 2453398188,
          "hello1": 284792890, "hello2": 3228679428, "hello10": 2675414189}
JAVA_PARTITIONS = ["invoices-01", "invoices-02", "invoices-03"]
JAVA_ROUTES = {"hello1": "02", "hello2": "01", "hello3": "02", "hello4": "03", "hello5": "01",
               "hello6": "03", "hello7": "01", "hello8": "02", "hello9": "01", "hello10": "03"}


@pytest.mark.parametrize(("key", "expected"), HASHES.items())
def test_murmur3_vectors(key: str, expected: int) -> None:
    assert mmh3.hash(key.encode(), HASH_SEED, signed=False) == expected


@pytest.mark.parametrize(("key", "suffix"), JAVA_ROUTES.items())
def test_hash_routing_matches_the_java_client(key: str, suffix: str) -> None:
    assert hash_partition(key, JAVA_PARTITIONS) == f"invoices-{suffix}"


def test_no_partitions_no_route() -> None:
    assert hash_partition("anything", []) is None


@given(st.text(), st.integers(min_value=1, max_value=50))
def test_hash_routing_is_stable_and_in_range(key: str, count: int) -> None:
    partitions = [f"p-{i}" for i in range(count)]
    first = hash_partition(key, partitions)
    assert first in partitions
    assert hash_partition(key, partitions) == first


def test_stream_arguments_map() -> None:
    arguments = StreamArguments(
        max_length_bytes=1000, max_age=timedelta(minutes=2), max_segment_size_bytes=500,
        initial_cluster_size=3, leader_locator="balanced", filter_size_bytes=64,
        extra={"x-custom": "1"},
    )
    assert arguments.to_map() == {
        "max-length-bytes": "1000", "max-age": "120s", "stream-max-segment-size-bytes": "500",
        "initial-cluster-size": "3", "queue-leader-locator": "balanced",
        "stream-filter-size-bytes": "64", "x-custom": "1",
    }
    assert arguments_map({"max-age": "1h", "max-length-bytes": 5}) == {
        "max-age": "1h", "max-length-bytes": "5"}
    assert arguments_map(None) == {}


@pytest.mark.parametrize("bad", [{"filter_size_bytes": 8}, {"max_length_bytes": 0}])
def test_stream_arguments_are_validated(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        StreamArguments(**bad)  # type: ignore[arg-type]


def test_super_stream_partitions() -> None:
    assert SuperStreamCreationOption(n_partitions=2).partitions("s") == (["s-0", "s-1"], ["0", "1"])
    keys = SuperStreamCreationOption(binding_keys=["eu", "us"]).partitions("s")
    assert keys == (["s-eu", "s-us"], ["eu", "us"])
    with pytest.raises(ValueError):
        SuperStreamCreationOption().partitions("s")


def test_credit_after_processing_grants_in_batches_of_half_the_credit() -> None:
    strategy = CreditAfterProcessing(10)
    assert strategy.initial_credit == 10
    assert strategy.on_chunk_received(0) == 0
    grants = [strategy.on_chunk_processed(0) for _ in range(12)]
    assert grants == [0, 0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0]
    # Whatever happens, the broker keeps at least half the initial credit: never a stall.
    outstanding = 10
    for grant in grants:
        outstanding += grant - 1
        assert outstanding >= 5
    single = CreditAfterProcessing(1)
    assert [single.on_chunk_processed(0) for _ in range(3)] == [1, 1, 1]


def test_credit_on_arrival_is_bounded_by_the_backlog() -> None:
    strategy = CreditOnChunkArrival(2)
    assert strategy.on_chunk_received(1) == 1
    assert strategy.on_chunk_received(2) == 0  # backlog full: owe it
    assert strategy.on_chunk_processed(2) == 0  # still full
    assert strategy.on_chunk_processed(1) == 1  # room again: pay the debt
    assert strategy.on_chunk_processed(0) == 0


@pytest.mark.parametrize("credit", [0, 40000])
def test_credit_range(credit: int) -> None:
    with pytest.raises(ValueError):
        CreditAfterProcessing(credit)


def test_the_default_credit_lets_more_small_chunks_ahead() -> None:
    strategy = CreditAfterProcessing(10)
    granted = sum(strategy.on_chunk_processed(0, records=62) for _ in range(200))
    # ~1000 records per initial credit: about 161 chunks of 62 ahead instead of 10.
    assert 200 + 140 <= granted <= 200 + 151
    big = sum(strategy.on_chunk_processed(0, records=5000) for _ in range(200))
    assert big < 200 - 100  # chunks grew: the extra credit is taken back
    assert strategy._extra == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.lists(st.tuples(st.integers(1, 6000), st.booleans()), max_size=300))
def test_the_default_credit_never_stalls_and_stays_bounded(
    initial: int, chunks: list[tuple[int, bool]]
) -> None:
    """A broker that sends while it holds credit, a worker that sometimes lags behind."""
    strategy = CreditAfterProcessing(initial)
    outstanding, backlog = initial, []
    for records, worker_lags in chunks:
        if outstanding:  # the broker sends a chunk
            outstanding -= 1
            backlog.append(records)
            strategy.on_chunk_received(len(backlog))
        if backlog and not (worker_lags and outstanding):
            done = backlog.pop(0)
            outstanding += strategy.on_chunk_processed(len(backlog), records=done)
        assert outstanding or backlog, "stalled: no credit and nothing to process"
        assert outstanding + len(backlog) <= 1000 + initial


def test_initial_offset_goes_as_a_string_within_the_brokers_range() -> None:
    assert StreamArguments(initial_offset=0).to_map() == {"stream-initial-offset": "0"}
    top = (1 << 62) - 1
    assert StreamArguments(initial_offset=top).to_map() == {"stream-initial-offset": str(top)}
    for bad in (-1, 1 << 62):
        with pytest.raises(ValueError, match="initial_offset must be between 0 and"):
            StreamArguments(initial_offset=bad)
