"""Chunk parsing: header, simple entries, sub-entries (none and gzip), CRC, corrupt input."""

from __future__ import annotations

import contextlib
import gzip
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire_hex import wire

from rstream_core.errors import MissingDependencyError, ProtocolError
from rstream_core.protocol.chunk import (
    CHUNK_HEADER_SIZE,
    ChunkHeader,
    DecompressionLimits,
    iter_records,
    parse_chunk_header,
)
from rstream_core.protocol.constants import ChunkType, CompressionId
from tests.unit.protocol.chunks import SubEntry, build_chunk, make_sub_entry

LIVE_HEADER = wire(
    "50 00 0002 00000002 000001a218619f59 0000000000000001 0000000000000000"
    " c9d9d783 0000001c 0000000e 00 000000"
)


def gzip_only(code: int, data: bytes, size: int) -> bytes:
    assert code == CompressionId.GZIP
    return gzip.decompress(data)


def no_decompression(code: int, data: bytes, size: int) -> bytes:
    raise AssertionError("decompress must not be called")


def gzip_entry(messages: list[bytes]) -> SubEntry:
    return make_sub_entry(messages, CompressionId.GZIP, lambda data: gzip.compress(data, mtime=0))


def test_live_header() -> None:
    assert parse_chunk_header(LIVE_HEADER) == ChunkHeader(
        magic_version=0x50,
        chunk_type=0,
        num_entries=2,
        num_records=2,
        timestamp=0x1A218619F59,
        epoch=1,
        chunk_id=0,
        crc=0xC9D9D783,
        data_length=28,
        trailer_length=14,
        bloom_size=0,
    )


def test_build_chunk_writes_the_header_fields() -> None:
    chunk = build_chunk([b"a", b"bc"], chunk_id=7, timestamp=123, epoch=2, trailer_length=14)
    header = parse_chunk_header(chunk)
    assert (header.num_entries, header.num_records, header.chunk_id) == (2, 2, 7)
    assert (header.timestamp, header.epoch, header.trailer_length) == (123, 2, 14)
    assert header.data_length == len(chunk) - CHUNK_HEADER_SIZE == 4 + 1 + 4 + 2
    assert header.crc == zlib.crc32(chunk[CHUNK_HEADER_SIZE:])


def test_simple_entries() -> None:
    chunk = build_chunk([b"one", b"", b"three"], chunk_id=5)
    header, records = iter_records(chunk, no_decompression, verify_crc=True)
    assert header.chunk_id == 5
    assert records == [b"one", b"", b"three"]


def test_uncompressed_sub_entry_is_handled_inline() -> None:
    chunk = build_chunk([b"a", make_sub_entry([b"b", b"c", b"d"]), b"e"])
    header, records = iter_records(chunk, no_decompression, verify_crc=True)
    assert (header.num_entries, header.num_records) == (3, 5)
    assert records == [b"a", b"b", b"c", b"d", b"e"]


def test_gzip_sub_entry_goes_through_the_callback() -> None:
    # LIVE: a gzip sub-entry of 3 messages at chunk 5 gave offsets 5, 6, 7.
    calls: list[tuple[int, int]] = []

    def decompress(code: int, data: bytes, size: int) -> bytes:
        calls.append((code, size))
        return gzip.decompress(data)

    chunk = build_chunk([gzip_entry([b"m5", b"m6", b"m7"])], chunk_id=5)
    header, records = iter_records(chunk, decompress)
    offsets = {header.chunk_id + i: record for i, record in enumerate(records)}
    assert offsets == {5: b"m5", 6: b"m6", 7: b"m7"}
    assert calls == [(CompressionId.GZIP, 3 * (4 + 2))]


def test_bytes_after_the_data_section_are_ignored() -> None:
    # Trailer and bloom bytes are announced but not sent; anything after DataLength is ignored.
    chunk = build_chunk([b"x"], trailer_length=14, bloom_size=32)
    assert iter_records(chunk + b"\xff" * 9, no_decompression, True)[1] == [b"x"]


