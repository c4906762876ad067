"""How a connection reacts to a misbehaving peer: a local fake server on loopback.

This is not a broker mock: it sends bytes no broker would, to check that bad input closes the
connection with a ProtocolError and that a silent peer never hangs us.
"""

from __future__ import annotations

import asyncio
import functools
import struct
from collections.abc import Awaitable, Callable

import pytest

from rstream_core.connection import CloseReason, Connection, ConnectionParams, ConnectionState
from rstream_core.errors import (
    ClientTimeoutError,
    ConnectionClosedError,
    ProtocolError,
    UnsupportedFeatureError,
)
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.constants import MAX_INBOUND_FRAME
from rstream_core.protocol.frames import PeerPropertiesResponse
from rstream_core.protocol.reader import FrameReader
from tests.unit.conftest import Handler
from tests.unit.core.handshake import broker_answers

Serve = Callable[[Handler], Awaitable[int]]  # the `serve` fixture (tests/unit/conftest.py)


def params(port: int, **more: float) -> ConnectionParams:
    return ConnectionParams(host="127.0.0.1", port=port, **more)  # type: ignore[arg-type]


async def test_garbage_closes_the_connection_with_a_protocol_error(serve) -> None:  # type: ignore[no-untyped-def]
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        writer.write(b"\x00\x00\x00\x06\x7f\x7f\x00\x09zz")  # unknown command
        await writer.drain()
        await asyncio.sleep(1)
        writer.close()

    port = await serve(handler)
    with pytest.raises(ProtocolError):
        await Connection.open(params(port))


async def test_oversized_frame_before_open_is_refused(serve) -> None:  # type: ignore[no-untyped-def]
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        writer.write(b"\x10\x00\x00\x00")  # announces 256 MiB
        await writer.drain()
        await asyncio.sleep(1)

    port = await serve(handler)
    with pytest.raises(ProtocolError):
        await Connection.open(params(port))


async def test_silent_server_times_out(serve) -> None:  # type: ignore[no-untyped-def]
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    port = await serve(handler)
    with pytest.raises(ClientTimeoutError):
        await Connection.open(params(port, connect_timeout=0.5))


async def test_server_hanging_up_mid_handshake(serve) -> None:  # type: ignore[no-untyped-def]
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        writer.write(encode_frame(
            PeerPropertiesResponse(correlation_id=0, code=1, properties={"version": "4.3.6"})
        )[:7])
        await writer.drain()
        writer.close()

    port = await serve(handler)
    with pytest.raises(ConnectionClosedError):
        await Connection.open(params(port))


async def test_nothing_listening() -> None:
    with pytest.raises(ConnectionClosedError, match="cannot connect"):
        await Connection.open(params(1))


def test_close_reasons_are_named() -> None:
    assert CloseReason.PROTOCOL.value == "protocol error"


def test_state_transitions_are_guarded() -> None:
    connection = Connection(params(1))
    assert connection.state is ConnectionState.CONNECTING and not connection.is_open
    with pytest.raises(RuntimeError, match="from connecting to open"):
        connection._enter(ConnectionState.OPEN)
    connection._abort(CloseReason.CLIENT, None)  # no socket yet: closed at once
    assert connection.state is ConnectionState.CLOSED
    with pytest.raises(RuntimeError):
        connection._enter(ConnectionState.CLOSING)


async def test_a_failed_handshake_ends_closed(serve) -> None:  # type: ignore[no-untyped-def]
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        writer.close()

    port = await serve(handler)
    opened: list[Connection] = []
    original = Connection._connect

    async def connect(self: Connection) -> None:
        opened.append(self)
        await original(self)

    Connection._connect = connect  # type: ignore[method-assign]
    try:
        with pytest.raises(ConnectionClosedError):
            await Connection.open(params(port))
    finally:
        Connection._connect = original  # type: ignore[method-assign]
    (connection,) = opened
    await asyncio.wait_for(connection._closed.wait(), 2)
    assert connection.state is ConnectionState.CLOSED and not connection.is_open


async def test_update_secret_needs_rabbitmq_3_13() -> None:
    connection = Connection(ConnectionParams())
    connection.server_properties = {"version": "3.12.14"}
    with pytest.raises(UnsupportedFeatureError, match=r"3\.13 or newer"):
        await connection.update_secret("token")
    assert connection.params.password == "guest"  # unchanged: nothing was sent


async def _handshake_then(
    announce: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer the handshake as a broker does, then announce a frame of `announce` bytes."""
    frames = FrameReader(None)
    while data := await reader.read(65536):
        frames.feed(data)
        for body in frames:
            frame = decode_frame(body)
            for answer in broker_answers(frame):
                writer.write(encode_frame(answer))
            if isinstance(frame, f.ExchangeCommandVersions):  # the handshake's last request
                await writer.drain()
                await asyncio.sleep(0.3)  # Connection.open has returned by then
                writer.write(struct.pack(">I", announce))
                await writer.drain()


@pytest.mark.parametrize(("limit", "announced"), [(MAX_INBOUND_FRAME, 2**30), (1000, 1001)])
async def test_oversized_frame_after_open_closes_the_connection(
    serve: Serve, limit: int, announced: int
) -> None:
    port = await serve(functools.partial(_handshake_then, announced))
    connection = await Connection.open(params(port, max_inbound_frame=limit))
    closed = asyncio.Event()
    connection.add_close_listener(lambda _: closed.set())
    await asyncio.wait_for(closed.wait(), 5)
    assert connection.close_reason is CloseReason.PROTOCOL
    assert isinstance(connection.close_error, ProtocolError)
    assert f"frame of {announced} bytes is above the limit of {limit} bytes" in str(
        connection.close_error
    )
