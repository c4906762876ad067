"""A loopback TCP proxy in front of the broker: a stand-in load balancer, and the fault suite's
network: it can cut every socket, stall the open ones (half-open: nothing forwarded, nothing
closed) and delay every write."""

from __future__ import annotations

import asyncio
import contextlib


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.connections = 0
        self.delay = 0.0  # seconds before each forwarded write: a slow link
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._flowing = asyncio.Event()  # cleared by freeze(): every connection stops
        self._flowing.set()
        self._open: set[asyncio.Event] = set()  # each open connection's own, for stall_open()
        self._stalled: set[asyncio.Event] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, upstream_writer))
        flowing = asyncio.Event()  # this connection's own: stall_open() clears it
        flowing.set()
        self._open.add(flowing)
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer, flowing),
                self._pipe(upstream_reader, writer, flowing),
            )
        finally:
            self._open.discard(flowing)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    flowing: asyncio.Event) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                await flowing.wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def freeze(self) -> None:
        """Hold all traffic (both ways, new connections too) until `thaw()`."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def stall_open(self) -> None:
        """The connections open now stop forwarding, for good, and are never closed (a
        half-open network path); new connections flow."""
        for flowing in self._open:
            flowing.clear()
        self._stalled |= self._open

    def cut(self) -> None:
        """Drop every proxied socket at once, as a network failure would."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        self.cut()
        for flowing in self._stalled:  # the stalled pipes end with their sockets
            flowing.set()
        self._flowing.set()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
