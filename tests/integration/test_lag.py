"""`consumer.lag(stream)`: how far behind the stream's committed offset a subscription is."""

from __future__ import annotations

import asyncio

import pytest

from rstream import Consumer, MessageContext, Producer, UnknownSubscriberError

from .conftest import HOST, PORT, wait_for


async def test_lag_counts_what_is_committed_and_not_handed_over_yet(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        for _ in range(10):
            await producer.send_batch(stream, [b"m"] * 100)
        await producer.flush()
    release = asyncio.Event()
    received: list[int] = []

    async def slow(message: bytes, context: MessageContext) -> None:
        received.append(context.offset)
        if len(received) == 1:
            await release.wait()  # the application is busy with the first message

    async with Consumer(HOST, PORT) as consumer:
        with pytest.raises(UnknownSubscriberError):
            await consumer.lag(stream)
        await consumer.subscribe(stream, slow, subscriber_name="lagging")
        await wait_for(lambda: received == [0])
        # Nothing handed over yet (offset 0 is still in the callback): all 1,000 behind.
        assert await consumer.lag(stream) == 1000
        assert await consumer.lag(stream, "lagging") == 1000
        release.set()
        await wait_for(lambda: len(received) == 1000)
        assert await consumer.lag(stream) == 0
