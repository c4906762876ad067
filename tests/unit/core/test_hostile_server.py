"""A fake server on loopback that misbehaves once a producer publishes: a malformed frame, an
oversized one, an unknown command. The client closes that connection with a ProtocolError,
tells `on_close_handler`, and with recovery on publishes again on a new connection.

Not a broker mock: the fake answers the handshake, Metadata and DeclarePublisher as a broker
would, confirms on every connection but the first, and on the first sends the bad frame.
Unsolicited frames a broker could send out of turn (a second Tune, a response nobody asked
for) are ignored: the connection goes on.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Awaitable, Callable

import pytest

from rstream import OnClosedErrorInfo, Producer
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.constants import Key
from rstream_core.protocol.reader import FrameReader
from tests.unit.conftest import Handler
from tests.unit.core.handshake import broker_answers

Serve = Callable[[Handler], Awaitable[int]]

BAD_FRAMES = {
    # PublishConfirm cut after its publisher id: the count of ids is missing.
    "malformed": b"\x00\x00\x00\x05\x00\x03\x00\x01\x00",
    "oversized": struct.pack(">I", 2**31),  # 2 GiB announced
    "unknown command": b"\x00\x00\x00\x06\x7f\x7f\x00\x01zz",
}
UNSOLICITED = (
    encode_frame(f.Tune(frame_max=1048576, heartbeat=0))
    + encode_frame(f.Response(key=Key.DECLARE_PUBLISHER, correlation_id=999_999, code=1))
)


class FakeBroker:
    def __init__(self, bad: bytes) -> None:
        self.bad = bad
        self.port = 0
        self.connections = 0
        self.publishes_seen = 0

    def answers(self, frame: f.Frame) -> list[f.Frame]:
        if isinstance(frame, f.Open):  # advertise this fake as the node to publish to
            return [f.OpenResponse(correlation_id=frame.correlation_id, code=1, properties={
                "advertised_host": "127.0.0.1", "advertised_port": str(self.port)})]
        if isinstance(frame, f.Metadata):
            return [f.MetadataResponse(
                correlation_id=frame.correlation_id,
                brokers=(f.Broker(reference=0, host="127.0.0.1", port=self.port),),
                streams=tuple(f.StreamMetadata(stream=name, code=1, leader=0, replicas=())
                              for name in frame.streams))]
        if isinstance(frame, f.DeclarePublisher | f.DeletePublisher):
            key = Key.DECLARE_PUBLISHER if isinstance(frame, f.DeclarePublisher) else (
                Key.DELETE_PUBLISHER)
            return [f.Response(key=key, correlation_id=frame.correlation_id, code=1)]
        return broker_answers(frame)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        frames = FrameReader(None)
        while data := await reader.read(65536):
            frames.feed(data)
            for body in frames:
                frame = decode_frame(body)
                for answer in self.answers(frame):
                    writer.write(encode_frame(answer))
                if isinstance(frame, f.Open):
                    writer.write(UNSOLICITED)
                if isinstance(frame, f.Publish):
                    self.publishes_seen += 1
                    if self.publishes_seen == 1:
                        writer.write(self.bad)
                    else:
                        ids = tuple(entry.publishing_id for entry in frame.entries)
                        writer.write(encode_frame(f.PublishConfirm(
                            publisher_id=frame.publisher_id, publishing_ids=ids)))
                if isinstance(frame, f.Close):
                    writer.close()
                    return


@pytest.mark.parametrize("kind", sorted(BAD_FRAMES))
async def test_a_bad_frame_closes_the_connection_and_recovery_publishes_again(
    serve: Serve, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    broker = FakeBroker(BAD_FRAMES[kind])
    broker.port = await serve(broker.serve)
    closed: list[OnClosedErrorInfo] = []
    async with Producer("127.0.0.1", broker.port, on_close_handler=closed.append,
                        max_inbound_frame=1 << 20) as producer:
        status = await producer.send_wait("s", b"once", timeout=10)
    assert status.is_confirmed
    assert broker.publishes_seen == 2  # refused once with the bad frame, then confirmed
    assert closed and closed[0].streams == ["s"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(message.startswith("closing connection to 127.0.0.1") for message in warnings)
