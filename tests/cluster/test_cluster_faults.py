"""Faults on a three-node cluster (scripts/broker cluster): a named producer and a named
consumer go through each one with nothing lost, duplicated or out of order."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from rstream import Consumer, Producer
from tests.faults import Run, run_through, stored_once, until_flowing

from .conftest import BALANCED, CLIENT, NODES, ROOT, members, node_of, start_node, stop_node


async def test_placement_leader_for_producers_replicas_for_consumers(stream: str) -> None:
    leader, replicas = await members(stream)
    for client in (CLIENT, BALANCED):
        async with Producer(**client) as producer, Consumer(**client) as consumer:
            await producer.send_wait(stream, b"where")
            subscriber = await consumer.subscribe(stream, lambda message, context: None)
            publishing_node = producer.node(stream)
            reading_node = consumer.subscription(subscriber).node
            assert publishing_node is not None and reading_node is not None
            assert node_of(publishing_node.port) == leader, client
            assert node_of(reading_node.port) in replicas, client


async def stop_the_leader(stream: str, run: Run) -> None:
    leader, _ = await members(stream)
    run.event()
    await stop_node(leader)
    await until_flowing(run, time.monotonic())
    await start_node(leader)


async def test_the_leader_stopped(stream: str) -> None:
    outcome = await run_through(
        "cluster: the leader stopped", lambda run: stop_the_leader(stream, run), stream, CLIENT)
    outcome.record()
    outcome.check()
    await stored_once(stream, CLIENT, outcome.total)


async def test_the_leader_stopped_behind_haproxy(stream: str) -> None:
    outcome = await run_through(
        "cluster, HAProxy and load_balancer_mode: the leader stopped",
        lambda run: stop_the_leader(stream, run), stream, BALANCED)
    outcome.record()
    outcome.check()
    await stored_once(stream, CLIENT, outcome.total)


@pytest.mark.timeout(900)  # three stops and starts and 50 s of publishing on two cores
async def test_every_node_restarted_in_turn(stream: str) -> None:
    async def restart_each(run: Run) -> None:
        for node in NODES:
            run.event()
            await stop_node(node)
            await start_node(node)
            await until_flowing(run, time.monotonic())

    outcome = await run_through("cluster: every node restarted in turn", restart_each, stream,
                                CLIENT, total=300_000, rate=6_000)
    outcome.record()
    outcome.check()
    await stored_once(stream, CLIENT, outcome.total)


async def test_restart_stream(stream: str) -> None:
    async def restart(run: Run) -> None:
        for _ in range(2):
            run.event()
            await asyncio.to_thread(
                subprocess.run, [str(ROOT / "scripts/broker"), "cluster", "streams", "1",
                                 "restart_stream", stream], check=True, capture_output=True,
                timeout=120)
            await until_flowing(run, time.monotonic())

    outcome = await run_through("cluster: rabbitmq-streams restart_stream", restart, stream,
                                CLIENT)
    outcome.record()
    outcome.check()
