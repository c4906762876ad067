"""Recovery while the broker closes our connections: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

from rstream import (
    ConfirmationStatus,
    Consumer,
    MessageContext,
    OnClosedErrorInfo,
    Producer,
    StreamDoesNotExist,
)
from rstream_core.client import Client

from .conftest import HOST, PORT, ROOT, broker_ctl, wait_for
from .helpers import read_stream

TOTAL = 200_000


async def close_connections_while(
    condition: Any, every: float = 0.7, at_most: int = 4
) -> int:
    """Close every client connection of the broker a few times while `condition()` holds."""
    closed = 0
    while condition() and closed < at_most:
        await asyncio.sleep(every)
        await asyncio.to_thread(broker_ctl, "close_all_user_connections", "guest", "recovery test")
        closed += 1
    return closed


async def publish_through_outages(stream: str, publisher_name: str | None) -> tuple[int, int]:
    confirmed: set[int] = set()
    failed: list[ConfirmationStatus] = []
    closed_events: list[OnClosedErrorInfo] = []

    def on_confirm(status: ConfirmationStatus) -> None:
        if status.is_confirmed:
            confirmed.add(status.message_id)
        else:
            failed.append(status)

    async with Producer(HOST, PORT, on_close_handler=closed_events.append) as producer:
        async def send_all() -> None:
            for i in range(TOTAL):
                await producer.send(stream, b"%d" % i, publisher_name, on_confirm)

        sender = asyncio.create_task(send_all())
        outages = await close_connections_while(lambda: not sender.done())
        await sender
        await wait_for(lambda: len(confirmed) + len(failed) == TOTAL, timeout=60)
    assert failed == []
    assert outages >= 1 and closed_events, "the test must really cut connections"
    return len(confirmed), outages


async def test_named_producer_recovers_exactly_once(stream: str) -> None:
    confirmed, _ = await publish_through_outages(stream, "recovering")
    assert confirmed == TOTAL
    stored = await read_stream(stream, TOTAL, timeout=60)  # and a moment more for any extra
    assert [int(m) for _, m in stored] == list(range(TOTAL))


async def test_unnamed_producer_recovers_at_least_once(stream: str) -> None:
    await publish_through_outages(stream, None)
    stored = await read_stream(stream, TOTAL, timeout=30)
    assert {int(m) for _, m in stored} == set(range(TOTAL))


async def test_consumer_recovers_in_order_without_duplicates(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        for start in range(0, TOTAL, 1000):
            await producer.send_batch(stream, [b"%d" % i for i in range(start, start + 1000)])
    seen: list[int] = []
    closed_events: list[OnClosedErrorInfo] = []

    async def on_message(message: bytes, context: MessageContext) -> None:
        seen.append(int(message))
        if len(seen) % 20_000 == 0:
            await asyncio.sleep(0.05)  # slow enough for outages to land mid-stream

    async with Consumer(HOST, PORT, on_close_handler=closed_events.append) as consumer:
        await consumer.subscribe(stream, on_message)
        outages = await close_connections_while(lambda: len(seen) < TOTAL, every=0.3)
        await wait_for(lambda: len(seen) >= TOTAL, timeout=60)
        await asyncio.sleep(0.3)
    assert outages >= 1 and closed_events
    assert seen == list(range(TOTAL))


async def test_deleted_stream_ends_publishing_and_consuming(stream: str, client: Client) -> None:
    events: list[OnClosedErrorInfo] = []
    async with (
        Producer(HOST, PORT, on_close_handler=events.append) as producer,
        Consumer(HOST, PORT, on_close_handler=events.append) as consumer,
    ):
        await producer.send_wait(stream, b"one")
        subscriber_id = await consumer.subscribe(stream, lambda m, c: None)
        await client.delete_stream(stream)
        await wait_for(lambda: len(events) >= 2)
        subscription = consumer.subscription(subscriber_id)
        await wait_for(lambda: subscription.error is not None)
        assert isinstance(subscription.error, StreamDoesNotExist)
        for _ in range(50):
            try:
                await producer.send(stream, b"two")
            except StreamDoesNotExist:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("publishing to a deleted stream never failed")
    assert all(stream in event.streams for event in events)


async def test_producer_and_consumer_survive_a_broker_restart(stream: str) -> None:
    total = 30_000
    seen: list[int] = []
    events: list[OnClosedErrorInfo] = []
    async with (
        Producer(HOST, PORT, on_close_handler=events.append) as producer,
        Consumer(HOST, PORT, on_close_handler=events.append) as consumer,
    ):
        await consumer.subscribe(stream, lambda m, c: seen.append(int(m)))

        async def send_all() -> None:
            for i in range(total):
                await producer.send(stream, b"%d" % i, publisher_name="restart")
                if i % 1000 == 0:
                    await asyncio.sleep(0.01)  # spread publishing over the outage

        sender = asyncio.create_task(send_all())
        await asyncio.sleep(0.3)
        await asyncio.to_thread(broker_ctl, "stop_app")
        await asyncio.to_thread(broker_ctl, "start_app")
        await asyncio.to_thread(broker_ctl, "await_startup")
        await sender
        await producer.flush(timeout=60)
        await wait_for(lambda: len(seen) >= total, timeout=60)
        await asyncio.sleep(0.3)
    assert events, "the restart must have been noticed"
    assert seen == list(range(total))


def broker_streams(*args: str) -> str:
    """rabbitmq-streams inside the broker that scripts/broker started."""
    result = subprocess.run(
        [str(ROOT / "scripts/broker"), "streams", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout


async def test_stream_restarts_metadata_update_path(stream: str) -> None:
    """restart_stream makes the broker drop our publishers and subscriptions with a
    MetadataUpdate (the leader-moved path): both re-attach, nothing lost or doubled."""
    total = 50_000
    seen: list[int] = []
    events: list[OnClosedErrorInfo] = []
    async with (
        Producer(HOST, PORT, on_close_handler=events.append) as producer,
        Consumer(HOST, PORT, on_close_handler=events.append) as consumer,
    ):
        await consumer.subscribe(stream, lambda m, c: seen.append(int(m)))

        async def send_all() -> None:
            for i in range(total):
                await producer.send(stream, b"%d" % i, publisher_name="moving")
                if i % 1000 == 0:
                    await asyncio.sleep(0.005)

        sender = asyncio.create_task(send_all())
        for _ in range(3):
            await asyncio.sleep(0.3)
            await asyncio.to_thread(broker_streams, "restart_stream", stream)
        await sender
        await producer.flush(timeout=60)
        await wait_for(lambda: len(seen) >= total, timeout=60)
        await asyncio.sleep(0.3)
    assert any("moved" in event.reason for event in events)
    assert seen == list(range(total))
