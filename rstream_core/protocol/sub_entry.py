"""Sub-entry batches, in one place: how a batch of messages travels under one publishing id,
compressed or not, in Publish frames and in chunks (docs/protocol.md 4.4).

A batch starts with a type byte (top bit set: it is not a simple entry, whose u32 size has the
top bit clear; then 3 bits of compression id; the low 4 bits reserved), then the record count
(u16), the uncompressed size (u32) and the length of what follows (u32). Uncompressed, the
body is `{size:u32, message}` for each record. In a Publish frame the publishing id (u64)
comes first; in a chunk nothing comes first.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from rstream_core.errors import ProtocolError

__all__ = [
    "SUB_ENTRY_FIELDS",
    "SUB_ENTRY_FLAG",
    "SUB_ENTRY_HEADER",
    "compression_of",
    "encode_sub_entry",
    "split_records",
    "sub_entry_payload",
    "sub_entry_type",
]

SUB_ENTRY_FLAG = 0x80  # the top bit of the type byte
SUB_ENTRY_FIELDS = struct.Struct(">BHII")  # type, records, uncompressed size, length
SUB_ENTRY_HEADER = struct.Struct(">QBHII")  # publishing id, then the same fields
_SIZE = struct.Struct(">I")


def sub_entry_type(compression: int) -> int:
    """The type byte of a batch: top bit set, then 3 bits of compression id."""
    if not 0 <= compression <= 7:
        raise ValueError(f"compression must be in 0..7, got {compression}")
    return SUB_ENTRY_FLAG | compression << 4


def compression_of(entry_type: int) -> int:
    """The compression id of a batch's type byte."""
    return (entry_type >> 4) & 0x07


def encode_sub_entry(
    publishing_id: int,
    compression: int,
    record_count: int,
    uncompressed_size: int,
    data: bytes,
) -> bytes:
    """One sub-entry batch as it appears in a Publish frame (with its publishing id)."""
    try:
        head = SUB_ENTRY_HEADER.pack(
            publishing_id, sub_entry_type(compression), record_count, uncompressed_size, len(data)
        )
    except struct.error as exc:
        raise ValueError(f"invalid sub-entry batch: {exc}") from exc
    return head + data


def sub_entry_payload(messages: Sequence[bytes]) -> bytes:
    """The uncompressed body of a sub-entry batch: {size:u32, message} for each message."""
    parts: list[bytes] = [b""] * (2 * len(messages))
    try:
        parts[0::2] = map(_SIZE.pack, map(len, messages))
    except struct.error as exc:
        raise ValueError(f"a message is too large: {exc}") from exc
    parts[1::2] = messages
    return b"".join(parts)


def split_records(buffer: bytes, pos: int, end: int, count: int, records: list[bytes]) -> None:
    """Append the `count` {size:u32, message} records that must fill buffer[pos:end]
    exactly (the body of a batch); raises ProtocolError otherwise."""
    unpack = _SIZE.unpack_from
    append = records.append
    try:
        for _ in range(count):
            start = pos + 4
            pos = start + unpack(buffer, pos)[0]
            append(buffer[start:pos])
    except struct.error as exc:
        raise ProtocolError("a sub-entry record header is cut short") from exc
    # One check after the loop: any overrun leaves pos beyond end.
    if pos > end:
        raise ProtocolError(f"sub-entry records overrun their batch by {pos - end} bytes")
    if pos < end:
        raise ProtocolError(f"{end - pos} bytes left over after {count} sub-entry records")
