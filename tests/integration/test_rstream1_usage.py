"""rstream 1.x code, as its users write it, runs unchanged.

One test per example that the seed README links to, in the README's order, each making the
calls that example makes in the way it makes them: keyword arguments, `async def` callbacks,
`asyncio.get_event_loop().add_signal_handler(SIGINT, ...)` to close a consumer that `run()`s,
bytes keys into application properties, repeated publishing ids, a routing key with no
route. Like the examples, they share one stream and one super stream, in order: the
consumers read what the producers before them wrote, AMQP messages and plain-bytes records
mixed. The counts are smaller than the examples' millions; everything else is the same.
Written for this project (the examples themselves are not copied here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import ssl
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rstream import (
    AMQPMessage,
    CompressionType,
    ConfirmationStatus,
    Consumer,
    ConsumerOffsetSpecification,
    EventContext,
    FilterConfiguration,
    MessageContext,
    OffsetNotFound,
    OffsetSpecification,
    OffsetType,
    OnClosedErrorInfo,
    Producer,
    RouteType,
    SuperStreamConsumer,
    SuperStreamCreationOption,
    SuperStreamProducer,
    amqp_decoder,
)
from rstream._pyamqp.message import Properties
from rstream.recovery import BackOffRecoveryStrategy

from .conftest import CERTS, PORT, TLS_PORT, wait_for

HOST = "localhost"  # as the examples write it
MESSAGES = 20_000  # the examples send 1,000,000
LOOP, BATCH = 200, 100
STREAM = f"my-test-stream-{uuid.uuid4().hex[:8]}"
SUPER_STREAM = f"invoices-{uuid.uuid4().hex[:8]}"

# What the producers wrote to STREAM so far, for the consumers after them.
written = {"amqp": 0, "binary": 0}


def credentials() -> dict[str, Any]:
    return {"username": "guest", "password": "guest"}


@pytest.fixture(scope="module", autouse=True)
async def cleanup() -> AsyncIterator[None]:
    yield
    async with Producer(HOST, PORT, **credentials()) as admin:
        await admin.delete_stream(STREAM, missing_ok=True)
        await admin.delete_super_stream(SUPER_STREAM, missing_ok=True)
        for p in range(2):
            await admin.delete_stream(f"{STREAM}-reliable-{p}", missing_ok=True)


async def run_until_sigint(consumer: Any, condition: Callable[[], bool]) -> None:
    """`consumer.run()` with the examples' SIGINT handler; Ctrl-C once `condition()` holds."""
    loop = asyncio.get_event_loop()
    loop.add_signal_handler(signal.SIGINT, lambda: asyncio.create_task(consumer.close()))
    try:
        running = asyncio.create_task(consumer.run())
        await wait_for(condition, 30)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(running, 10)
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def consumer_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("rstream")]


# ------------------------------------------------------------ basic producers


async def test_producer_send() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(MESSAGES):
            amqp_message = AMQPMessage(body=bytes(f"hello: {i}", "utf-8"))
            await producer.send(stream=STREAM, message=amqp_message)
    written["amqp"] += MESSAGES


async def test_producer_send_wait() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(100):
            amqp_message = AMQPMessage(body=bytes(f"hello: {i}", "utf-8"))
            await producer.send_wait(stream=STREAM, message=amqp_message)
    written["amqp"] += 100


async def test_producer_send_batch() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(LOOP):
            messages = [AMQPMessage(body=bytes(f"hello: {i}", "utf-8")) for i in range(BATCH)]
            await producer.send_batch(stream=STREAM, batch=messages)
    written["amqp"] += LOOP * BATCH


async def test_producer_send_batch_binary() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(LOOP):
            await producer.send_batch(stream=STREAM, batch=[b"hello"] * BATCH)
    written["binary"] += LOOP * BATCH


async def test_producer_send_binary() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(MESSAGES):
            await producer.send(stream=STREAM, message=b"hello")
    written["binary"] += MESSAGES


