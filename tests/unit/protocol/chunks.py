"""Building chunks as the server sends them, for tests (the client itself never builds one)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rstream_core.protocol.chunk import _HEADER, CHUNK_MAGIC
from rstream_core.protocol.constants import ChunkType, CompressionId
from rstream_core.protocol.sub_entry import SUB_ENTRY_FIELDS, sub_entry_payload, sub_entry_type

_U32 = struct.Struct(">I")



@dataclass(frozen=True, slots=True, kw_only=True)
class SubEntry:
    """A sub-entry batch inside a chunk; see `make_sub_entry`."""

    compression: int
    record_count: int
    uncompressed_size: int
    data: bytes


def make_sub_entry(
    messages: Sequence[bytes],
    compression: int = CompressionId.NONE,
    compress: Callable[[bytes], bytes] | None = None,
) -> SubEntry:
    """A batch of `messages`, its payload passed through `compress` when given."""
    payload = sub_entry_payload(messages)
    return SubEntry(
        compression=compression,
        record_count=len(messages),
        uncompressed_size=len(payload),
        data=payload if compress is None else compress(payload),
    )


def _encode_chunk_entry(entry: bytes | SubEntry) -> bytes:
    if isinstance(entry, SubEntry):
        head = SUB_ENTRY_FIELDS.pack(
            sub_entry_type(entry.compression),
            entry.record_count,
            entry.uncompressed_size,
            len(entry.data),
        )
        return head + entry.data
    return _U32.pack(len(entry)) + entry


def build_chunk(
    entries: Sequence[bytes | SubEntry],
    chunk_id: int = 0,
    timestamp: int = 0,
    epoch: int = 1,
    chunk_type: int = ChunkType.USER,
    trailer_length: int = 0,
    bloom_size: int = 0,
) -> bytes:
    """A chunk as the server sends it: header (counts and CRC computed) and data section."""
    data = b"".join([_encode_chunk_entry(entry) for entry in entries])
    records = sum(entry.record_count if isinstance(entry, SubEntry) else 1 for entry in entries)
    header = _HEADER.pack(
        CHUNK_MAGIC << 4,
        chunk_type,
        len(entries),
        records,
        timestamp,
        epoch,
        chunk_id,
        zlib.crc32(data),
        len(data),
        trailer_length,
        bloom_size,
    )
    return header + data


encode_chunk = build_chunk
