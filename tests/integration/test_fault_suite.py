"""Faults on one broker, each while a named producer publishes 200,000 messages at a steady
rate and a named consumer reads them: nothing lost, duplicated or out of order (tests/faults.py).
Network faults go through the project's own proxy (tests/integration/proxy.py); the clients
use load_balancer_mode so that every connection, recovery's included, goes through it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rstream import (
    Consumer,
    ConsumerOffsetSpecification,
    OffsetType,
    Producer,
    StreamDoesNotExist,
)
from tests.faults import (
    Run,
    publish_steadily,
    run_through,
    stored_once,
    until,
    until_recovered,
)

from .conftest import HOST, PORT, broker_ctl
from .proxy import Proxy

DIRECT: dict[str, Any] = {"host": HOST, "port": PORT}


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[Proxy, dict[str, Any]]]:
    proxy = Proxy(HOST, PORT)
    port = await proxy.start()
    yield proxy, {"host": HOST, "port": port, "load_balancer_mode": True, "heartbeat": 2}
    await proxy.close()


async def checked(name: str, fault: Any, stream: str, client: dict[str, Any],
                  **options: Any) -> None:
    outcome = await run_through(name, fault, stream, client, **options)
    outcome.record()
    outcome.check()
    await stored_once(stream, DIRECT, outcome.total)


async def test_connections_cut_mid_batch_and_mid_chunk(
    stream: str, proxied: tuple[Proxy, dict[str, Any]]
) -> None:
    proxy, client = proxied

    async def cut_three_times(run: Run) -> None:
        for _ in range(3):
            opened = proxy.connections
            since = run.event()
            proxy.cut()  # publishing in batches and reading chunks never stops: both are cut
            await until_recovered(run, since)
            assert proxy.connections >= opened + 2  # the producer and the consumer came back
            await asyncio.sleep(0.5)

    await checked("connection cut mid-batch and mid-chunk", cut_three_times, stream, client)


async def test_stalled_connection_past_the_heartbeat(
    stream: str, proxied: tuple[Proxy, dict[str, Any]]
) -> None:
    proxy, client = proxied

    async def stall(run: Run) -> None:
        opened = proxy.connections
        since = run.event()
        proxy.stall_open()  # half-open: nothing forwarded, nothing closed
        await until_recovered(run, since)  # both gave up on theirs, past the heartbeat
        assert proxy.connections >= opened + 2  # and opened new ones

    await checked("stalled connection (half-open) past a 2 s heartbeat", stall, stream, client)


async def test_slow_link(stream: str, proxied: tuple[Proxy, dict[str, Any]]) -> None:
    proxy, client = proxied

    async def slow_for_a_while(run: Run) -> None:
        run.event()
        proxy.delay = 0.05  # every forwarded write waits 50 ms
        await asyncio.sleep(3)
        proxy.delay = 0.0

    await checked("slow link (50 ms per write, 3 s)", slow_for_a_while, stream, client)


async def test_close_all_connections(stream: str) -> None:
    async def close_all(run: Run) -> None:
        for _ in range(2):
            since = run.event()
            await asyncio.to_thread(broker_ctl, "close_all_user_connections", "guest", "fault")
            await until_recovered(run, since)
            await asyncio.sleep(0.5)

    await checked("close_all_connections", close_all, stream, DIRECT)


async def test_broker_stopped_and_restarted(stream: str) -> None:
    async def restart(run: Run) -> None:
        since = run.event()
        await asyncio.to_thread(broker_ctl, "stop_app")
        await asyncio.to_thread(broker_ctl, "start_app")
        await asyncio.to_thread(broker_ctl, "await_startup")
        await until_recovered(run, since)

    await checked("broker stopped and restarted", restart, stream, DIRECT)


async def test_stream_deleted_while_in_use(
    stream: str, proxied: tuple[Proxy, dict[str, Any]]
) -> None:
    """Publishing and consuming end with StreamDoesNotExist, once: no retry loop; what was read
    before is in order, without a gap or a duplicate."""
    proxy, client = proxied
    run = Run(200_000)
    async with Producer(**client) as producer, Consumer(**client) as consumer:
        subscriber = await consumer.subscribe(
            stream, run.on_message, subscriber_name="deleted-reader",
            offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST))
        publishing = asyncio.create_task(publish_steadily(producer, stream, run, 40_000))
        await asyncio.sleep(1.5)
        async with Producer(**DIRECT) as admin:
            await admin.delete_stream(stream)
        with pytest.raises(StreamDoesNotExist):
            await asyncio.wait_for(publishing, 30)
        subscription = consumer.subscription(subscriber)
        await until(lambda: subscription.error is not None, "the subscription ended", 30)
        assert isinstance(subscription.error, StreamDoesNotExist)
        opened = proxy.connections
        await asyncio.sleep(3)
        assert proxy.connections == opened, "a client kept reconnecting to a deleted stream"
    assert run.received and run.received == list(range(len(run.received)))
    assert len(run.confirmed) < run.total


async def test_disk_alarm_blocks_publishers_until_it_clears(stream: str) -> None:
    """Publishers block while the alarm lasts (no confirm), then resume; consumers go on."""
    limit = broker_ctl("environment").split("disk_free_limit,")[1].split("}")[0].strip()
    blocked: list[float] = []

    async def alarm(run: Run) -> None:
        alarm_started = run.event()
        await asyncio.to_thread(broker_ctl, "set_disk_free_limit", "100000GB")
        await asyncio.sleep(1)
        await read_while_blocked(stream, len(run.confirmed))
        await asyncio.sleep(max(0.0, alarm_started + 3 - time.monotonic()))
        # The alarm took hold: no confirm in the last second of it.
        blocked.append(time.monotonic() - run.confirm_times[-1])
        await asyncio.to_thread(broker_ctl, "set_disk_free_limit", limit)

    try:
        await checked("disk alarm (3 s)", alarm, stream, DIRECT)
    finally:
        await asyncio.to_thread(broker_ctl, "set_disk_free_limit", limit)
    assert blocked and blocked[0] >= 1.0, f"publishers were not blocked: {blocked}"


async def read_while_blocked(stream: str, stored: int) -> None:
    """A new consumer, on a new connection, reads the `stored` confirmed messages while the
    alarm blocks publishers: consumers go on."""
    assert stored > 0
    read = 0

    def count(message: bytes, context: Any) -> None:
        nonlocal read
        read += 1

    async with Consumer(**DIRECT) as reader:
        await reader.subscribe(
            stream, count, offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST))
        await until(lambda: read >= stored, f"a consumer reads {stored} messages in the alarm",
                    timeout=60)
