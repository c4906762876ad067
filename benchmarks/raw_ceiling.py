"""The ceiling: how fast can Python go on this machine with no client library at all?

A bare asyncio client (our sans-IO `rstream_core.protocol` for the handshake frames and the
Publish encoder, nothing else of ours) that

* publish: writes pre-encoded Publish frames (batches of `--batch`) as fast as the socket takes
  them and reads confirms until every message is confirmed;
* consume: subscribes with generous credit and counts records from the chunk headers, without
  cutting the chunks into messages or decoding anything; with `--small-stream`, does the same
  again on the stream of small chunks (the ceiling of the "small chunks" rows);
* chunks: reads a stream the same way, untimed, and says how many records its chunks hold on
  average (bench_consume.py calls `chunk_stats` for its note under the table).

No client can beat these numbers in the same process model; they show how much of a client's
time is its own. Prints one JSON line per measurement (see common.Result).

    .venv/bin/python benchmarks/raw_ceiling.py publish --count 50000
    .venv/bin/python benchmarks/raw_ceiling.py consume --stream NAME --count 50000
    .venv/bin/python benchmarks/raw_ceiling.py chunks --stream NAME --count 50000
    .venv/bin/python benchmarks/raw_ceiling.py version    # the broker's version
"""

from __future__ import annotations

import asyncio
import dataclasses
import struct
from typing import Any

from common import SMALL_CHUNKS, Result, Stopwatch, body, parser, run_loop, stream_name

from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.constants import Code, Key, OffsetType
from rstream_core.protocol.frames import (
    Close,
    CreateStream,
    Credit,
    DeclarePublisher,
    DeleteStream,
    Frame,
    Heartbeat,
    Open,
    PeerProperties,
    SaslAuthenticate,
    SaslHandshake,
    Subscribe,
    Tune,
)
from rstream_core.protocol.publish import encode_publish
from rstream_core.protocol.reader import FrameReader

CLIENT = "raw asyncio socket"
_KEY = struct.Struct(">H")
_COUNT = struct.Struct(">I")
# PublishConfirm body: key u16, version u16, publisher id u8, then the id count (i32).
_CONFIRM_COUNT_AT = 5
# Deliver v1 body: key u16, version u16, subscription id u8, then the chunk, whose header has
# magic u8, type u8, entries u16, records u32.
_CHUNK_RECORDS_AT = 5 + 4
CONSUME_CREDIT = 1000
CONSUME_MODE = f"count records (credit {CONSUME_CREDIT})"
SMALL_CONSUME_MODE = f"count records{SMALL_CHUNKS} (credit {CONSUME_CREDIT})"
# The AMQP 1.0 data section of a body shorter than 256 bytes: described type 0x75, vbin8.
_AMQP_DATA_SECTION = b"\x00\x53\x75\xa0"


def amqp_data(payload: bytes) -> bytes:
    """The same bytes as AMQPMessage(body=payload) for payloads under 256 bytes."""
    return _AMQP_DATA_SECTION + bytes((len(payload),)) + payload