async def test_producer_sub_entry_batch() -> None:
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(LOOP // 4):
            messages = [AMQPMessage(body=bytes(f"hello: {i}", "utf-8")) for i in range(BATCH)]
            await producer.send_sub_entry(
                STREAM, compression_type=CompressionType.Gzip, sub_entry_messages=messages
            )
            await producer.send_sub_entry(
                STREAM, compression_type=CompressionType.No, sub_entry_messages=messages
            )
    await producer.close()  # the example closes it once more, after the `async with`
    written["amqp"] += LOOP // 4 * BATCH * 2


# ------------------------------------------------------------ confirmations


def confirmation_counter() -> tuple[list[ConfirmationStatus], Any]:
    statuses: list[ConfirmationStatus] = []

    async def _on_publish_confirm_client(confirmation: ConfirmationStatus) -> None:
        statuses.append(confirmation)
        if confirmation.is_confirmed and confirmation.message_id % 5000 == 0:
            print(f"message id: {confirmation.message_id} is confirmed")

    return statuses, _on_publish_confirm_client


async def test_send_with_confirmation() -> None:
    statuses, on_confirm = confirmation_counter()
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for i in range(MESSAGES):
            amqp_message = AMQPMessage(body=bytes(f"hello: {i}", "utf-8"))
            await producer.send(stream=STREAM, message=amqp_message, on_publish_confirm=on_confirm)
        await wait_for(lambda: len(statuses) == MESSAGES, 30)  # the example sleeps instead
    written["amqp"] += MESSAGES
    assert all(s.is_confirmed for s in statuses)
    assert len({s.message_id for s in statuses}) == MESSAGES  # each exactly once


async def test_send_batch_with_confirmation() -> None:
    statuses, on_confirm = confirmation_counter()
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(LOOP):
            messages = [AMQPMessage(body=bytes(f"hello: {i}", "utf-8")) for i in range(BATCH)]
            await producer.send_batch(stream=STREAM, batch=messages, on_publish_confirm=on_confirm)
        await wait_for(lambda: len(statuses) == LOOP * BATCH, 30)
    written["amqp"] += LOOP * BATCH
    assert all(s.is_confirmed for s in statuses)


# ------------------------------------------------------------ deduplication


async def test_producer_deduplication() -> None:
    loop_1, loop_2 = 100, 100
    async with Producer(HOST, **credentials()) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for j in range(loop_1):
            for i in range(loop_2):
                amqp_message = AMQPMessage(body=bytes(f"hello: {i}", "utf-8"))
                amqp_message.publishing_id = j
                # Only the first message of each id is stored: the broker drops the others.
                await producer.send(
                    stream=STREAM, publisher_name="publisher_name", message=amqp_message
                )
        # Beyond the example: every message is confirmed once, and says whether it was
        # dropped as a duplicate.
        statuses: list[ConfirmationStatus] = []
        again = AMQPMessage(body=b"again")
        again.publishing_id = loop_1 - 1
        await producer.send(STREAM, again, "publisher_name", on_publish_confirm=statuses.append)
        await producer.flush()
        assert statuses[0].is_confirmed and statuses[0].deduplicated
        assert await producer.get_last_publishing_id(STREAM, "publisher_name") == loop_1 - 1
    written["amqp"] += loop_1  # the basic consumer below counts them


# ------------------------------------------------------------ basic consumers


async def test_basic_consumer(caplog: pytest.LogCaptureFixture) -> None:
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())
    got: list[int] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        got.append(message_context.offset)
        assert message_context.stream == STREAM and isinstance(msg.body, bytes)

    with caplog.at_level(logging.INFO, logger="rstream"):
        await consumer.subscribe(stream=STREAM, callback=on_message, decoder=amqp_decoder)
        await run_until_sigint(consumer, lambda: len(got) >= written["amqp"])
    # Every AMQP message, deduplicated ones excepted; the plain-bytes records skipped with
    # one warning and, on close, their count; never a traceback per record.
    assert len(got) == written["amqp"]
    lines = [r.getMessage() for r in consumer_logs(caplog)]
    skipped = [line for line in lines if "the decoder cannot read" in line]
    assert 1 <= len(skipped) <= 3, lines
    assert not any(r.exc_info for r in consumer_logs(caplog))


async def test_basic_consumer_binary() -> None:
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())
    records = 0

    async def on_message(msg: bytes, message_context: MessageContext) -> None:
        nonlocal records
        records += 1

    await consumer.subscribe(stream=STREAM, callback=on_message)
    await run_until_sigint(consumer, lambda: records >= written["amqp"] + written["binary"])
    # A sub-entry batch is one record per message once unpacked.
    assert records == written["amqp"] + written["binary"]


async def test_basic_consumer_offset_next() -> None:
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())
    got: list[bytes] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        got.append(msg.body)

    await consumer.subscribe(
        stream=STREAM,
        callback=on_message,
        decoder=amqp_decoder,
        offset_specification=ConsumerOffsetSpecification(OffsetType.NEXT),
    )
    async with Producer(HOST, **credentials()) as producer:  # something new to read
        await producer.send_wait(STREAM, AMQPMessage(body=b"next one"))
    written["amqp"] += 1
    await run_until_sigint(consumer, lambda: bool(got))
    assert got == [b"next one"]


