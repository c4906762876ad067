"""Regressions for failure paths: bad callbacks, closing from callbacks, deleted streams."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from rstream import (
    ConfirmationStatus,
    Consumer,
    ConsumerOffsetSpecification,
    EventContext,
    MessageContext,
    OffsetType,
    Producer,
    RawMessage,
    StreamDoesNotExist,
)
from rstream_core.client import Client

from .conftest import HOST, PORT, wait_for
from .helpers import read_stream


async def test_confirm_timeout_never_expires_confirmed_traffic(stream: str) -> None:
    timed_out: list[ConfirmationStatus] = []

    def on_confirm(status: ConfirmationStatus) -> None:
        if status.timed_out:
            timed_out.append(status)

    # At most 1,000 unconfirmed: each waits a few milliseconds, far from the 1 s timeout.
    async with Producer(HOST, PORT, confirm_timeout=1.0, max_unconfirmed=1_000) as producer:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # steady load for several timeout periods
            await producer.send_batch(stream, [b"x"] * 100, on_publish_confirm=on_confirm)
            await asyncio.sleep(0)
        await producer.flush()
    assert timed_out == []


@pytest.mark.parametrize("name", [None, "named"])
async def test_a_repeated_explicit_id_is_sent_and_confirmed_once_each(
    stream: str, name: str | None
) -> None:
    statuses: list[ConfirmationStatus] = []
    async with Producer(HOST, PORT) as producer:
        batch = [RawMessage(b"a", publishing_id=7), RawMessage(b"b", publishing_id=7)]
        await producer.send_batch(stream, batch, name, on_publish_confirm=statuses.append)
        await producer.send(stream, RawMessage(b"c", publishing_id=7), name, statuses.append)
        await producer.flush()
    assert [s.message_id for s in statuses] == [7, 7, 7]
    assert all(s.is_confirmed for s in statuses)
    stored = [message for _, message in await read_stream(stream, 3 if name is None else 1)]
    if name is None:  # no deduplication: all three are stored
        assert [s.deduplicated for s in statuses] == [False] * 3
        assert sorted(stored) == [b"a", b"b", b"c"]
    else:  # the broker keeps the first of id 7 and drops the others
        assert [s.deduplicated for s in statuses] == [False, True, True]
        assert stored == [b"a"]


async def test_publishing_again_after_a_stream_was_deleted_and_created(
    stream: str, client: Client
) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_wait(stream, b"before")
        await client.delete_stream(stream)
        await asyncio.sleep(0.5)
        with pytest.raises(StreamDoesNotExist):
            await producer.send_wait(stream, b"nowhere")
        await client.create_stream(stream)
        await producer.send_wait(stream, b"after")


async def test_recovery_off_reports_lost_messages_and_starts_afresh(stream: str) -> None:
    statuses: list[ConfirmationStatus] = []
    async with Producer(HOST, PORT, recovery=False) as producer:
        await producer.send_wait(stream, b"one")
        await producer.send(stream, b"lost", on_publish_confirm=statuses.append)
        for client in list(producer._pool._clients):
            client.connection.abort()  # before the buffered message is written
        assert [(s.is_confirmed, s.response_code) for s in statuses] == [(False, 10002)]
        await producer.send_wait(stream, b"two")  # a new publisher, on a new connection
    assert [m for _, m in await read_stream(stream, 2)] == [b"one", b"two"]


async def test_closing_the_consumer_from_its_own_callback(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [b"%d" % i for i in range(10)])
    consumer = Consumer(HOST, PORT)
    await consumer.start()

    async def stop_at_five(message: bytes, context: MessageContext) -> None:
        if context.offset == 5:
            await context.consumer.close()

    await consumer.subscribe(stream, stop_at_five)
    await asyncio.wait_for(consumer.run(), 10)  # returns once closed


async def test_a_failing_filter_or_decoder_costs_one_message(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [b"%d" % i for i in range(20)])
    seen: list[int] = []

    def decoder(data: bytes) -> int:
        if data == b"3":
            raise ValueError("undecodable")
        return int(data)

    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, lambda m, c: seen.append(m), decoder=decoder)
        await wait_for(lambda: len(seen) == 19)
    assert 3 not in seen


async def test_a_failing_update_listener_still_answers(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [b"x"] * 5)
    seen: list[int] = []

    def broken(is_active: bool, context: EventContext) -> Any:
        raise RuntimeError("listener bug")

    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(
            stream, lambda m, c: seen.append(c.offset),
            properties={"single-active-consumer": "true", "name": "robust"},
            consumer_update_listener=broken,
            offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST),
        )
        await wait_for(lambda: len(seen) == 5)


async def test_single_active_default_is_next_without_a_stored_offset(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [b"old"] * 5)
        seen: list[bytes] = []
        async with Consumer(HOST, PORT) as consumer:
            await consumer.subscribe(
                stream, lambda m, c: seen.append(m),
                properties={"single-active-consumer": True, "name": "fresh-group"},
            )
            # The broker picks the active member after subscribing; "next" is then the next
            # offset, so publish until something arrives: none of the old ones may.
            for _ in range(100):
                await producer.send_wait(stream, b"new")
                if seen:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.3)
            assert seen and set(seen) == {b"new"}, seen


async def test_iteration_ends_with_the_error_when_the_stream_is_deleted(
    stream: str, client: Client
) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [b"x"] * 3)
    seen = 0
    async with Consumer(HOST, PORT) as consumer:
        with pytest.raises(StreamDoesNotExist):
            async for _message, _context in consumer.iterate(stream):
                seen += 1
                if seen == 3:
                    await client.delete_stream(stream)
    assert seen == 3
