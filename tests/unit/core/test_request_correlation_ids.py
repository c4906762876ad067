"""`Connection.request` numbers requests itself: what a local fake server on loopback reads.

Not a broker mock: the fake answers just what the handshake and these tests ask, from the
frames it decodes, so the tests can check the correlation ids the client wrote on the wire.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

from rstream_core.client import Client
from rstream_core.connection import Connection, ConnectionParams
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.reader import FrameReader
from tests.unit.core.handshake import broker_answers

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Serve = Callable[[Handler], Awaitable[int]]  # the `serve` fixture (tests/unit/conftest.py)


def _metadata_response(request: f.Metadata) -> f.MetadataResponse:
    streams = tuple(f.StreamMetadata(stream=name, code=1, leader=None, replicas=())
                    for name in request.streams)
    return f.MetadataResponse(correlation_id=request.correlation_id, brokers=(), streams=streams)


async def _fake_broker(
    seen: list[f.Frame], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Records every frame; answers Metadata requests two at a time, the later one first."""
    frames = FrameReader(None)
    held: list[f.Metadata] = []
    while data := await reader.read(65536):
        frames.feed(data)
        for body in frames:
            frame = decode_frame(body)
            seen.append(frame)
            answers = broker_answers(frame)
            if isinstance(frame, f.Metadata):
                held.append(frame)
                if len(held) == 2:  # out of order: only the ids can match them up
                    answers = [_metadata_response(request) for request in reversed(held)]
                    held.clear()
            for answer in answers:
                writer.write(encode_frame(answer))
            if isinstance(frame, f.Close):
                writer.close()
                return


async def _open(serve: Serve, seen: list[f.Frame]) -> Connection:
    port = await serve(functools.partial(_fake_broker, seen))
    return await Connection.open(ConnectionParams(host="127.0.0.1", port=port))


def _requests(seen: list[f.Frame]) -> list[f.RequestFrame]:
    return [frame for frame in seen if isinstance(frame, f.REQUEST_FRAMES)]


async def test_every_request_gets_the_next_id_without_the_caller_giving_one(
    serve: Serve,
) -> None:
    seen: list[f.Frame] = []
    connection = await _open(serve, seen)
    await connection.close()
    requests = _requests(seen)
    assert [type(request) for request in requests] == [
        f.PeerProperties, f.SaslHandshake, f.SaslAuthenticate, f.Open,
        f.ExchangeCommandVersions, f.Close,
    ]
    assert [request.correlation_id for request in requests] == list(range(len(requests)))


async def test_two_requests_in_flight_have_distinct_ids_and_get_their_ownbroker_answers(
    serve: Serve,
) -> None:
    seen: list[f.Frame] = []
    connection = await _open(serve, seen)
    try:
        client = Client(connection)
        # Built with no correlation id: both frames hold the default 0.
        first, second = await asyncio.wait_for(
            asyncio.gather(client.metadata("first"), client.metadata("second")), 5
        )
    finally:
        await connection.close()
    assert list(first) == ["first"] and list(second) == ["second"]
    metadata = [request for request in _requests(seen) if isinstance(request, f.Metadata)]
    assert [request.streams for request in metadata] == [("first",), ("second",)]
    ids = [request.correlation_id for request in metadata]
    assert ids[0] != ids[1] and 0 not in ids  # 0 went to the handshake's first request
