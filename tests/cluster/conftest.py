"""Cluster tests: three RabbitMQ nodes and an HAProxy, started by `scripts/broker cluster
start` (make test-cluster does). They fail, never skip, when the cluster is not there."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rstream import Producer, StreamArguments

ROOT = Path(__file__).resolve().parents[2]
NODES = (1, 2, 3)
LB_PORT = 5560
URIS = [f"rabbitmq-stream://guest:guest@localhost:{5560 + n}" for n in NODES]
# Every node: a client reaches the cluster while one of them is down.
CLIENT: dict[str, Any] = {"uris": URIS}
BALANCED: dict[str, Any] = {"host": "localhost", "port": LB_PORT, "load_balancer_mode": True}


def stream_port(node: int) -> int:
    return 5560 + node


def node_of(port: int) -> int:
    return port - 5560


@pytest.fixture(scope="session", autouse=True)
def cluster() -> None:
    for port in [*map(stream_port, NODES), LB_PORT]:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            pytest.fail(f"nothing on 127.0.0.1:{port}: run `scripts/broker cluster start` "
                        "(make test-cluster does)")


def cluster_command(*args: str, timeout: float = 180) -> str:
    result = subprocess.run([str(ROOT / "scripts/broker"), "cluster", *args],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


async def stop_node(node: int) -> None:
    await asyncio.to_thread(cluster_command, "stop-node", str(node))


async def start_node(node: int) -> None:
    await asyncio.to_thread(cluster_command, "start-node", str(node))


@pytest.fixture(autouse=True)
async def every_node_up() -> AsyncIterator[None]:
    """Each test starts and ends with the three nodes running."""
    for node in NODES:
        await start_node(node)
    yield
    for node in NODES:
        await start_node(node)


async def members(stream: str) -> tuple[int, list[int]]:
    """(leader node, replica nodes) of a stream, as the broker advertises them."""
    async with Producer(**CLIENT) as admin:
        info = await admin.stream_info(stream)
    assert info.leader is not None
    return node_of(info.leader.port), sorted(node_of(r.port) for r in info.replicas)


@pytest.fixture
async def stream() -> AsyncIterator[str]:
    """A stream on all three nodes, once its two replicas are running."""
    name = f"cluster-{uuid.uuid4().hex[:10]}"
    async with Producer(**CLIENT) as admin:
        await admin.create_stream(name, StreamArguments(initial_cluster_size=3))
    deadline = time.monotonic() + 60
    while len((await members(name))[1]) < 2:  # a stopped leader needs both replicas up
        assert time.monotonic() < deadline, f"{name}: fewer than two replicas after 60 s"
        await asyncio.sleep(0.2)
    yield name
    async with Producer(**CLIENT) as admin:
        await admin.delete_stream(name, missing_ok=True)
