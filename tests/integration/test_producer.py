"""Producer against the real broker: every publish mode, confirms, limits, dedup, filtering."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest

from rstream import (
    AMQPMessage,
    CompressionType,
    ConfirmationStatus,
    Consumer,
    FilterConfiguration,
    ICompressionCodec,
    MessageTooLargeError,
    Producer,
    RawMessage,
    amqp_decoder,
)
from rstream_core.errors import RStreamError
from rstream_core.plugins import PluginRegistry

from .conftest import HOST, PORT, wait_for
from .helpers import read_stream
from .proxy import Proxy


async def test_send_confirms_every_message_once(stream: str) -> None:
    statuses: list[ConfirmationStatus] = []
    async with Producer(HOST, PORT) as producer:
        for i in range(1000):
            await producer.send(stream, f"m{i}".encode(), on_publish_confirm=statuses.append)
        await wait_for(lambda: len(statuses) == 1000)
    assert sorted(s.message_id for s in statuses) == list(range(1, 1001))
    assert all(s.is_confirmed and s.response_code == 1 for s in statuses)
    stored = await read_stream(stream, 1000)
    assert [m for _, m in stored] == [f"m{i}".encode() for i in range(1000)]
    assert [o for o, _ in stored] == list(range(1000))


async def test_async_confirm_callback(stream: str) -> None:
    confirmed: list[int] = []

    async def on_confirm(status: ConfirmationStatus) -> None:
        await asyncio.sleep(0)
        confirmed.append(status.message_id)

    async with Producer(HOST, PORT) as producer:
        ids = await producer.send_batch(stream, [b"a", b"b", b"c"], on_publish_confirm=on_confirm)
        await wait_for(lambda: len(confirmed) == 3)
    assert sorted(confirmed) == ids


async def test_send_batch_send_wait_and_order_across_modes(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send(stream, b"1")
        await producer.send_batch(stream, [b"2", b"3"])
        status = await producer.send_wait(stream, b"4")
        assert status.is_confirmed
        await producer.send(stream, AMQPMessage(body=b"5"))
        await producer.send_batch(stream, [RawMessage(b"6")])
        await producer.send_wait(stream, b"7")
    stored = await read_stream(stream, 7)
    bodies = [m for _, m in stored]
    assert bodies[:4] == [b"1", b"2", b"3", b"4"]
    assert amqp_decoder(bodies[4]).body == b"5"
    assert bodies[5:] == [b"6", b"7"]


async def test_amqp_codec_wraps_bytes_bodies(stream: str) -> None:
    async with Producer(HOST, PORT, codec="amqp") as producer:
        await producer.send_wait(stream, b"plain bytes")
        await producer.send_batch(stream, [AMQPMessage(body=b"typed")])
        await producer.send_sub_entry(stream, [b"in a batch"], CompressionType.Gzip)
    stored = await read_stream(stream, 3, decoder="amqp")
    assert [m.body for _, m in stored] == [b"plain bytes", b"typed", b"in a batch"]


@pytest.mark.parametrize("compression", list(CompressionType))
async def test_sub_entry_batches_with_every_compression(
    stream: str, compression: CompressionType
) -> None:
    confirmed: list[ConfirmationStatus] = []
    messages = [AMQPMessage(body=f"sub-{i}".encode()) for i in range(50)]
    async with Producer(HOST, PORT) as producer:
        await producer.send(stream, b"before")
        await producer.send_sub_entry(
            stream, messages, compression_type=compression, on_publish_confirm=confirmed.append
        )
        await producer.send(stream, b"after")
        await producer.send_sub_entry(stream, messages[:3], compression_type=compression.name)
        await wait_for(lambda: len(confirmed) == 1)
    stored = await read_stream(stream, 55)
    assert [o for o, _ in stored] == list(range(55))
    assert stored[0][1] == b"before"
    assert [amqp_decoder(m).body for _, m in stored[1:51]] == [m.body for m in messages]
    assert stored[51][1] == b"after"


async def test_backpressure_bounds_unconfirmed(stream: str) -> None:
    peak = 0
    async with Producer(HOST, PORT, max_unconfirmed=10) as producer:
        for i in range(500):
            await producer.send(stream, b"x%d" % i)
            peak = max(peak, producer.unconfirmed_count(stream))
        assert peak <= 10
    assert len(await read_stream(stream, 500)) == 500


async def test_oversized_message_is_refused_before_sending(stream: str) -> None:
    async with Producer(HOST, PORT, frame_max=8192) as producer:
        await producer.send_wait(stream, b"small")
        with pytest.raises(MessageTooLargeError):
            await producer.send(stream, b"x" * 9000)
        with pytest.raises(MessageTooLargeError):
            await producer.send_batch(stream, [b"x" * 9000])
        # A batch larger than a frame is split, never refused.
        await producer.send_batch(stream, [b"y" * 1000 for _ in range(50)])
    stored = await read_stream(stream, 51)
    assert len(stored) == 51
    assert all(m != b"x" * 9000 for _, m in stored)


async def test_deduplication_across_two_producer_instances(stream: str) -> None:
    async with Producer(HOST, PORT) as first:
        await first.send_batch(stream, [b"a", b"b", b"c"], publisher_name="dedup")
        await first.send_wait(stream, b"d", publisher_name="dedup")
        assert await first.get_last_publishing_id(stream, "dedup") == 4
    async with Producer(HOST, PORT) as second:
        # Continues after the stored sequence: new messages are kept...
        await second.send_wait(stream, b"e", publisher_name="dedup")
        # ...and a message re-sent with an old id is dropped by the broker (but confirmed).
        await second.send_wait(stream, RawMessage(b"dup", publishing_id=2), publisher_name="dedup")
        await second.send_wait(stream, AMQPMessage(body=b"f", publishing_id=10),
                               publisher_name="dedup")
        assert await second.get_last_publishing_id(stream, "dedup") == 10
    stored = await read_stream(stream, 7, timeout=3)
    assert [m for _, m in stored][:5] == [b"a", b"b", b"c", b"d", b"e"]
    assert len(stored) == 6


async def test_filter_values_reach_a_filtering_consumer(stream: str) -> None:
    def region(message: Any) -> str:
        return amqp_decoder(bytes(message)).application_properties["region"]

    async with Producer(HOST, PORT, filter_value_extractor=region) as producer:
        for name in ("eu", "us"):
            batch = [
                AMQPMessage(body=f"{name}{i}".encode(), application_properties={"region": name})
                for i in range(100)
            ]
            await producer.send_batch(stream, batch)
            await asyncio.sleep(0.3)  # separate chunks for the two regions
    only_eu = FilterConfiguration(
        ["eu"], predicate=lambda m: m.application_properties["region"] == "eu"
    )
    stored = await read_stream(stream, 100, decoder=amqp_decoder, filter_input=only_eu, timeout=5)
    assert len(stored) == 100
    assert all(m.application_properties["region"] == "eu" for _, m in stored)


async def test_filtering_refused_message_too_large_and_closed(stream: str) -> None:
    producer = Producer(HOST, PORT)
    await producer.start()
    await producer.close()
    await producer.close()  # idempotent
    with pytest.raises((RStreamError, RuntimeError)):
        await producer.send(stream, b"after close")


async def test_send_wait_to_a_missing_stream_fails(stream_name: str) -> None:
    async with Producer(HOST, PORT) as producer:
        with pytest.raises(RStreamError):
            await producer.send_wait(stream_name, b"nowhere")


class InvalidCompression:
    """Wire id 7: RabbitMQ 4.3.5+ refuses sub-entries with a compression id above 4."""

    name = "invalid-id-7"
    code = 7

    def compress(self, data: bytes) -> bytes:
        return data

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        return data


async def test_refused_message_reports_the_broker_code(
    stream: str, registry: PluginRegistry
) -> None:
    registry.add_compression("invalid-id-7", 7, InvalidCompression)
    statuses: list[ConfirmationStatus] = []
    async with Producer(HOST, PORT) as producer:
        await producer.send_sub_entry(
            stream, [b"x"], "invalid-id-7", on_publish_confirm=statuses.append
        )
        await producer.send(stream, b"fine", on_publish_confirm=statuses.append)
        await wait_for(lambda: len(statuses) == 2)
        server = (await producer._admin()).connection.server_version
    refused, fine = sorted(statuses, key=lambda s: s.message_id)
    if server >= (4, 3, 5):
        assert (refused.is_confirmed, refused.response_code) == (False, 17)
    else:  # older brokers store sub-entries without looking at them (docs/protocol.md 2.1)
        assert refused.is_confirmed
    assert fine.is_confirmed


async def test_confirm_timeout_is_reported_once(stream: str) -> None:
    proxy = Proxy(HOST, PORT)
    port = await proxy.start()
    statuses: list[ConfirmationStatus] = []
    try:
        async with Producer(HOST, port, confirm_timeout=0.5, load_balancer_mode=True) as producer:
            await producer.send_wait(stream, b"before")
            proxy.freeze()  # the broker's confirms stop arriving
            await producer.send(stream, b"stalled", on_publish_confirm=statuses.append)
            await wait_for(lambda: len(statuses) == 1, timeout=5)
            proxy.thaw()
            await asyncio.sleep(0.5)  # the late confirm must not call back again
    finally:
        await proxy.close()
    (status,) = statuses
    assert status.timed_out and not status.is_confirmed
    assert status.response_code == 10004


class SeedStyleGzip(ICompressionCodec):
    """A compression written against the seed's ICompressionCodec (here: gzip, wire id 1)."""

    def __init__(self) -> None:
        self._data = b""
        self._uncompressed = 0
        self._count = 0

    def compress(self, messages: list[Any]) -> None:
        framed = b"".join(len(bytes(m)).to_bytes(4, "big") + bytes(m) for m in messages)
        self._data = gzip.compress(framed)
        self._uncompressed = len(framed)
        self._count = len(messages)

    def uncompress(self, compressed_data: bytes, uncompressed_data_size: int) -> bytes:
        return gzip.decompress(compressed_data)

    def compressed_size(self) -> int:
        return len(self._data)

    def uncompressed_size(self) -> int:
        return self._uncompressed

    def messages_count(self) -> int:
        return self._count

    def compression_type(self) -> int:
        return CompressionType.Gzip

    def data(self) -> bytes:
        return self._data