async def test_basic_consumer_offset_offset() -> None:
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())
    offsets: list[int] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        offsets.append(message_context.offset)

    await consumer.subscribe(
        stream=STREAM,
        callback=on_message,
        decoder=amqp_decoder,
        offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, 10),
    )
    await run_until_sigint(consumer, lambda: len(offsets) >= 100)
    assert offsets[:3] == [10, 11, 12]


# ------------------------------------------------------------ server-side offset tracking


async def test_manual_server_offset_tracking() -> None:
    count = 0
    lock = asyncio.Lock()
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        nonlocal count
        context_consumer = message_context.consumer
        async with lock:
            count += 1
            if count % 1000 == 0 and message_context.subscriber_name is not None:
                await context_consumer.store_offset(
                    stream=message_context.stream,
                    offset=message_context.offset,
                    subscriber_name=message_context.subscriber_name,
                )

    async def consume() -> None:
        await consumer.start()
        my_offset = 1
        try:
            my_offset = await consumer.query_offset(stream=STREAM, subscriber_name="subscriber_1")
        except OffsetNotFound as offset_exception:
            print(f"ValueError: {offset_exception}")
        await consumer.subscribe(
            stream=STREAM,
            subscriber_name="subscriber_1",
            callback=on_message,
            decoder=amqp_decoder,
            offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, my_offset),
        )
        await consumer.run()

    task = asyncio.create_task(consume())  # the example cancels it after a while
    try:
        await wait_for(lambda: count >= 5000, 30)
        task.cancel()
    finally:
        await consumer.close()
    async with Consumer(HOST, PORT, **credentials()) as reader:
        stored = await reader.query_offset(stream=STREAM, subscriber_name="subscriber_1")
    assert stored >= 1000


# ------------------------------------------------------------ super streams


async def test_super_stream_consumer() -> None:
    got: list[str] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        got.append(message_context.stream)

    consumer = SuperStreamConsumer(
        host=HOST, port=PORT, vhost="/", **credentials(), super_stream=SUPER_STREAM,
        super_stream_creation_option=SuperStreamCreationOption(n_partitions=3),
    )
    await consumer.start()  # creates the super stream
    await consumer.subscribe(
        callback=on_message, decoder=amqp_decoder,
        offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST, None),
    )
    partitions = await consumer.consumer.partitions(SUPER_STREAM)
    assert partitions == [f"{SUPER_STREAM}-{i}" for i in range(3)]
    await run_until_sigint(consumer, lambda: True)
    assert got == []  # nothing published yet


async def count_super_stream(subscribe: dict[str, Any] | None = None,
                             expected: int = MESSAGES) -> dict[str, int]:
    """Messages per partition of SUPER_STREAM, read from the first offset: until `expected`
    came (or 30 s), then until nothing more comes."""
    seen: dict[str, int] = defaultdict(int)

    def on_message(msg: AMQPMessage, context: MessageContext) -> None:
        seen[context.stream] += 1

    async with SuperStreamConsumer(HOST, PORT, super_stream=SUPER_STREAM) as consumer:
        await consumer.subscribe(on_message, decoder=amqp_decoder, **(subscribe or {}))
        with contextlib.suppress(AssertionError):
            await wait_for(lambda: sum(seen.values()) >= expected, timeout=30)
        last = -1
        while sum(seen.values()) != last:  # until nothing more comes
            last = sum(seen.values())
            await asyncio.sleep(0.5)
    return dict(seen)


async def test_super_stream_producer() -> None:
    async def routing_extractor(message: AMQPMessage) -> str:
        return message.application_properties["id"]

    async with SuperStreamProducer(
        host=HOST, **credentials(), routing_extractor=routing_extractor,
        super_stream=SUPER_STREAM,
        super_stream_creation_option=SuperStreamCreationOption(n_partitions=3),
        routing=RouteType.Hash,
    ) as super_stream_producer:
        for i in range(MESSAGES):
            amqp_message = AMQPMessage(
                body=bytes(f"hello: {i}", "utf-8"), application_properties={"id": f"{i}"}
            )
            await super_stream_producer.send(amqp_message)
    seen = await count_super_stream()
    assert sum(seen.values()) == MESSAGES and len(seen) == 3


