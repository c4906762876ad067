"""Integration tests talk to the real broker that `make test` starts (scripts/broker).

They fail, never skip, when it is missing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from rstream_core.client import Client
from rstream_core.connection import Connection, ConnectionParams
from rstream_core.plugins import PluginRegistry, get_registry, reset_registry

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PORT = int(os.environ.get("RSTREAM_TEST_PORT", "5552"))
TLS_PORT = 5551
CERTS = Path(os.environ.get("RSTREAM_BROKER_CACHE", "/var/cache/rstream-broker")) / os.environ.get(
    "RSTREAM_BROKER_SUITE", "forky"
) / "etc/rabbitmq/certs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session", autouse=True)
def broker() -> None:
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
    except OSError:
        pytest.fail(f"no broker on {HOST}:{PORT}: run `scripts/broker start` (make test does)")


def broker_ctl(*args: str) -> str:
    """rabbitmqctl inside the broker that scripts/broker started."""
    result = subprocess.run(
        [str(ROOT / "scripts/broker"), "ctl", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout


def params(**overrides: object) -> ConnectionParams:
    settings: dict[str, object] = {"host": HOST, "port": PORT, **overrides}
    return ConnectionParams(**settings)  # type: ignore[arg-type]


@pytest.fixture
def registry() -> Iterator[PluginRegistry]:
    """The plugin registry, for a test that adds plugins; rebuilt afterwards."""
    yield get_registry()
    reset_registry()


@pytest.fixture
def stream_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    connection = await Connection.open(params())
    yield Client(connection)
    await connection.close()


@pytest.fixture
async def stream(client: Client, stream_name: str) -> AsyncIterator[str]:
    await client.create_stream(stream_name)
    yield stream_name
    # Tests that close the broker's connections (recovery, faults) close this one too: the
    # stream is deleted on a fresh connection then, not left behind.
    if client.connection.is_open:
        await client.delete_stream(stream_name, missing_ok=True)
    else:
        connection = await Connection.open(params())
        try:
            await Client(connection).delete_stream(stream_name, missing_ok=True)
        finally:
            await connection.close()


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until `condition()` holds; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def super_stream(client: Client) -> AsyncIterator[str]:
    """A super stream of three partitions, deleted afterwards."""
    from rstream_core.arguments import SuperStreamCreationOption

    name = f"super-{uuid.uuid4().hex[:8]}"
    await client.create_super_stream(name, SuperStreamCreationOption(n_partitions=3))
    yield name
    await client.delete_super_stream(name, missing_ok=True)
