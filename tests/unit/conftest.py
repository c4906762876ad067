"""Fixtures of the broker-free tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

# What a local fake server does with one accepted connection.
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[int]]]:
    """Start a server on 127.0.0.1 running a handler per connection; returns its port.
    Not a broker mock: each test's handler sends what it needs, often what no broker would."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []
    handlers: list[asyncio.Task[None]] = []

    async def start(handler: Handler) -> int:
        async def recorded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            current = asyncio.current_task()
            assert current is not None
            handlers.append(current)
            await handler(reader, writer)

        server = await asyncio.start_server(recorded, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    # The accepted connections first: from Python 3.12 on, Server.wait_closed() waits for
    # every connection it accepted, so a handler still sleeping would hang the teardown.
    for task in handlers:
        task.cancel()
    for writer in writers:  # a server does not close the connections it accepted
        writer.close()
    for writer in writers:
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            await writer.wait_closed()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        server.close()
        await server.wait_closed()
