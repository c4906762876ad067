"""FrameReader: any split of a byte stream gives back exactly its frames."""

from __future__ import annotations

import itertools

import pytest
from frame_strategies import any_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from rstream_core.errors import ProtocolError
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.constants import PRE_OPEN_FRAME_MAX
from rstream_core.protocol.reader import FrameReader

HEARTBEAT = encode_frame(f.Heartbeat())


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


@settings(max_examples=150, deadline=None)
@given(
    frames=st.lists(any_frame, max_size=8),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_random_splits_yield_exactly_the_frames(frames: list[f.Frame], cuts: list[int]) -> None:
    stream = b"".join(encode_frame(frame) for frame in frames)
    reader = FrameReader(max_frame_size=None)
    decoded = []
    for piece in _split(stream, cuts):
        reader.feed(piece)
        decoded += [decode_frame(body) for body in reader]
    assert decoded == frames
    assert reader.buffered == 0


def test_bodies_have_the_size_prefix_removed() -> None:
    reader = FrameReader()
    reader.feed(HEARTBEAT * 3 + HEARTBEAT[:5])
    assert [bytes(body) for body in reader] == [HEARTBEAT[4:]] * 3
    assert reader.buffered == 5
    reader.feed(HEARTBEAT[5:])
    assert [bytes(body) for body in reader] == [HEARTBEAT[4:]]
    assert list(reader) == []


def test_one_byte_at_a_time() -> None:
    frame = encode_frame(f.Metadata(correlation_id=1, streams=("a", "b")))
    reader = FrameReader()
    bodies = []
    for byte in frame * 2:
        reader.feed(bytes([byte]))
        bodies += [bytes(body) for body in reader]
    assert bodies == [frame[4:]] * 2


def test_size_above_the_limit_is_refused_before_the_body_arrives() -> None:
    reader = FrameReader(max_frame_size=100)
    reader.feed((101).to_bytes(4, "big"))
    with pytest.raises(ProtocolError, match="101 bytes is above the limit of 100"):
        list(reader)


def test_default_limit_is_the_pre_open_ceiling() -> None:
    reader = FrameReader()
    assert reader.max_frame_size == PRE_OPEN_FRAME_MAX == 8192
    reader.feed((8192).to_bytes(4, "big") + b"\x00\x17\x00\x01" + bytes(8188))
    assert [len(body) for body in reader] == [8192]
    reader.feed((8193).to_bytes(4, "big"))
    with pytest.raises(ProtocolError):
        list(reader)


def test_limit_can_be_lifted_after_open() -> None:
    reader = FrameReader()
    reader.max_frame_size = None
    big = f.Deliver(subscription_id=1, chunk=bytes(100_000))
    reader.feed(encode_frame(big))
    assert [decode_frame(body) for body in reader] == [big]


@pytest.mark.parametrize("size", [0, 1, 3])
def test_size_without_room_for_key_and_version_is_refused(size: int) -> None:
    reader = FrameReader()
    reader.feed(size.to_bytes(4, "big"))
    with pytest.raises(ProtocolError, match="no room for key and version"):
        list(reader)


def test_a_frame_spread_over_many_reads_arrives_whole() -> None:
    chunk = bytes(range(256)) * 4000  # ~1 MB
    frame = encode_frame(f.Deliver(subscription_id=3, committed_chunk_id=7, chunk=chunk))
    reader = FrameReader(max_frame_size=None)
    bodies = []
    for start in range(0, len(frame), 1000):
        reader.feed(frame[start : start + 1000])
        bodies += list(reader)
    assert len(bodies) == 1
    assert decode_frame(bodies[0]) == f.Deliver(
        subscription_id=3, committed_chunk_id=7, chunk=chunk
    )


def test_empty_feed_is_harmless() -> None:
    reader = FrameReader()
    reader.feed(b"")
    assert list(reader) == []
    assert reader.buffered == 0