async def test_seed_style_compression_codec_still_works(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_sub_entry(stream, [b"one", b"two"], compression_type=SeedStyleGzip())
    assert [m for _, m in await read_stream(stream, 2)] == [b"one", b"two"]


async def test_slow_async_confirm_callbacks_hold_the_sender_back(stream: str) -> None:
    running = 0
    peak = 0

    async def slow(status: ConfirmationStatus) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    async with Producer(HOST, PORT, max_unconfirmed=20) as producer:
        for i in range(200):
            await producer.send(stream, b"%d" % i, on_publish_confirm=slow)
        await producer.flush()
    assert running == 0
    assert peak <= 20  # async callbacks count against max_unconfirmed


async def test_connections_are_shared_up_to_the_limit(client: Any) -> None:
    streams = [f"shared-{i}-{id(client)}" for i in range(5)]
    for name in streams:
        await client.create_stream(name)
    try:
        async with Producer(HOST, PORT, max_per_connection=2) as producer, Consumer(
            HOST, PORT, max_per_connection=3
        ) as consumer:
            for name in streams:
                await producer.send_wait(name, b"x")
                await consumer.subscribe(name, lambda m, c: None)
            assert len(producer._pool._clients) == 3  # 2 + 2 + 1 publishers
            assert len(consumer._pool._clients) == 2  # 3 + 2 subscriptions
    finally:
        for name in streams:
            await client.delete_stream(name)


async def test_reconnect_stream_on_a_healthy_publisher_changes_nothing(stream: str) -> None:
    async with Producer(HOST, PORT) as producer:
        await producer.send_wait(stream, b"one")
        await producer.reconnect_stream(stream)
        await producer.send_wait(stream, b"two")
        (pooled,) = producer._pool._clients
        assert len(pooled.publisher_ids) == 1


async def test_codec_objects_work_like_their_names(stream: str) -> None:
    from rstream_plugins.codec_amqp import AmqpCodec

    async with Producer(HOST, PORT, codec=AmqpCodec()) as producer:
        await producer.send_wait(stream, b"wrapped by the codec object")
    stored = await read_stream(stream, 1, decoder=AmqpCodec())
    assert stored[0][1].body == b"wrapped by the codec object"