async def test_super_stream_producer_key(caplog: pytest.LogCaptureFixture) -> None:
    async def routing_extractor(message: AMQPMessage) -> str:
        return "key1"  # the super stream's binding keys are 0, 1 and 2: no route

    with caplog.at_level(logging.WARNING, logger="rstream"):
        async with SuperStreamProducer(
            HOST, **credentials(), routing_extractor=routing_extractor,
            routing=RouteType.Key, super_stream=SUPER_STREAM,
        ) as super_stream_producer:
            for i in range(1000):
                amqp_message = AMQPMessage(
                    body=bytes(f"hello: {i}", "utf-8"), application_properties={"id": f"{i}"}
                )
                await super_stream_producer.send(amqp_message)
    warnings = [r.getMessage() for r in consumer_logs(caplog) if "no partition" in r.getMessage()]
    assert len(warnings) == 1 and "'key1'" in warnings[0]  # one per key, not per message


# ------------------------------------------------------------ single active consumer


SAC_MESSAGES = 10


async def test_sac_super_stream_producer() -> None:
    confirmed = 0

    async def routing_extractor(message: AMQPMessage) -> str:
        return str(message.properties.message_id)

    async def _on_publish_confirm(confirmation: ConfirmationStatus) -> None:
        nonlocal confirmed
        confirmed += confirmation.is_confirmed

    async with SuperStreamProducer(
        HOST, **credentials(), super_stream=SUPER_STREAM, routing=RouteType.Hash,
        routing_extractor=routing_extractor,
        super_stream_creation_option=SuperStreamCreationOption(n_partitions=3),
    ) as producer:
        for i in range(SAC_MESSAGES):
            amqp_message = AMQPMessage(
                body=bytes(f"hello: {i}", "utf-8"), properties=Properties(message_id=str(i))
            )
            await producer.send(message=amqp_message, on_publish_confirm=_on_publish_confirm)
            await asyncio.sleep(0.01)
        await wait_for(lambda: confirmed == SAC_MESSAGES)


async def test_single_active_consumer() -> None:
    got = 0
    activated: list[str] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        nonlocal got
        consumer = message_context.consumer
        if message_context.subscriber_name is not None:  # every message, as the example
            await consumer.store_offset(
                stream=message_context.stream,
                offset=message_context.offset,
                subscriber_name=message_context.subscriber_name,
            )
        got += 1

    async def consumer_update_handler_offset(
        is_active: bool, event_context: EventContext
    ) -> OffsetSpecification:
        if is_active:
            activated.append(event_context.stream)
            try:
                off = await event_context.consumer.query_offset(
                    stream=event_context.stream, subscriber_name="consumer-group-1"
                )
                return OffsetSpecification(OffsetType.OFFSET, off)
            except OffsetNotFound:
                return OffsetSpecification(OffsetType.OFFSET, 0)
        return OffsetSpecification(OffsetType.OFFSET, 0)

    consumer = SuperStreamConsumer(
        host=HOST, port=PORT, vhost="/", **credentials(), super_stream=SUPER_STREAM
    )
    properties: dict[str, str] = defaultdict(str)
    properties["single-active-consumer"] = "true"
    properties["name"] = "consumer-group-1"
    properties["super-stream"] = SUPER_STREAM
    await consumer.subscribe(
        callback=on_message,
        offset_specification=ConsumerOffsetSpecification(offset_type=OffsetType.FIRST),
        decoder=amqp_decoder,
        properties=properties,
        subscriber_name="consumer-group-1",
        consumer_update_listener=consumer_update_handler_offset,
    )
    total = MESSAGES + SAC_MESSAGES
    await run_until_sigint(consumer, lambda: got >= total)
    assert got == total
    assert sorted(activated) == [f"{SUPER_STREAM}-{i}" for i in range(3)]


# ------------------------------------------------------------ filtering


async def publish_regions(send: Callable[[AMQPMessage], Any], flush: Callable[[], Any]) -> None:
    """200 messages from New York, then (in other chunks) 200 from California."""
    for region in ("New York", "California"):
        for i in range(200):
            application_properties = {"region": region, "id": f"{i}"}
            amqp_message = AMQPMessage(
                body=bytes(f"hello: {i}", "utf-8"), application_properties=application_properties
            )
            await send(amqp_message)
        await flush()  # the example sleeps 2 s so that the regions go to different chunks


async def filter_value_extractor(message: AMQPMessage) -> str:
    return message.application_properties["region"]


async def test_producer_filtering() -> None:
    async with Producer(
        HOST, **credentials(), filter_value_extractor=filter_value_extractor
    ) as producer:
        await producer.create_stream(STREAM, exists_ok=True)

        async def send(message: AMQPMessage) -> None:
            await producer.send(stream=STREAM, message=message)

        await publish_regions(send, producer.flush)
    written["amqp"] += 400


