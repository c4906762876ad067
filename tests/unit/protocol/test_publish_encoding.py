"""The hot-path Publish encoders agree with encode_frame and with the size constants."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_hex import wire

from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame
from rstream_core.protocol.publish import (
    ENTRY_OVERHEAD,
    ENTRY_V2_OVERHEAD,
    PUBLISH_HEADER_SIZE,
    SUB_ENTRY_OVERHEAD,
    SUB_ENTRY_RECORD_OVERHEAD,
    encode_publish,
    encode_publish_v2,
    encode_sub_entry_publish,
)
from rstream_core.protocol.sub_entry import sub_entry_payload

messages = st.lists(st.binary(max_size=30), max_size=10)
u64 = st.integers(0, (1 << 64) - 1)


def test_publish_vector() -> None:
    assert encode_publish(5, [1, 2], [b"abc", b""]) == wire(
        '00000024 0002 0001 05 00000002 0000000000000001 00000003"abc" 0000000000000002 00000000'
    )


def test_publish_v2_vector() -> None:
    assert encode_publish_v2(5, [1, 2], ["apple", None], [b"a", b"b"]) == wire(
        '0000002c 0002 0002 05 00000002 0000000000000001 0005"apple" 00000001"a"'
        ' 0000000000000002 ffff 00000001"b"'
    )


def test_sub_entry_vector() -> None:
    payload = sub_entry_payload([b"ab", b"c"])
    assert payload == wire('00000002"ab" 00000001"c"')
    assert encode_sub_entry_publish(5, 10, 0, 2, len(payload), payload) == wire(
        "00000027 0002 0001 05 00000001 000000000000000a 80 0002 0000000b 0000000b" + payload.hex()
    )


@settings(max_examples=50, deadline=None)
@given(publisher_id=st.integers(0, 255), data=st.data(), batch=messages)
def test_encode_publish_matches_encode_frame_and_sizes(
    publisher_id: int, data: st.DataObject, batch: list[bytes]
) -> None:
    ids = data.draw(st.lists(u64, min_size=len(batch), max_size=len(batch)))
    encoded = encode_publish(publisher_id, ids, batch)
    entries = tuple(
        f.PublishEntry(publishing_id=i, data=m) for i, m in zip(ids, batch, strict=True)
    )
    assert encoded == encode_frame(f.Publish(publisher_id=publisher_id, entries=entries))
    expected_size = PUBLISH_HEADER_SIZE + sum(ENTRY_OVERHEAD + len(m) for m in batch)
    assert len(encoded) - 4 == expected_size


@settings(max_examples=50, deadline=None)
@given(publisher_id=st.integers(0, 255), data=st.data(), batch=messages)
def test_encode_publish_v2_matches_encode_frame_and_sizes(
    publisher_id: int, data: st.DataObject, batch: list[bytes]
) -> None:
    n = len(batch)
    ids = data.draw(st.lists(u64, min_size=n, max_size=n))
    filters = data.draw(st.lists(st.none() | st.text(max_size=8), min_size=n, max_size=n))
    encoded = encode_publish_v2(publisher_id, ids, filters, batch)
    entries = tuple(
        f.FilteredEntry(publishing_id=i, filter_value=v, data=m)
        for i, v, m in zip(ids, filters, batch, strict=True)
    )
    assert encoded == encode_frame(f.PublishV2(publisher_id=publisher_id, entries=entries))
    filter_bytes = sum(len(v.encode()) for v in filters if v is not None)
    expected = PUBLISH_HEADER_SIZE + sum(ENTRY_V2_OVERHEAD + len(m) for m in batch) + filter_bytes
    assert len(encoded) - 4 == expected


@settings(max_examples=30, deadline=None)
@given(batch=messages, publishing_id=u64, compressed=st.booleans())
def test_sub_entry_publish_matches_encode_frame_and_sizes(
    batch: list[bytes], publishing_id: int, compressed: bool
) -> None:
    payload = sub_entry_payload(batch)
    assert len(payload) == sum(SUB_ENTRY_RECORD_OVERHEAD + len(m) for m in batch)
    data = gzip.compress(payload, mtime=0) if compressed else payload
    compression = 1 if compressed else 0
    encoded = encode_sub_entry_publish(
        7, publishing_id, compression, len(batch), len(payload), data
    )
    batch_entry = f.SubEntryBatch(
        publishing_id=publishing_id,
        compression=compression,
        record_count=len(batch),
        uncompressed_size=len(payload),
        data=data,
    )
    assert encoded == encode_frame(f.Publish(publisher_id=7, entries=(batch_entry,)))
    assert decode_frame(encoded[4:]) == f.Publish(publisher_id=7, entries=(batch_entry,))
    assert len(encoded) - 4 == PUBLISH_HEADER_SIZE + SUB_ENTRY_OVERHEAD + len(data)


def test_length_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="2 publishing ids for 1 messages"):
        encode_publish(1, [1, 2], [b"x"])
    with pytest.raises(ValueError, match="filter values"):
        encode_publish_v2(1, [1], [], [b"x"])


@pytest.mark.parametrize(
    ("publisher_id", "ids"), [(256, [1]), (-1, [1]), (1, [1 << 64]), (1, [-1])]
)
def test_out_of_range_ids_raise_value_error(publisher_id: int, ids: list[int]) -> None:
    with pytest.raises(ValueError):
        encode_publish(publisher_id, ids, [b"x"])
    with pytest.raises(ValueError):
        encode_publish_v2(publisher_id, ids, [None], [b"x"])


def test_bad_sub_entry_values_raise_value_error() -> None:
    with pytest.raises(ValueError, match="compression"):
        encode_sub_entry_publish(1, 1, 8, 1, 5, b"x")
    with pytest.raises(ValueError):
        encode_sub_entry_publish(1, 1, 0, 70_000, 5, b"x")


def test_filter_value_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="32767"):
        encode_publish_v2(1, [1], ["é" * 20000], [b"x"])