def test_tracking_chunks_hold_no_messages() -> None:
    chunk = build_chunk([b"\x01\x0amyconsumer" + bytes(8)], chunk_type=ChunkType.TRACKING_DELTA)
    header, records = iter_records(chunk, no_decompression)
    assert header.chunk_type == ChunkType.TRACKING_DELTA
    assert records == []


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(
        st.tuples(
            st.sampled_from(["simple", "none", "gzip"]),
            st.lists(st.binary(max_size=20), min_size=1, max_size=4),
        ),
        max_size=6,
    ),
    chunk_id=st.integers(0, 1 << 40),
)
def test_records_come_out_flat_and_in_order(
    groups: list[tuple[str, list[bytes]]], chunk_id: int
) -> None:
    entries: list[bytes | SubEntry] = []
    for kind, messages in groups:
        if kind == "simple":
            entries += messages
        elif kind == "none":
            entries.append(make_sub_entry(messages))
        else:
            entries.append(gzip_entry(messages))
    chunk = build_chunk(entries, chunk_id=chunk_id)
    header, records = iter_records(chunk, gzip_only, verify_crc=True)
    assert records == [m for _, messages in groups for m in messages]
    assert header.chunk_id == chunk_id


# ---- corrupt chunks ---------------------------------------------------------------------


def _patch(chunk: bytes, offset: int, fmt: str, value: int) -> bytes:
    patched = bytearray(chunk)
    struct.pack_into(fmt, patched, offset, value)
    return bytes(patched)


def test_crc_mismatch() -> None:
    chunk = bytearray(build_chunk([b"hello"]))
    chunk[-1] ^= 1
    with pytest.raises(ProtocolError, match="CRC-32"):
        iter_records(bytes(chunk), no_decompression, verify_crc=True)
    # Without verification the (corrupt) message comes out as it is.
    assert iter_records(bytes(chunk), no_decompression)[1] == [b"helln"]


@pytest.mark.parametrize("size", [0, 10, 47])
def test_short_input(size: int) -> None:
    with pytest.raises(ProtocolError, match="shorter than its 48-byte header"):
        parse_chunk_header(build_chunk([b"x"])[:size])


@pytest.mark.parametrize("first_byte", [0x00, 0x40, 0x60, 0xFF])
def test_bad_magic(first_byte: int) -> None:
    chunk = _patch(build_chunk([b"x"]), 0, ">B", first_byte)
    with pytest.raises(ProtocolError, match="magic"):
        iter_records(chunk, no_decompression)


def test_data_length_beyond_the_buffer() -> None:
    chunk = build_chunk([b"abc"])
    with pytest.raises(ProtocolError, match="announces 7 data bytes, 6 were received"):
        iter_records(chunk[:-1], no_decompression)


def test_entry_overruns_the_data_section() -> None:
    chunk = _patch(build_chunk([b"abc"]), CHUNK_HEADER_SIZE, ">I", 4)
    with pytest.raises(ProtocolError, match="overruns"):
        iter_records(chunk, no_decompression)


@pytest.mark.parametrize("padding", [b"", b"\x00" * 8], ids=["at_end", "before_trailer"])
def test_entry_header_cut_short(padding: bytes) -> None:
    chunk = build_chunk([b"abc"]) + b"\x00\x00" + padding
    chunk = _patch(chunk, 36, ">I", 7 + 2)  # data length now ends inside a size field
    with pytest.raises(ProtocolError, match=r"cut short|overruns"):
        iter_records(chunk, no_decompression)


def test_record_count_mismatch() -> None:
    chunk = _patch(build_chunk([b"a", b"b"]), 4, ">I", 3)
    with pytest.raises(ProtocolError, match="announces 2 entries and 3 records, holds 2 and 2"):
        iter_records(chunk, no_decompression)


def test_entry_count_mismatch() -> None:
    chunk = _patch(build_chunk([b"a", b"b"]), 2, ">H", 1)
    with pytest.raises(ProtocolError, match="entries"):
        iter_records(chunk, no_decompression)


def _sub_entry_chunk(entry: SubEntry) -> bytes:
    return build_chunk([entry])


SUB_ENTRY_AT = CHUNK_HEADER_SIZE  # type:u8 records:u16 uncompressed:u32 length:u32


def test_sub_entry_record_count_too_large_for_its_size() -> None:
    entry = make_sub_entry([b"a", b"b"])
    chunk = _patch(_sub_entry_chunk(entry), SUB_ENTRY_AT + 1, ">H", 4)  # 4 * 4 > 10 bytes
    with pytest.raises(ProtocolError, match="4 records cannot fit in 10 bytes"):
        iter_records(chunk, no_decompression)


def test_sub_entry_length_overruns_the_chunk() -> None:
    chunk = _patch(_sub_entry_chunk(make_sub_entry([b"a"])), SUB_ENTRY_AT + 7, ">I", 99)
    with pytest.raises(ProtocolError, match="overruns"):
        iter_records(chunk, no_decompression)