def region_reader() -> tuple[list[str], Any]:
    regions: list[str] = []

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        # rstream 1.x decoded AMQP strings as bytes: its users' code reads bytes keys.
        regions.append(msg.application_properties[b"region"])

    return regions, on_message


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the bytes key (said once)
async def test_consumer_filtering() -> None:
    regions, on_message = region_reader()
    consumer = Consumer(host=HOST, port=PORT, vhost="/", **credentials())
    await consumer.start()
    await consumer.subscribe(
        stream=STREAM,
        callback=on_message,
        decoder=amqp_decoder,
        filter_input=FilterConfiguration(values_to_filter=["New York"], match_unfiltered=False),
    )
    await run_until_sigint(consumer, lambda: len(regions) >= 200)
    await asyncio.sleep(0.5)  # nothing else comes: the other chunks were filtered out
    assert regions == ["New York"] * 200


async def test_super_stream_producer_filtering() -> None:
    async def routing_extractor(message: AMQPMessage) -> str:
        return message.application_properties["id"]

    async with SuperStreamProducer(
        HOST, **credentials(), routing_extractor=routing_extractor, routing=RouteType.Hash,
        super_stream=SUPER_STREAM, filter_value_extractor=filter_value_extractor,
    ) as super_stream_producer:
        await publish_regions(super_stream_producer.send, super_stream_producer.flush)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_super_stream_consumer_filtering() -> None:
    regions, on_message = region_reader()
    consumer = SuperStreamConsumer(
        host=HOST, port=PORT, vhost="/", **credentials(), super_stream=SUPER_STREAM
    )
    await consumer.start()
    await consumer.subscribe(
        callback=on_message,
        decoder=amqp_decoder,
        filter_input=FilterConfiguration(values_to_filter=["New York"], match_unfiltered=False),
    )
    await run_until_sigint(consumer, lambda: len(regions) >= 200)
    await asyncio.sleep(0.5)
    assert regions == ["New York"] * 200


# ------------------------------------------------------------ TLS


async def test_tls_producer() -> None:
    ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ssl_context.load_verify_locations(str(CERTS / "ca_certificate.pem"))
    async with Producer(
        HOST, **credentials(), port=TLS_PORT, ssl_context=ssl_context
    ) as producer:
        await producer.create_stream(STREAM, exists_ok=True)
        for _ in range(LOOP // 10):
            messages = [AMQPMessage(body=bytes(f"hello: {i}", "utf-8")) for i in range(BATCH)]
            await producer.send_batch(stream=STREAM, batch=messages)
    written["amqp"] += LOOP // 10 * BATCH


# ------------------------------------------------------------ the reliable client


@pytest.mark.filterwarnings("ignore:recovery_strategy is ignored:DeprecationWarning")
async def test_reliable_client() -> None:
    producers, per_producer = 2, 1000
    counts = {"confirmed": 0, "consumed": 0}
    closed: list[OnClosedErrorInfo] = []
    streams = [f"{STREAM}-reliable-{p}" for p in range(producers)]

    async def on_close_connection(on_closed_info: OnClosedErrorInfo) -> None:
        closed.append(on_closed_info)

    async def _on_publish_confirm_client(confirmation: ConfirmationStatus) -> None:
        counts["confirmed"] += confirmation.is_confirmed

    async def on_message(msg: AMQPMessage, message_context: MessageContext) -> None:
        counts["consumed"] += 1

    producer = Producer(
        host=HOST, **credentials(), port=PORT, vhost="/", load_balancer_mode=True,
        max_publishers_by_connection=100, on_close_handler=on_close_connection,
        recovery_strategy=BackOffRecoveryStrategy(True),
    )
    consumer = Consumer(
        host=HOST, **credentials(), port=PORT, vhost="/", load_balancer_mode=True,
        on_close_handler=on_close_connection, max_subscribers_by_connection=100,
        recovery_strategy=BackOffRecoveryStrategy(True),
    )
    await producer.start()
    for stream in streams:
        await producer.create_stream(stream, exists_ok=True)
    for i in range(per_producer):
        amqp_message = AMQPMessage(
            body=bytes(f"hello: {i}", "utf-8"), application_properties={"id": f"{i}"}
        )
        for stream in streams:
            await producer.send(
                stream=stream, message=amqp_message, on_publish_confirm=_on_publish_confirm_client
            )
    await consumer.start()
    for stream in streams:
        await consumer.subscribe(
            stream=stream, callback=on_message, decoder=amqp_decoder,
            offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST, None),
        )
    await wait_for(lambda: counts["consumed"] == counts["confirmed"] == producers * per_producer)
    await producer.close()
    await consumer.close()
    assert closed == []
