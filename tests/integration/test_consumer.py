"""Consumer against the real broker: offsets, flow control, tracking, SAC, filtering."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from rstream import (
    AMQPMessage,
    CompressionType,
    Consumer,
    ConsumerOffsetSpecification,
    CreditOnChunkArrival,
    EventContext,
    FilterConfiguration,
    MessageContext,
    OffsetNotFound,
    OffsetType,
    Producer,
    Tracking,
    UnknownSubscriberError,
    amqp_decoder,
)
from rstream_core.flow import RECORDS_PER_CREDIT

from .conftest import HOST, PORT, wait_for
from .helpers import read_stream


async def publish(stream: str, count: int, start: int = 0, chunked: bool = False) -> None:
    async with Producer(HOST, PORT) as producer:
        for i in range(start, start + count):
            await producer.send(stream, b"%d" % i)
            if chunked:
                await asyncio.sleep(0.01)


def values(pairs: list[tuple[int, Any]]) -> list[int]:
    return [int(m) for _, m in pairs]


async def test_offset_first_next_last_and_absolute(stream: str) -> None:
    await publish(stream, 100)
    first = await read_stream(stream, 100)
    assert values(first) == list(range(100))
    assert [o for o, _ in first] == list(range(100))

    at_50 = await read_stream(
        stream, 50, offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, 50)
    )
    assert [o for o, _ in at_50] == list(range(50, 100))  # records before 50 dropped

    last = await read_stream(
        stream, 1, timeout=2, offset_specification=ConsumerOffsetSpecification(OffsetType.LAST)
    )
    assert last and last[-1][0] == 99

    seen: list[int] = []
    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(
            stream,
            lambda m, c: seen.append(c.offset),
            offset_specification=ConsumerOffsetSpecification(OffsetType.NEXT),
        )
        await asyncio.sleep(0.3)
        await publish(stream, 5, start=100)
        await wait_for(lambda: len(seen) == 5)
    assert seen[0] >= 100


async def test_offset_timestamp(stream: str) -> None:
    await publish(stream, 10)
    await asyncio.sleep(1.2)
    boundary = int(time.time() * 1000)
    await asyncio.sleep(0.2)
    await publish(stream, 10, start=10)
    after = await read_stream(
        stream, 10,
        offset_specification=ConsumerOffsetSpecification(OffsetType.TIMESTAMP, boundary),
    )
    assert values(after) == list(range(10, 20))
    assert all(pair[0] >= 10 for pair in after)


async def test_async_callback_context_and_amqp_decoding(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        message = AMQPMessage(body=b"hello", application_properties={"k": 1})
        await producer.send_wait(stream, message)
    contexts: list[MessageContext] = []
    messages: list[Any] = []

    async def on_message(message: Any, context: MessageContext) -> None:
        await asyncio.sleep(0)
        messages.append(message)
        contexts.append(context)

    async with Consumer(HOST, PORT) as consumer:
        subscriber_id = await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
        await wait_for(lambda: len(messages) == 1)
        await consumer.unsubscribe(subscriber_id)
    assert messages[0].body == b"hello"
    assert messages[0].application_properties == {"k": 1}
    context = contexts[0]
    assert (context.stream, context.offset, context.subscriber_id) == (stream, 0, subscriber_id)
    assert abs(context.timestamp - time.time() * 1000) < 60_000


@pytest.mark.parametrize("compression", list(CompressionType))
async def test_sub_entries_are_unpacked(stream: str, compression: CompressionType) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send(stream, b"plain")
        await producer.send_sub_entry(
            stream, [b"s%d" % i for i in range(20)], compression_type=compression
        )
    stored = await read_stream(stream, 21)
    assert [m for _, m in stored] == [b"plain"] + [b"s%d" % i for i in range(20)]
    assert [o for o, _ in stored] == list(range(21))


@pytest.mark.parametrize("strategy", ["after", "arrival"])
async def test_slow_callback_bounds_outstanding_chunks(stream: str, strategy: str) -> None:
    # 200 chunks of 1 message each: many more chunks than credits.
    await publish(stream, 200, chunked=True)
    seen: list[int] = []
    backlog_peak = 0

    async def slow(message: Any, context: MessageContext) -> None:
        nonlocal backlog_peak
        subscription = consumer.subscription(context.subscriber_id)
        backlog_peak = max(backlog_peak, subscription.backlog)
        seen.append(context.offset)
        await asyncio.sleep(0.002)

    credit = CreditOnChunkArrival(4) if strategy == "arrival" else None
    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, slow, initial_credit=4, credit_strategy=credit)
        await wait_for(lambda: len(seen) == 200, timeout=30)
    assert seen == list(range(200))
    if strategy == "arrival":
        # Held: at most the credit's worth, plus the credits granted while below it that were
        # still on their way.
        assert backlog_peak <= 2 * 4
    else:
        # The default lets more chunks ahead when they are small (one record here), up to
        # about RECORDS_PER_CREDIT records per initial credit: still bounded, in records.
        assert backlog_peak <= 4 * RECORDS_PER_CREDIT


async def test_manual_offset_tracking(stream: str) -> None:
    await publish(stream, 20)
    async with Consumer(HOST, PORT) as consumer:
        with pytest.raises(OffsetNotFound):
            await consumer.query_offset(stream, "manual")
        await consumer.store_offset(stream, "manual", 9)
        await wait_for_offset(consumer, stream, "manual", 9)
    resumed = await read_stream(
        stream, 10, offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, 10)
    )
    assert values(resumed) == list(range(10, 20))


async def wait_for_offset(consumer: Consumer, stream: str, name: str, offset: int) -> None:
    for _ in range(100):
        try:
            if await consumer.query_offset(stream, name) == offset:
                return
        except OffsetNotFound:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"offset {offset} never stored for {name}")


async def test_automatic_offset_tracking_across_restart(stream: str) -> None:
    await publish(stream, 30)
    first: list[int] = []
    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(
            stream, lambda m, c: first.append(c.offset), subscriber_name="auto",
            offset_tracking=Tracking(every_messages=10, every_seconds=0.5),
        )
        await wait_for(lambda: len(first) == 30)
    # close() stored the last processed offset
    async with Consumer(HOST, PORT) as consumer:
        assert await consumer.query_offset(stream, "auto") == 29
    await publish(stream, 5, start=30)
    second: list[int] = []
    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, lambda m, c: second.append(int(m)),
                                 subscriber_name="auto")
        await wait_for(lambda: len(second) == 5)
        await asyncio.sleep(0.3)
    # Message values, not offsets: each StoreOffset takes an offset of its own.
    assert second == [30, 31, 32, 33, 34]


async def test_single_active_consumer_hands_over_at_the_stored_offset(stream: str) -> None:
    await publish(stream, 10)
    got: dict[str, list[int]] = {"a": [], "b": []}
    updates: list[tuple[str, bool]] = []

    def listener(label: str) -> Any:
        async def on_update(is_active: bool, context: EventContext) -> Any:
            updates.append((label, is_active))
            # Querying the broker from inside the listener must not deadlock.
            try:
                stored = await context.consumer.query_offset(context.stream, "group")
            except OffsetNotFound:
                return ConsumerOffsetSpecification(OffsetType.FIRST)
            return ConsumerOffsetSpecification(OffsetType.OFFSET, stored + 1)

        return on_update

    sac = {"single-active-consumer": True, "name": "group"}
    first = Consumer(HOST, PORT)
    second = Consumer(HOST, PORT)
    await first.start()
    await second.start()
    try:
        await first.subscribe(stream, lambda m, c: got["a"].append(c.offset), properties=sac,
                              consumer_update_listener=listener("a"))
        await second.subscribe(stream, lambda m, c: got["b"].append(int(m)),
                               properties={"single-active-consumer": "true", "name": "group"},
                               consumer_update_listener=listener("b"))
        await wait_for(lambda: len(got["a"]) == 10)
        await asyncio.sleep(0.3)
        assert got["b"] == []
        await first.close()  # stores offset 9 (automatic tracking) and steps down
        await publish(stream, 5, start=10)
        await wait_for(lambda: len(got["b"]) == 5)
        assert got["b"] == [10, 11, 12, 13, 14]  # values: the stored offset took offset 10
        assert ("a", True) in updates and ("b", True) in updates
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("match_unfiltered", [False, True])
async def test_filtering(stream: str, match_unfiltered: bool) -> None:
    def extract(message: Any) -> str | None:
        return amqp_decoder(bytes(message)).application_properties.get("color")

    async with Producer(HOST, PORT, filter_value_extractor=extract) as producer:
        for color in ("red", "blue", None):
            props = {"color": color} if color else {}
            batch = [AMQPMessage(body=f"{color}".encode(), application_properties=props)
                     for _ in range(50)]
            await producer.send_batch(stream, batch)
            await asyncio.sleep(0.3)
    config = FilterConfiguration(
        ["red"],
        predicate=lambda m: m.application_properties.get("color") in ("red", None),
        match_unfiltered=match_unfiltered,
    )
    expected = 100 if match_unfiltered else 50
    stored = await read_stream(stream, expected + 1, timeout=3, decoder=amqp_decoder,
                               filter_input=config)
    bodies = [m.body for _, m in stored]
    assert bodies.count(b"red") == 50
    assert bodies.count(b"None") == (50 if match_unfiltered else 0)
    assert b"blue" not in bodies


async def test_iterate_with_backpressure(stream: str) -> None:
    await publish(stream, 50)
    seen = []
    async with Consumer(HOST, PORT) as consumer:
        async for _message, context in consumer.iterate(stream, buffer_size=5):
            seen.append(context.offset)
            if len(seen) == 50:
                break
    assert seen == list(range(50))


async def test_explicit_offset_means_manual_tracking(stream: str) -> None:
    await publish(stream, 20)
    seen: list[int] = []
    async with Consumer(HOST, PORT) as consumer:
        await consumer.store_offset(stream, "manual-app", 4)
        await wait_for_offset(consumer, stream, "manual-app", 4)
        await consumer.subscribe(
            stream, lambda m, c: seen.append(int(m)), subscriber_name="manual-app",
            offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, 5),
        )
        await wait_for(lambda: len(seen) == 15)
    async with Consumer(HOST, PORT) as consumer:
        # Nothing overwrote the offset the application stored itself.
        assert await consumer.query_offset(stream, "manual-app") == 4


async def test_subscriber_references_get_stream_and_unsubscribe_by_name(
    stream: str, client: Any
) -> None:
    other = stream + "-other"
    await client.create_stream(other)
    try:
        await publish(stream, 1)
        await publish(other, 1)
        found: dict[str, str] = {}

        def remember(message: Any, context: MessageContext) -> None:
            found[context.subscriber_name] = context.consumer.get_stream(context.subscriber_name)

        async with Consumer(HOST, PORT) as consumer:
            await consumer.subscribe(stream, remember)
            await consumer.subscribe(other, remember)
            await consumer.subscribe(other, lambda m, c: None, subscriber_name="named")
            await wait_for(lambda: len(found) == 2)
            assert sorted(found.values()) == sorted([stream, other])
            assert all(ref != "" for ref in found)
            assert consumer.get_stream("named") == other
            await consumer.unsubscribe("named")
            with pytest.raises(UnknownSubscriberError):
                consumer.get_stream("named")
    finally:
        await client.delete_stream(other)


async def test_manual_reconnect_from_an_offset(stream: str) -> None:
    await publish(stream, 10)
    seen: list[int] = []
    async with Consumer(HOST, PORT, recovery=False) as consumer:
        await consumer.subscribe(stream, lambda m, c: seen.append(int(m)))
        await wait_for(lambda: len(seen) == 10)
        for pooled in list(consumer._pool._clients):
            pooled.connection.abort()
        await consumer.reconnect_stream(stream, offset=7)
        await wait_for(lambda: len(seen) == 13)
    assert seen[10:] == [7, 8, 9]
