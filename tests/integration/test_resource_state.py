"""Producers, consumers and subscriptions report their state through a real outage: the
broker closes every connection, recovery re-attaches, the application hears each step."""

from __future__ import annotations

import asyncio
from typing import Any

from rstream import (
    AMQPMessage,
    Consumer,
    MessageContext,
    Producer,
    ResourceState,
    SuperStreamCreationOption,
    SuperStreamProducer,
    amqp_decoder,
)
from rstream_core.client import Client

from .conftest import HOST, PORT, broker_ctl, wait_for

OPENING, OPEN = ResourceState.OPENING, ResourceState.OPEN
RECOVERING, CLOSING, CLOSED = (
    ResourceState.RECOVERING, ResourceState.CLOSING, ResourceState.CLOSED,
)


class Listener:
    def __init__(self) -> None:
        self.changes: list[tuple[Any, ResourceState, ResourceState]] = []

    def __call__(self, resource: Any, old: ResourceState, new: ResourceState) -> None:
        self.changes.append((resource, old, new))

    def steps(self) -> list[tuple[ResourceState, ResourceState]]:
        return [(old, new) for _, old, new in self.changes]


async def drop_all_connections() -> None:
    await asyncio.to_thread(broker_ctl, "close_all_user_connections", "guest", "state test")


async def test_a_producer_reports_opening_open_recovering_open_closing_closed(
    stream: str,
) -> None:
    listener = Listener()
    producer = Producer(HOST, PORT, on_state_change=listener)
    assert producer.state is OPENING
    await producer.start()
    await producer.send_wait(stream, b"before")
    assert producer.state is OPEN
    await drop_all_connections()
    # Recovery may take a millisecond: what the listener heard says it happened.
    await wait_for(lambda: (RECOVERING, OPEN) in listener.steps(), timeout=30)
    await producer.send_wait(stream, b"after", timeout=30)
    await producer.close()
    assert listener.steps() == [
        (OPENING, OPEN), (OPEN, RECOVERING), (RECOVERING, OPEN), (OPEN, CLOSING),
        (CLOSING, CLOSED),
    ]
    assert all(resource is producer for resource, _, _ in listener.changes)


async def test_a_consumer_and_its_subscription_report_their_states(stream: str) -> None:
    consumer_states, subscription_states = Listener(), Listener()
    received: list[bytes] = []

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        received.append(bytes(message.body))

    async with Producer(HOST, PORT) as producer:
        await producer.send_wait(stream, AMQPMessage(body=b"one"))
        consumer = Consumer(HOST, PORT, on_state_change=consumer_states)
        await consumer.start()
        subscriber_id = await consumer.subscribe(
            stream, on_message, decoder=amqp_decoder, on_state_change=subscription_states
        )
        subscription = consumer.subscription(subscriber_id)
        assert subscription.state is OPEN
        await wait_for(lambda: received == [b"one"])
        await drop_all_connections()
        await wait_for(lambda: (RECOVERING, OPEN) in subscription_states.steps(), timeout=30)
        await wait_for(lambda: consumer.state is OPEN)
        await producer.send_wait(stream, AMQPMessage(body=b"two"), timeout=30)
        await wait_for(lambda: received == [b"one", b"two"], timeout=30)
        await consumer.close()
    assert subscription.state is CLOSED and consumer.state is CLOSED
    assert subscription_states.steps() == [
        (OPENING, OPEN), (OPEN, RECOVERING), (RECOVERING, OPEN), (OPEN, CLOSING),
        (CLOSING, CLOSED),
    ]
    assert consumer_states.steps() == [
        (OPENING, OPEN), (OPEN, RECOVERING), (RECOVERING, OPEN), (OPEN, CLOSING),
        (CLOSING, CLOSED),
    ]
    assert {resource for resource, _, _ in subscription_states.changes} == {subscription}


async def test_an_async_listener_and_a_super_stream_producer(
    client: Client, stream_name: str
) -> None:
    heard: list[tuple[Any, ResourceState]] = []

    async def listener(resource: Any, old: ResourceState, new: ResourceState) -> None:
        await asyncio.sleep(0)
        heard.append((resource, new))

    producer = SuperStreamProducer(
        HOST, PORT, super_stream=stream_name, routing_extractor=lambda m: "k",
        super_stream_creation_option=SuperStreamCreationOption(n_partitions=2),
        on_state_change=listener,
    )
    async with producer:
        await producer.send(AMQPMessage(body=b"m"))
        assert producer.state is OPEN
    await client.delete_super_stream(stream_name)
    await wait_for(lambda: len(heard) == 3)
    assert heard == [(producer, OPEN), (producer, CLOSING), (producer, CLOSED)]
