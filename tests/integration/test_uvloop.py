"""The client on uvloop (the `rstream[uvloop]` extra): publishing, consuming, TLS, recovery.

Each test runs its own uvloop loop (rstream_core.loops.run) instead of the suite's asyncio loop;
streams are created and deleted inside it. The recovery tests are test_recovery's, on uvloop.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable

from rstream import AMQPMessage, ConfirmationStatus, Consumer, MessageContext, Producer
from rstream_core.loops import loop_name, run

from . import test_recovery
from .conftest import HOST, PORT, TLS_PORT, wait_for
from .test_connection import tls_context

COUNT = 30_000


def on_uvloop(test: Callable[[str], Awaitable[None]], **producer: object) -> None:
    """Run `test(stream)` on a fresh uvloop loop, with a stream made for it."""

    async def main() -> None:
        assert loop_name() == "uvloop"
        stream = f"test-uvloop-{uuid.uuid4().hex[:12]}"
        async with Producer(HOST, PORT) as admin:
            await admin.create_stream(stream)
            try:
                await test(stream)
            finally:
                await admin.delete_stream(stream, missing_ok=True)

    run(main(), uvloop=True)


async def publish_three_ways_then_consume(stream: str) -> None:
    confirmed: list[int] = []

    def plain(status: ConfirmationStatus) -> None:
        assert status.is_confirmed
        confirmed.append(status.message_id)

    async def awaited(status: ConfirmationStatus) -> None:
        plain(status)

    half = COUNT // 2
    async with Producer(HOST, PORT, codec="amqp") as producer:
        for start in range(0, half, 100):
            batch = [AMQPMessage(body=b"%d" % i) for i in range(start, start + 100)]
            await producer.send_batch(stream, batch, on_publish_confirm=plain)
        for i in range(half, COUNT - 1):
            await producer.send(stream, AMQPMessage(body=b"%d" % i), on_publish_confirm=awaited)
        await producer.send_wait(stream, AMQPMessage(body=b"%d" % (COUNT - 1)))
        await wait_for(lambda: len(confirmed) == COUNT - 1, timeout=30)

    seen: list[tuple[int, int]] = []

    async def on_message(message: AMQPMessage, context: MessageContext) -> None:
        seen.append((context.offset, int(message.body)))

    async with Consumer(HOST, PORT) as consumer:
        await consumer.subscribe(stream, on_message, decoder="amqp")
        await wait_for(lambda: len(seen) >= COUNT, timeout=30)
    assert seen == [(i, i) for i in range(COUNT)]


def test_publish_and_consume_on_uvloop() -> None:
    on_uvloop(publish_three_ways_then_consume)


async def round_trip_over_tls(stream: str) -> None:
    tls = tls_context(False)
    async with Producer("localhost", TLS_PORT, ssl_context=tls) as producer:
        await producer.send_wait(stream, b"over tls")
    got: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    async with Consumer("localhost", TLS_PORT, ssl_context=tls) as consumer:
        await consumer.subscribe(stream, lambda message, context: got.set_result(message))
        assert await asyncio.wait_for(got, 10) == b"over tls"


def test_tls_on_uvloop() -> None:
    on_uvloop(round_trip_over_tls)


def test_named_producer_recovers_exactly_once_on_uvloop() -> None:
    on_uvloop(test_recovery.test_named_producer_recovers_exactly_once)


def test_consumer_recovers_in_order_without_duplicates_on_uvloop() -> None:
    on_uvloop(test_recovery.test_consumer_recovers_in_order_without_duplicates)


def test_perf_runs_on_uvloop() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rstream_core.cli.main", "--host", HOST, "--port", str(PORT),
         "perf", "--pmessages", "20000", "--uvloop", "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert summary["settings"]["event_loop"] == "uvloop"
    assert summary["published"] == summary["consumed"] == 20_000
