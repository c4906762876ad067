"""Consumer groups on a super stream: `SuperStreamConsumer(group=...)`. Three instances share
three partitions (one active member per partition); when one leaves, its partitions move to
the others, which resume from the group's stored offsets: every message arrives once."""

from __future__ import annotations

from collections import Counter

import pytest

from rstream import (
    AMQPMessage,
    ConsumerOffsetSpecification,
    MessageContext,
    OffsetType,
    Properties,
    SuperStreamConsumer,
    SuperStreamProducer,
    amqp_decoder,
)

from .conftest import HOST, PORT, wait_for

PER_ROUND = 600


def keyed(i: int) -> AMQPMessage:
    return AMQPMessage(body=b"%d" % i, properties=Properties(message_id=str(i)))


async def publish(super_stream: str, first: int, count: int) -> None:
    async with SuperStreamProducer(
        HOST, PORT, super_stream=super_stream,
        routing_extractor=lambda m: str(m.properties.message_id),
    ) as producer:
        for i in range(first, first + count):
            await producer.send(keyed(i))
        await producer.flush()


class Member:
    """One instance of the application: what it received, by partition."""

    def __init__(self, super_stream: str, name: str) -> None:
        self.name = name
        self.received: list[tuple[str, int]] = []  # (partition, message number)
        self.consumer = SuperStreamConsumer(HOST, PORT, super_stream=super_stream,
                                            group="invoices-app")

    async def on_message(self, message: AMQPMessage, context: MessageContext) -> None:
        self.received.append((context.partition, int(bytes(message.body))))

    async def start(self) -> None:
        await self.consumer.start()
        await self.consumer.subscribe(self.on_message, decoder=amqp_decoder)

    def partitions(self) -> set[str]:
        return {partition for partition, _ in self.received}


async def test_three_members_share_the_partitions_and_take_over_from_one_that_leaves(
    super_stream: str,
) -> None:
    members = [Member(super_stream, f"member-{i}") for i in range(3)]
    for member in members:
        await member.start()
    await publish(super_stream, 0, PER_ROUND)
    everyone = lambda: [n for m in members for _, n in m.received]  # noqa: E731
    await wait_for(lambda: len(everyone()) >= PER_ROUND, timeout=30)
    # The broker spreads the partitions over the members (one active member each).
    leaving = next(m for m in members if m.received)
    its_partitions = leaving.partitions()
    await leaving.consumer.close()  # stores its offsets, then unsubscribes
    await publish(super_stream, PER_ROUND, PER_ROUND)
    await wait_for(lambda: len(everyone()) >= 2 * PER_ROUND, timeout=30)
    stayed = [m for m in members if m is not leaving]
    try:
        counts = Counter(everyone())
        assert sorted(counts) == list(range(2 * PER_ROUND))  # none lost
        assert max(counts.values()) == 1  # none twice
        # Its partitions moved: the second round on them went to the members that stayed.
        second_round = {p for m in stayed for p, n in m.received if n >= PER_ROUND}
        assert its_partitions <= second_round
        for member in members:  # in order within each partition
            for partition in member.partitions():
                numbers = [n for p, n in member.received if p == partition]
                assert numbers == sorted(numbers)
    finally:
        for member in stayed:
            await member.consumer.close()


async def test_a_group_starts_from_first_or_the_given_offset_when_nothing_is_stored(
    super_stream: str,
) -> None:
    await publish(super_stream, 0, 30)
    seen: list[int] = []

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        seen.append(int(bytes(message.body)))

    consumer = SuperStreamConsumer(HOST, PORT, super_stream=super_stream, group="reports")
    async with consumer:
        await consumer.subscribe(on_message, decoder=amqp_decoder)
        await wait_for(lambda: len(seen) == 30)
    # The group stored where it got to: a new instance with NEXT still resumes there.
    await publish(super_stream, 30, 30)
    later: list[int] = []

    def on_later(message: AMQPMessage, context: MessageContext) -> None:
        later.append(int(bytes(message.body)))

    again = SuperStreamConsumer(HOST, PORT, super_stream=super_stream, group="reports")
    async with again:
        await again.subscribe(on_later, decoder=amqp_decoder,
                              offset_specification=ConsumerOffsetSpecification(OffsetType.NEXT))
        await wait_for(lambda: len(later) == 30)
    assert sorted(later) == list(range(30, 60))
    with pytest.raises(ValueError, match="subscribes as its group"):
        await SuperStreamConsumer(
            HOST, PORT, super_stream=super_stream, group="reports"
        ).subscribe(on_message, subscriber_name="someone-else")


async def test_context_store_offset_needs_no_names(super_stream: str) -> None:
    await publish(super_stream, 0, 9)
    stored: list[tuple[str, int]] = []

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        await context.store_offset()  # no stream, no name: the context knows both
        stored.append((context.partition, context.offset))

    consumer = SuperStreamConsumer(HOST, PORT, super_stream=super_stream, group="manual")
    async with consumer:
        await consumer.subscribe(on_message, decoder=amqp_decoder, offset_tracking=False)
        await wait_for(lambda: len(stored) == 9)
        for partition in {p for p, _ in stored}:
            last = max(o for p, o in stored if p == partition)
            await wait_for_stored(consumer, partition, last)


async def wait_for_stored(consumer: SuperStreamConsumer, partition: str, offset: int) -> None:
    found: list[int] = []

    async def query() -> None:
        found.append(await consumer.consumer.query_offset(partition, "manual"))

    for _ in range(50):
        await query()
        if found[-1] == offset:
            return
    raise AssertionError(f"stored offset of {partition} is {found[-1]}, not {offset}")