def test_uncompressed_sub_entry_with_wrong_uncompressed_size() -> None:
    chunk = _patch(_sub_entry_chunk(make_sub_entry([b"a"])), SUB_ENTRY_AT + 3, ">I", 6)
    with pytest.raises(ProtocolError, match="announces 6"):
        iter_records(chunk, no_decompression)


def test_decompressed_size_must_match() -> None:
    entry = gzip_entry([b"abc"])
    chunk = _patch(_sub_entry_chunk(entry), SUB_ENTRY_AT + 3, ">I", 8)
    with pytest.raises(ProtocolError, match="decompressed to 7 bytes, announced 8"):
        iter_records(chunk, gzip_only)


def test_records_must_fill_the_sub_entry_exactly() -> None:
    payload = b"\x00\x00\x00\x01a" + b"junk"
    entry = SubEntry(compression=0, record_count=1, uncompressed_size=9, data=payload)
    with pytest.raises(ProtocolError, match="4 bytes left over"):
        iter_records(build_chunk([entry]), no_decompression)


def test_sub_entry_record_overruns_its_batch() -> None:
    payload = b"\x00\x00\x00\x09a"
    entry = SubEntry(compression=0, record_count=1, uncompressed_size=5, data=payload)
    with pytest.raises(ProtocolError, match="overrun their batch by 8 bytes"):
        iter_records(build_chunk([entry]), no_decompression)


def test_codec_failure_becomes_protocol_error() -> None:
    entry = SubEntry(compression=1, record_count=1, uncompressed_size=5, data=b"not gzip")
    with pytest.raises(ProtocolError, match="cannot decompress"):
        iter_records(build_chunk([entry]), gzip_only)


def test_missing_dependency_passes_through() -> None:
    def missing(code: int, data: bytes, size: int) -> bytes:
        raise MissingDependencyError("zstd compression", "zstandard", "zstd")

    entry = SubEntry(compression=4, record_count=1, uncompressed_size=5, data=b"x")
    with pytest.raises(MissingDependencyError):
        iter_records(build_chunk([entry]), missing)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_corrupted_chunks_raise_only_protocol_error(data: st.DataObject) -> None:
    chunk = bytearray(build_chunk([b"abc", make_sub_entry([b"d", b"ef"]), gzip_entry([b"g"])]))
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(chunk) - 1))
        chunk[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(chunk)))
    verify_crc = data.draw(st.booleans())
    with contextlib.suppress(ProtocolError):
        iter_records(bytes(chunk[:cut]), gzip_only_lenient, verify_crc=verify_crc)


def gzip_only_lenient(code: int, data: bytes, size: int) -> bytes:
    """A codec that, like a real one, raises its own errors on bad input."""
    if code != CompressionId.GZIP:
        raise ValueError(f"no codec {code}")
    return gzip.decompress(data)


# ------------------------------------------------------------- decompression limits


def test_a_batch_announcing_more_than_the_limit_is_refused_before_decompressing() -> None:
    # 4 GiB - 1 announced by 20 compressed bytes: the decompressor would allocate all of it.
    entry = SubEntry(compression=CompressionId.SNAPPY, record_count=1,
                     uncompressed_size=0xFFFFFFFF, data=b"\x00" * 20)
    with pytest.raises(ProtocolError, match="announces 4294967295 bytes, above the limit of "
                       r"67108864 bytes per batch"):
        iter_records(build_chunk([entry]), no_decompression)


def test_the_compressed_batches_of_a_chunk_share_one_limit() -> None:
    entries = [gzip_entry([b"x" * 96]) for _ in range(3)]  # 100 bytes each once decompressed
    chunk = build_chunk(entries)
    assert len(iter_records(chunk, gzip_only, limits=DecompressionLimits(100, 300))[1]) == 3
    calls: list[int] = []

    def counting(code: int, data: bytes, size: int) -> bytes:
        calls.append(size)
        return gzip_only(code, data, size)

    with pytest.raises(ProtocolError, match="more than the limit of 299 bytes per chunk"):
        iter_records(chunk, counting, limits=DecompressionLimits(100, 299))
    assert calls == [100, 100]  # the third batch was refused before it was decompressed
    with pytest.raises(ProtocolError, match="above the limit of 99 bytes per batch"):
        iter_records(chunk, no_decompression, limits=DecompressionLimits(99, 1000))


def test_uncompressed_batches_are_not_counted() -> None:
    # Their bytes are in the chunk already: nothing is allocated for them.
    chunk = build_chunk([make_sub_entry([b"x" * 96]) for _ in range(3)])
    assert len(iter_records(chunk, no_decompression, limits=DecompressionLimits(1, 1))[1]) == 3
