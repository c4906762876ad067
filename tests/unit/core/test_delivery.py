"""A subscription's decisions on their own (rstream_core/delivery.py): the chunk queue,
credit, offset filtering, offsets to store, where to resume. Plain calls, no broker."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rstream_core.delivery import Delivery
from rstream_core.flow import MAX_CREDIT, CreditAfterProcessing, CreditOnChunkArrival
from rstream_core.protocol.constants import OffsetType
from rstream_core.protocol.frames import Deliver
from rstream_core.types import ConsumerOffsetSpecification as Spec

FIRST = Spec(OffsetType.FIRST)


def chunk(n: int = 0) -> Deliver:
    return Deliver(subscription_id=1, chunk=bytes([n]))


def test_chunks_are_queued_in_order_with_their_generation() -> None:
    delivery = Delivery(CreditAfterProcessing(10), FIRST)
    delivery.attached()
    delivery.received(chunk(1))
    delivery.attached()  # a resubscription
    delivery.received(chunk(2))
    assert delivery.next_chunk() == (1, chunk(1))
    assert delivery.next_chunk() == (2, chunk(2))
    assert delivery.next_chunk() is None


def test_credit_for_a_chunk_of_an_older_subscription_is_not_sent() -> None:
    delivery = Delivery(CreditOnChunkArrival(2), FIRST)
    delivery.attached()
    assert delivery.received(chunk()) == 1
    assert delivery.received(chunk()) == 0  # backlog 2 = initial credit: one owed
    generation, _ = delivery.next_chunk()  # type: ignore[misc]
    delivery.attached()
    # The strategy pays the one owed, but to a subscription that no longer exists.
    assert delivery.processed(generation, records=10) == 0


def test_an_inactive_single_active_consumer_drops_chunks_and_grants_nothing() -> None:
    delivery = Delivery(CreditOnChunkArrival(10), FIRST, active=False)
    assert delivery.received(chunk()) == 0 and delivery.next_chunk() is None
    delivery.activate(Spec(OffsetType.OFFSET, 40))
    assert delivery.active and delivery.last_offset == 39
    delivery.received(chunk())
    delivery.deactivate()
    delivery.activate(Spec(OffsetType.NEXT))
    assert delivery.next_chunk() is None  # what came before activation is stale
    assert delivery.last_offset == -1


def test_only_records_above_the_last_offset_are_wanted() -> None:
    delivery = Delivery(CreditAfterProcessing(), Spec(OffsetType.OFFSET, 100))
    assert delivery.last_offset == 99
    assert not delivery.wants(first_offset=90, count=10)  # 90..99: all before the start
    assert delivery.wants(first_offset=90, count=11)  # 100 is in it
    delivery.last_offset = 150  # handed over up to 150
    assert not delivery.wants(first_offset=100, count=51)  # the overlap of a resubscription


def test_offsets_are_stored_every_n_records_and_only_when_they_moved() -> None:
    delivery = Delivery(CreditAfterProcessing(), FIRST, store_every=100)
    assert not delivery.counted(60)
    assert delivery.counted(60)
    assert delivery.offset_to_store() is None  # nothing handed over yet
    delivery.last_offset = 119
    assert delivery.offset_to_store() == 119
    delivery.stored(119)
    assert delivery.offset_to_store() is None and not delivery.counted(99)
    delivery.last_offset = 130
    delivery.stored(None)  # the write failed: still to store
    assert delivery.offset_to_store() == 130
    assert not Delivery(CreditAfterProcessing(), FIRST).counted(10**9)  # no tracking


def test_resuming_after_a_drop() -> None:
    delivery = Delivery(CreditAfterProcessing(), Spec(OffsetType.OFFSET, 7))
    delivery.last_offset = -1
    assert delivery.resume_offset(stored=None) == Spec(OffsetType.OFFSET, 7)  # nothing seen
    assert delivery.resume_offset(stored=0) == Spec(OffsetType.OFFSET, 1)
    delivery.last_offset = 20
    assert delivery.resume_offset(stored=10) == Spec(OffsetType.OFFSET, 21)
    assert delivery.resume_offset(stored=30) == Spec(OffsetType.OFFSET, 31)
    delivery.resume_from(5)  # a manual reconnect(offset=5)
    assert delivery.resume_offset(stored=None) == Spec(OffsetType.OFFSET, 5)


def test_a_named_subscription_starts_after_what_it_stored() -> None:
    delivery = Delivery(CreditAfterProcessing(), FIRST)
    assert delivery.start_after(41) == Spec(OffsetType.OFFSET, 42)
    assert delivery.last_offset == 41 and delivery.offset_to_store() is None


def test_the_default_offset_on_activation() -> None:
    delivery = Delivery(CreditAfterProcessing(), FIRST)
    requested = Spec(OffsetType.TIMESTAMP, 1000)
    assert delivery.activation_offset(None, None) == Spec(OffsetType.NEXT)
    assert delivery.activation_offset(None, requested) == requested
    delivery.last_offset = 9
    assert delivery.activation_offset(None, requested) == Spec(OffsetType.OFFSET, 10)
    assert delivery.activation_offset(3, requested) == Spec(OffsetType.OFFSET, 4)


@given(
    initial=st.integers(1, 20),
    records=st.integers(1, 5000),
    steps=st.lists(st.booleans(), min_size=1, max_size=300),
)
def test_credit_with_a_slow_callback_bounds_the_backlog_and_never_stalls(
    initial: int, records: int, steps: list[bool]
) -> None:
    """The broker sends a chunk whenever it holds credit; the worker processes a chunk only
    when a step says so (a slow callback). The chunks held never exceed what the strategy
    may allow ahead, and the flow never stops with nothing held and no credit left."""
    delivery = Delivery(CreditAfterProcessing(initial), FIRST)
    delivery.attached()
    broker_credit = initial
    for process in steps:
        if broker_credit and not process:
            broker_credit -= 1
            broker_credit += delivery.received(chunk())
        elif delivery.chunks:
            generation, _ = delivery.next_chunk()  # type: ignore[misc]
            broker_credit += delivery.processed(generation, records)
        assert len(delivery.chunks) <= max(initial, MAX_CREDIT)
        assert broker_credit or delivery.chunks  # else neither side would move again