class RawClient(asyncio.Protocol):
    """Just enough of the protocol: handshake, requests, confirms and deliveries counted."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._next_id = 1
        loop = asyncio.get_running_loop()
        self._tune: asyncio.Future[Tune] = loop.create_future()
        self._lost: asyncio.Future[None] = loop.create_future()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self.confirmed = 0
        self.records = 0
        self.chunks = 0
        self.target = 0
        self.done: asyncio.Future[None] = loop.create_future()
        self._credit_frame = b""

    # ------------------------------------------------------------ asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._transport.set_write_buffer_limits(high=4 * 1024 * 1024)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        error = ConnectionError(f"connection lost: {exc}")
        for future in [*self._pending.values(), self._tune, self.done]:
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: nobody may be waiting any more
        if not self._lost.done():
            self._lost.set_result(None)

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        for frame in self._reader:
            key = _KEY.unpack_from(frame)[0]
            if key == Key.PUBLISH_CONFIRM:
                self.confirmed += _COUNT.unpack_from(frame, _CONFIRM_COUNT_AT)[0]
                self._check_done(self.confirmed)
            elif key == Key.DELIVER:
                self.records += _COUNT.unpack_from(frame, _CHUNK_RECORDS_AT)[0]
                self.chunks += 1
                self.write(self._credit_frame)
                self._check_done(self.records)
            else:
                self._dispatch(decode_frame(frame))

    def _check_done(self, count: int) -> None:
        if count >= self.target and not self.done.done():
            self.done.set_result(None)

    def _dispatch(self, frame: Frame) -> None:
        if isinstance(frame, Tune):
            self._tune.set_result(frame)
        elif isinstance(frame, Heartbeat):
            self.write(encode_frame(Heartbeat()))
        elif isinstance(frame, Close):
            raise ConnectionError(f"server closed the connection: {frame.reason}")
        elif hasattr(frame, "correlation_id"):
            future = self._pending.pop(frame.correlation_id, None)
            if future is not None:
                future.set_result(frame)
        # Anything else (MetadataUpdate after our own DeleteStream) needs no answer.

    # ------------------------------------------------------------ sending

    def write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    async def write_all(self, frames: list[bytes]) -> None:
        """Write every frame, waiting only while the socket buffer is full."""
        can_write = self._can_write
        write = self.write
        for frame in frames:
            if not can_write.is_set():
                await can_write.wait()
            write(frame)

    async def request(self, frame: Any) -> Any:
        correlation_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        frame = dataclasses.replace(frame, correlation_id=correlation_id)
        self.write(encode_frame(frame))
        response = await asyncio.wait_for(future, 10)
        code = getattr(response, "code", Code.OK)
        if code not in (Code.OK, Code.STREAM_ALREADY_EXISTS):
            raise ConnectionError(f"{type(frame).__name__} refused with code {code}")
        return response

    # ------------------------------------------------------------ protocol steps

    async def handshake(self, username: str, password: str) -> None:
        await self.request(PeerProperties(correlation_id=0, properties={"product": "raw"}))
        await self.request(SaslHandshake(correlation_id=0))
        plain = b"\0" + username.encode() + b"\0" + password.encode()
        await self.request(SaslAuthenticate(correlation_id=0, mechanism="PLAIN", data=plain))
        tune = await asyncio.wait_for(self._tune, 10)
        self.write(encode_frame(Tune(frame_max=tune.frame_max, heartbeat=tune.heartbeat,
                                     response=True)))
        await self.request(Open(correlation_id=0, virtual_host="/"))
        self._reader.max_frame_size = None  # Deliver frames carry whole chunks

    async def server_version(self) -> str:
        reply = await self.request(PeerProperties(correlation_id=0, properties={}))
        return str(reply.properties.get("version", "unknown"))

    async def close(self) -> None:
        try:
            await self.request(Close(correlation_id=0, code=Code.OK, reason="OK"))
        finally:
            await self.disconnect()

    async def disconnect(self) -> None:
        """Drop the socket without the Close exchange."""
        assert self._transport is not None
        self._transport.close()
        await self._lost

    def expect(self, target: int) -> None:
        self.target = target
        if target <= 0:
            self.done.set_result(None)

    def grant_credit_per_chunk(self, subscription_id: int) -> None:
        self._credit_frame = encode_frame(Credit(subscription_id=subscription_id, credit=1))


async def connect(host: str, port: int) -> RawClient:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(RawClient, host, port)
    await client.handshake("guest", "guest")
    return client


def publish_frames(count: int, batch: int, publisher_id: int) -> list[bytes]:
    """Every message as AMQP bytes, in Publish frames of `batch` messages."""
    frames = []
    for start in range(0, count, batch):
        ids = range(start + 1, min(start + batch, count) + 1)
        frames.append(encode_publish(publisher_id, ids, [amqp_data(body(i - 1)) for i in ids]))
    return frames


async def publish(host: str, port: int, count: int, batch: int) -> Result:
    mode = f"pre-encoded AMQP frames of {batch}"
    client = await connect(host, port)
    stream = stream_name("raw-pub")
    await client.request(CreateStream(correlation_id=0, stream=stream))
    try:
        await client.request(
            DeclarePublisher(correlation_id=0, publisher_id=0, reference="", stream=stream)
        )
        frames = publish_frames(count, batch, 0)
        client.expect(count)
        watch = Stopwatch()
        await client.write_all(frames)
        await client.done
        seconds, cpu = watch.stop()
    finally:
        await client.request(DeleteStream(correlation_id=0, stream=stream))
        await client.close()
    return Result(CLIENT, mode, seconds, count, f"AMQP send_batch({batch})", cpu_seconds=cpu)


async def read(host: str, port: int, count: int, stream: str) -> tuple[float, float, RawClient]:
    """Read `stream` from the first offset until `count` records arrived: the wall and CPU
    seconds from subscribing to the last of them, and the client with its counts."""
    client = await connect(host, port)
    try:
        client.expect(count)
        client.grant_credit_per_chunk(0)
        watch = Stopwatch()
        await client.request(
            Subscribe(correlation_id=0, subscription_id=0, stream=stream,
                      offset_type=OffsetType.FIRST, credit=CONSUME_CREDIT)
        )
        await client.done
        seconds, cpu = watch.stop()
    finally:
        await client.close()
    return seconds, cpu, client


async def consume(host: str, port: int, count: int, stream: str, small: bool = False) -> Result:
    """`small`: `stream` is the one of small chunks, compared with ours reading it."""
    seconds, cpu, _ = await read(host, port, count, stream)
    if small:
        return Result(CLIENT, SMALL_CONSUME_MODE, seconds, count,
                      f"AMQP (amqp_decoder){SMALL_CHUNKS}", cpu_seconds=cpu)
    return Result(CLIENT, CONSUME_MODE, seconds, count, "binary (no decoder)", cpu_seconds=cpu)


async def chunk_stats(host: str, port: int, count: int, stream: str) -> tuple[int, int]:
    """(records, chunks) of the first chunks of `stream` that hold `count` records."""
    _, _, client = await read(host, port, count, stream)
    return client.records, client.chunks


async def broker_version(host: str, port: int) -> str:
    """What the broker says it is (PeerProperties "version"), for the results header."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(RawClient, host, port)
    try:
        return await client.server_version()
    finally:
        await client.disconnect()


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("what", choices=["publish", "consume", "chunks", "version"])
    p.add_argument("--stream", help="the stream to read (consume, chunks)")
    p.add_argument("--small-stream", help="consume: also read this stream of small chunks")
    args = p.parse_args()
    if args.what == "version":
        print(run_loop(broker_version(args.host, args.port)))
        return
    if args.what == "publish":
        result = run_loop(publish(args.host, args.port, args.count, args.batch))
        print(result.to_json(), flush=True)
        return
    if not args.stream:
        p.error(f"{args.what} needs --stream")
    if args.what == "chunks":
        records, chunks = run_loop(chunk_stats(args.host, args.port, args.count, args.stream))
        print(f"{records} records in {chunks} chunks: {records / chunks:.1f} per chunk")
        return
    print(run_loop(consume(args.host, args.port, args.count, args.stream)).to_json(),
          flush=True)
    if args.small_stream:
        small = consume(args.host, args.port, args.count, args.small_stream, small=True)
        print(run_loop(small).to_json(), flush=True)


if __name__ == "__main__":
    main()
