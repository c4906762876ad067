"""Records the decoder cannot read and callbacks that fail, on the real broker: a policy for
the records, and logs that say it once with a count instead of once per record."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from rstream import (
    AMQPMessage,
    Consumer,
    DecodeError,
    MessageContext,
    Producer,
    amqp_decoder,
)

from .conftest import HOST, PORT, wait_for

BINARY = 300  # plain bytes, as rstream 1.x's binary producer examples write them


async def mixed_stream(stream: str) -> None:
    """10 AMQP messages, then BINARY plain-bytes records, then 10 AMQP messages again."""
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [AMQPMessage(body=b"a%d" % i) for i in range(10)])
        await producer.send_batch(stream, [b"hello"] * BINARY)
        await producer.send_batch(stream, [AMQPMessage(body=b"b%d" % i) for i in range(10)])
        await producer.flush()


def consumer_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "rstream.consumer"]


async def test_undecodable_records_are_skipped_with_one_warning_and_a_count(
    stream: str, caplog: pytest.LogCaptureFixture
) -> None:
    await mixed_stream(stream)
    bodies: list[bytes] = []

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        bodies.append(bytes(message.body))

    with caplog.at_level(logging.INFO, logger="rstream.consumer"):
        async with Consumer(HOST, PORT) as consumer:
            await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
            await wait_for(lambda: len(bodies) == 20)
    assert bodies == [b"a%d" % i for i in range(10)] + [b"b%d" % i for i in range(10)]
    lines = [r.getMessage() for r in consumer_records(caplog)]
    assert len(lines) == 2, lines  # the first, then the count (logged on close)
    assert "skipped a record the decoder cannot read at offset 10" in lines[0]
    assert "AmqpDecodeError" in lines[0]
    assert f"{BINARY - 1} more times" in lines[1]
    assert f"the last at offset {10 + BINARY - 1}" in lines[1]
    assert all(r.exc_info is None for r in consumer_records(caplog))  # no tracebacks


async def test_on_decode_error_may_hand_a_substitute_on(stream: str) -> None:
    await mixed_stream(stream)
    got: list[tuple[int, Any]] = []
    errors: list[Exception] = []

    def on_decode_error(raw: bytes, context: MessageContext, error: Exception) -> Any:
        errors.append(error)
        return raw if context.offset % 100 == 0 else None  # some handed on, others skipped

    def on_message(message: Any, context: MessageContext) -> None:
        got.append((context.offset, message if isinstance(message, bytes) else message.body))

    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, on_message, decoder=amqp_decoder,
                                 on_decode_error=on_decode_error)
        await wait_for(lambda: len(got) == 23)
    assert [offset for offset, _ in got if offset >= 10 and offset < 10 + BINARY] == [
        100, 200, 300
    ]
    assert all(body == b"hello" for offset, body in got if 100 <= offset <= 300)
    assert len(errors) == BINARY and all(type(e).__name__ == "AmqpDecodeError" for e in errors)


async def test_on_decode_error_may_stop_the_subscription(stream: str) -> None:
    await mixed_stream(stream)
    got: list[int] = []
    ended = asyncio.Event()

    async def on_decode_error(raw: bytes, context: MessageContext, error: Exception) -> Any:
        raise RuntimeError("not our format")

    async with Consumer(HOST, PORT) as consumer:
        subscriber = await consumer.subscribe(
            stream, lambda m, c: got.append(c.offset), decoder=amqp_decoder,
            on_decode_error=on_decode_error,
        )
        subscription = consumer.subscription(subscriber)
        subscription.on_end = lambda _: ended.set()
        await asyncio.wait_for(ended.wait(), 10)
        assert isinstance(subscription.error, DecodeError)
        assert "offset 10" in str(subscription.error)
    assert got == list(range(10))  # nothing after the record that stopped it


async def test_a_failing_callback_logs_one_traceback_and_a_count(
    stream: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_batch(stream, [AMQPMessage(body=b"x")] * 500)
    calls = 0

    def on_message(message: AMQPMessage, context: MessageContext) -> None:
        nonlocal calls
        calls += 1
        raise KeyError(b"region")

    with caplog.at_level(logging.INFO, logger="rstream.consumer"):
        async with Consumer(HOST, PORT) as consumer:
            await consumer.subscribe(stream, on_message, decoder=amqp_decoder)
            await wait_for(lambda: calls == 500)
    records = consumer_records(caplog)
    assert len(records) == 2
    assert records[0].exc_info is not None and records[0].levelno == logging.ERROR
    assert "the message callback failed at offset 0" in records[0].getMessage()
    assert "499 more times (KeyError)" in records[1].getMessage()
