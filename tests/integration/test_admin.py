"""Stream and super stream administration against the real broker."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from rstream_core.arguments import StreamArguments, SuperStreamCreationOption
from rstream_core.client import Client
from rstream_core.errors import (
    OffsetNotFound,
    PreconditionFailed,
    StreamAlreadyExists,
    StreamDoesNotExist,
    UnsupportedFeatureError,
)
from rstream_core.protocol.constants import OffsetType


async def test_create_with_typed_arguments_then_exists_metadata_stats(
    client: Client, stream_name: str
) -> None:
    arguments = StreamArguments(
        max_length_bytes=10_000_000,
        max_age=timedelta(hours=1),
        max_segment_size_bytes=1_000_000,
        initial_cluster_size=1,
        leader_locator="balanced",
        filter_size_bytes=32,
    )
    await client.create_stream(stream_name, arguments)
    try:
        assert await client.stream_exists(stream_name)
        info = await client.stream_info(stream_name)
        assert info.leader is not None and info.leader.port == 5552
        assert info.replicas == ()
        stats = await client.stream_stats(stream_name)
        assert stats["first_chunk_id"] == -1 or stats["first_chunk_id"] == 0
        assert "committed_chunk_id" in stats
        # Same arguments again: "already exists"; different ones: precondition failed.
        with pytest.raises(StreamAlreadyExists):
            await client.create_stream(stream_name, arguments)
        await client.create_stream(stream_name, arguments, exists_ok=True)
        with pytest.raises(PreconditionFailed):
            await client.create_stream(stream_name, {"max-length-bytes": 5})
    finally:
        await client.delete_stream(stream_name)
    assert not await client.stream_exists(stream_name)


async def test_delete_missing_stream(client: Client) -> None:
    with pytest.raises(StreamDoesNotExist) as caught:
        await client.delete_stream("no-such-stream-here")
    assert "no-such-stream-here" in str(caught.value)
    await client.delete_stream("no-such-stream-here", missing_ok=True)


async def test_metadata_of_a_missing_stream(client: Client) -> None:
    info = (await client.metadata("no-such-stream-here"))["no-such-stream-here"]
    assert info.code == 2 and info.leader is None
    with pytest.raises(StreamDoesNotExist):
        await client.stream_info("no-such-stream-here")
    with pytest.raises(StreamDoesNotExist):
        await client.stream_stats("no-such-stream-here")


async def test_offsets_and_sequences_on_a_new_stream(client: Client, stream: str) -> None:
    with pytest.raises(OffsetNotFound):
        await client.query_offset(stream, "nobody")
    assert await client.query_offset_or_none(stream, "nobody") is None
    assert await client.query_publisher_sequence("nobody", stream) == 0
    client.store_offset(stream, "somebody", 0)
    for _ in range(50):
        if await client.query_offset_or_none(stream, "somebody") == 0:
            break
    assert await client.query_offset(stream, "somebody") == 0
    if client.connection.server_version >= (4, 3):
        assert await client.resolve_offset_spec(stream, OffsetType.FIRST) == 0


async def test_super_stream_lifecycle(client: Client) -> None:
    name = f"super-{uuid.uuid4().hex[:8]}"
    await client.create_super_stream(name, SuperStreamCreationOption(n_partitions=3))
    try:
        partitions = await client.partitions(name)
        assert partitions == [f"{name}-0", f"{name}-1", f"{name}-2"]
        assert await client.route("1", name) == [f"{name}-1"]
        assert await client.route("no-such-key", name) == []
        with pytest.raises(StreamAlreadyExists):
            await client.create_super_stream(name, SuperStreamCreationOption(n_partitions=3))
    finally:
        await client.delete_super_stream(name)
    with pytest.raises(StreamDoesNotExist):
        await client.partitions(name)
    with pytest.raises(StreamDoesNotExist):
        await client.route("1", name)


async def test_super_stream_with_binding_keys(client: Client) -> None:
    name = f"super-{uuid.uuid4().hex[:8]}"
    option = SuperStreamCreationOption(binding_keys=["eu", "us"])
    await client.create_super_stream(name, option)
    try:
        assert await client.partitions(name) == [f"{name}-eu", f"{name}-us"]
        assert await client.route("us", name) == [f"{name}-us"]
    finally:
        await client.delete_super_stream(name)


async def test_initial_offset_is_refused_before_rabbitmq_4_4(
    client: Client, stream_name: str
) -> None:
    """Older brokers ignore the argument (the stream would start at 0): refused before sending."""
    if client.connection.server_version >= (4, 4):
        await client.create_stream(stream_name, StreamArguments(initial_offset=1000))
        assert (await client.stream_stats(stream_name)).get("first_chunk_id", -1) in (-1, 1000)
        await client.delete_stream(stream_name)
        return
    with pytest.raises(UnsupportedFeatureError, match=r"4\.4 or newer"):
        await client.create_stream(stream_name, StreamArguments(initial_offset=1000))
    assert not await client.stream_exists(stream_name)  # nothing was sent
