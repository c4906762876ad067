"""Super streams end to end: routing like the Java client, consuming every partition."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from rstream import (
    NO_ROUTE_CODE,
    AMQPMessage,
    ConfirmationStatus,
    ConsumerOffsetSpecification,
    MessageContext,
    NoRouteError,
    OffsetType,
    Properties,
    RouteType,
    SuperStreamConsumer,
    SuperStreamCreationOption,
    SuperStreamProducer,
    amqp_decoder,
    hash_partition,
)
from rstream_core.client import Client

from .conftest import HOST, PORT, wait_for


def key_of(message: AMQPMessage) -> str:
    return str(message.properties.message_id)


async def consume_all(super_stream: str, expected: int) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        seen.setdefault(context.stream, []).append(key_of(message))

    async with SuperStreamConsumer(HOST, PORT, super_stream=super_stream) as consumer:
        await consumer.subscribe(on_message, decoder=amqp_decoder)
        await wait_for(lambda: sum(map(len, seen.values())) >= expected)
    return seen


async def test_hash_routing_sends_each_key_where_the_java_client_would(super_stream: str) -> None:
    keys = [f"customer-{i}" for i in range(30)]
    async with SuperStreamProducer(
        HOST, PORT, super_stream=super_stream, routing_extractor=key_of
    ) as producer:
        partitions = await producer.partitions()
        for key in keys:
            await producer.send(AMQPMessage(body=b"x", properties=Properties(message_id=key)))
    seen = await consume_all(super_stream, len(keys))
    for stream, stream_keys in seen.items():
        assert all(hash_partition(key, partitions) == stream for key in stream_keys)
    assert sorted(k for ks in seen.values() for k in ks) == sorted(keys)


async def test_key_routing_asks_the_broker(super_stream: str) -> None:
    async def binding_key(message: AMQPMessage) -> str:
        return key_of(message)

    async with SuperStreamProducer(
        HOST, PORT, super_stream=super_stream, routing=RouteType.Key,
        routing_extractor=binding_key,
    ) as producer:
        for key in ("0", "2", "2"):
            await producer.send_wait(AMQPMessage(body=b"x", properties=Properties(message_id=key)))
        with pytest.raises(NoRouteError):
            await producer.send_wait(AMQPMessage(body=b"x", properties=Properties(message_id="9")))
    seen = await consume_all(super_stream, 3)
    assert seen == {f"{super_stream}-0": ["0"], f"{super_stream}-2": ["2", "2"]}


async def test_a_key_with_no_route_goes_to_the_confirm_callback(
    super_stream: str, caplog: pytest.LogCaptureFixture
) -> None:
    statuses: list[ConfirmationStatus] = []

    async def on_confirm(status: ConfirmationStatus) -> None:
        statuses.append(status)

    async with SuperStreamProducer(
        HOST, PORT, super_stream=super_stream, routing=RouteType.Key, routing_extractor=key_of,
    ) as producer:
        unrouted = AMQPMessage(body=b"x", properties=Properties(message_id="nowhere"))
        await producer.send(unrouted, on_publish_confirm=on_confirm)
        await producer.send_batch([unrouted, unrouted], on_publish_confirm=on_confirm)
        routed = AMQPMessage(body=b"x", properties=Properties(message_id="1"))
        await producer.send(routed, on_publish_confirm=on_confirm)
        await producer.flush()
        # Without a callback: one warning per key, however many messages carry it.
        for key in ("nowhere", "nowhere", "elsewhere", "nowhere"):
            await producer.send(AMQPMessage(body=b"x", properties=Properties(message_id=key)))
    unconfirmed = [s for s in statuses if not s.is_confirmed]
    assert [s.response_code for s in unconfirmed] == [NO_ROUTE_CODE] * 3
    assert [s for s in statuses if s.is_confirmed] != []
    warnings = [r.getMessage() for r in caplog.records if "no partition" in r.getMessage()]
    assert len(warnings) == 2
    assert "'nowhere'" in warnings[0] and "'elsewhere'" in warnings[1]
    seen = await consume_all(super_stream, 1)
    assert seen == {f"{super_stream}-1": ["1"]}


async def test_custom_routing(super_stream: str) -> None:
    def everywhere(message: Any, partitions: list[str]) -> list[str]:
        return partitions

    async with SuperStreamProducer(HOST, PORT, super_stream=super_stream,
                                   routing=everywhere) as producer:
        await producer.send(AMQPMessage(body=b"x", properties=Properties(message_id="all")))
    seen = await consume_all(super_stream, 3)
    assert len(seen) == 3


async def test_creation_option_and_single_active_consumer(client: Client) -> None:
    name = f"super-{uuid.uuid4().hex[:8]}"
    option = SuperStreamCreationOption(n_partitions=2)
    got: dict[str, list[str]] = {"a": [], "b": []}
    sac = {"single-active-consumer": True, "name": "billing"}
    first_offset = ConsumerOffsetSpecification(OffsetType.FIRST)
    first = SuperStreamConsumer(HOST, PORT, super_stream=name, super_stream_creation_option=option)
    second = SuperStreamConsumer(HOST, PORT, super_stream=name)
    try:
        await first.start()  # creates the super stream
        await second.start()
        first_ids = await first.subscribe(lambda m, c: got["a"].append(c.stream),
                                          properties=sac, offset_specification=first_offset)
        second_ids = await second.subscribe(lambda m, c: got["b"].append(c.stream),
                                            properties=sac, offset_specification=first_offset)

        def active(consumer: SuperStreamConsumer, ids: dict[str, int]) -> int:
            return sum(consumer.subscription(i).delivery.active for i in ids.values())
        # The broker gives each partition to one member, the second one's after the first
        # stepped down: until then, a partition could have two readers.
        await wait_for(lambda: active(first, first_ids) == active(second, second_ids) == 1)
        async with SuperStreamProducer(HOST, PORT, super_stream=name,
                                       routing_extractor=key_of) as producer:
            for i in range(20):
                await producer.send(AMQPMessage(body=b"x", properties=Properties(message_id=i)))
        await wait_for(lambda: len(got["a"]) + len(got["b"]) >= 20)
        await asyncio.sleep(0.3)
        # Each partition has exactly one active consumer, and both consumers have one.
        assert set(got["a"]) and set(got["b"])
        assert not set(got["a"]) & set(got["b"])
        assert len(got["a"]) + len(got["b"]) == 20
    finally:
        await first.close()
        await second.close()
        await client.delete_super_stream(name, missing_ok=True)
