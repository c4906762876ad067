"""Chunks, the unit of Deliver frames: header, entries, sub-entry batches, CRC.

Layout (docs/protocol.md section 4): a 48-byte header, then DataLength bytes of entries. Bloom
filter and trailer bytes are announced in the header but never sent, so only the DataLength
bytes after the header count. An entry is either simple (`size:u32` with the top bit clear,
then the message) or a sub-entry batch (`0x80 | compression << 4`, records:u16,
uncompressed:u32, length:u32, body) whose body, once decompressed, is `records` times
`{size:u32, message}`. Record i of the chunk has offset `chunk_id + i`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from rstream_core.errors import ProtocolError, RStreamError
from rstream_core.protocol.constants import ChunkType, CompressionId
from rstream_core.protocol.speedups import EXTENSION
from rstream_core.protocol.sub_entry import SUB_ENTRY_FIELDS, compression_of, split_records

CHUNK_HEADER_SIZE = 48
CHUNK_MAGIC = 5
# magic, type, entries, records, timestamp, epoch, first offset, crc, data, trailer, bloom
_HEADER = struct.Struct(">BBHIqQQIIIB3x")
_U32 = struct.Struct(">I")
_SUB_ENTRY_BIT = 0x80000000

# decompress(compression id, compressed body, uncompressed size) -> uncompressed body
Decompress = Callable[[int, bytes, int], bytes]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DecompressionLimits:
    """How much compressed sub-entry batches may expand to. A batch announces its
    uncompressed size (up to 4 GiB) and decompressors allocate that much: these caps are
    checked against the announced sizes before anything is decompressed."""

    per_batch: int = 64 * _MIB
    per_chunk: int = 256 * _MIB


DEFAULT_LIMITS = DecompressionLimits()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkHeader:
    magic_version: int  # 0x50: magic 5, format version 0
    chunk_type: int  # ChunkType: 0 user data, 1 tracking delta, 2 tracking snapshot
    num_entries: int  # a sub-entry batch counts as one entry
    num_records: int  # messages, each message of a sub-entry batch included
    timestamp: int  # ms since the Unix epoch, when the chunk was written
    epoch: int
    chunk_id: int  # offset of the first record
    crc: int  # CRC-32 of the data section
    data_length: int
    trailer_length: int  # on disk only: never sent
    bloom_size: int  # on disk only: never sent


def parse_chunk_header(chunk: bytes | memoryview) -> ChunkHeader:
    if len(chunk) < CHUNK_HEADER_SIZE:
        raise ProtocolError(f"a chunk of {len(chunk)} bytes is shorter than its 48-byte header")
    fields = _HEADER.unpack_from(chunk)
    if fields[0] >> 4 != CHUNK_MAGIC:
        raise ProtocolError(f"bad chunk magic byte 0x{fields[0]:02x} (expected 0x5?)")
    return ChunkHeader(
        magic_version=fields[0],
        chunk_type=fields[1],
        num_entries=fields[2],
        num_records=fields[3],
        timestamp=fields[4],
        epoch=fields[5],
        chunk_id=fields[6],
        crc=fields[7],
        data_length=fields[8],
        trailer_length=fields[9],
        bloom_size=fields[10],
    )


def iter_records(
    chunk: bytes,
    decompress: Decompress,
    verify_crc: bool = False,
    limits: DecompressionLimits = DEFAULT_LIMITS,
) -> tuple[ChunkHeader, list[bytes]]:
    """The header and every message of a chunk, in offset order.

    `decompress` is called for compressed sub-entry batches only. Chunks that are not user
    data (tracking chunks, seen with chunk_selector=all) hold no messages: their list is
    empty, but their header still tells which offsets they take up.
    Raises ProtocolError for any inconsistency, and for compressed batches announcing more than
    `limits` allow (MissingDependencyError and other rstream errors raised by `decompress`
    pass through).
    """
    header = parse_chunk_header(chunk)
    end = CHUNK_HEADER_SIZE + header.data_length
    if end > len(chunk):
        raise ProtocolError(
            f"chunk {header.chunk_id} announces {header.data_length} data bytes, "
            f"{len(chunk) - CHUNK_HEADER_SIZE} were received"
        )
    if verify_crc:
        _verify_crc(chunk, end, header)
    if header.chunk_type != ChunkType.USER:
        return header, []
    records, entries = _read_entries(chunk, end, decompress, limits)
    if entries != header.num_entries or len(records) != header.num_records:
        raise ProtocolError(
            f"chunk {header.chunk_id} announces {header.num_entries} entries and "
            f"{header.num_records} records, holds {entries} and {len(records)}"
        )
    return header, records


def _verify_crc(chunk: bytes, end: int, header: ChunkHeader) -> None:
    crc = zlib.crc32(memoryview(chunk)[CHUNK_HEADER_SIZE:end])
    if crc != header.crc:
        raise ProtocolError(
            f"chunk {header.chunk_id}: CRC-32 0x{crc:08x} does not match 0x{header.crc:08x}"
        )


def _read_entries(
    chunk: bytes, end: int, decompress: Decompress, limits: DecompressionLimits
) -> tuple[list[bytes], int]:
    """Every record of the data section, and the number of entries they came from: by the
    core's C extension for the usual chunk (simple entries only), else by Python."""
    if _c_read_simple_entries is not None:
        records = _c_read_simple_entries(chunk, CHUNK_HEADER_SIZE, end)
        if records is not NotImplemented:
            return records, len(records)
    return python_read_entries(chunk, end, decompress, limits)


def python_read_entries(
    chunk: bytes, end: int, decompress: Decompress, limits: DecompressionLimits = DEFAULT_LIMITS
) -> tuple[list[bytes], int]:
    """Every record of the data section, and the number of entries they came from (the
    reference of the C version)."""
    records: list[bytes] = []
    append = records.append
    unpack = _U32.unpack_from
    pos = CHUNK_HEADER_SIZE
    entries = 0
    expansion = _Expansion(limits)
    # The hot loop checks bounds once, after the loop: an entry that overruns `end` leaves
    # pos > end, which also ends the loop. (Bytes past `end` are never handed out then.)
    try:
        while pos < end:
            entries += 1
            size: int = unpack(chunk, pos)[0]
            if size & _SUB_ENTRY_BIT:
                pos = _read_sub_entry(chunk, pos, end, decompress, records, expansion)
                continue
            start = pos + 4
            pos = start + size
            append(chunk[start:pos])
    except struct.error as exc:
        raise ProtocolError("the last entry header of the chunk is cut short") from exc
    if pos > end:
        raise ProtocolError(f"the last entry overruns the chunk's data by {pos - end} bytes")
    return records, entries


_c_read_simple_entries = None if EXTENSION is None else EXTENSION.read_simple_entries


class _Expansion:
    """What the compressed batches of one chunk announced so far, against the limits."""

    __slots__ = ("left", "limits")

    def __init__(self, limits: DecompressionLimits) -> None:
        self.limits = limits
        self.left = limits.per_chunk

    def allow(self, size: int) -> None:
        if size > self.limits.per_batch:
            raise ProtocolError(
                f"a compressed sub-entry batch announces {size} bytes, above the limit of "
                f"{self.limits.per_batch} bytes per batch"
            )
        self.left -= size
        if self.left < 0:
            raise ProtocolError(
                f"the compressed sub-entry batches of a chunk announce more than the limit of "
                f"{self.limits.per_chunk} bytes per chunk"
            )


def _read_sub_entry(
    chunk: bytes,
    pos: int,
    end: int,
    decompress: Decompress,
    records: list[bytes],
    expansion: _Expansion,
) -> int:
    """Append the records of the sub-entry batch at `pos`; return the offset after it."""
    start = pos + SUB_ENTRY_FIELDS.size
    if start > end:
        raise ProtocolError(f"sub-entry header cut at offset {pos} of the chunk")
    fields: tuple[int, int, int, int] = SUB_ENTRY_FIELDS.unpack_from(chunk, pos)
    entry_type, count, uncompressed_size, length = fields
    stop = start + length
    if stop > end:
        raise ProtocolError(f"sub-entry of {length} bytes at offset {start} overruns the chunk")
    if count * 4 > uncompressed_size:
        raise ProtocolError(f"{count} records cannot fit in {uncompressed_size} bytes")
    compression = compression_of(entry_type)
    if compression == CompressionId.NONE:
        if length != uncompressed_size:
            raise ProtocolError(
                f"uncompressed sub-entry of {length} bytes announces {uncompressed_size}"
            )
        split_records(chunk, start, stop, count, records)
    else:
        expansion.allow(uncompressed_size)
        payload = _decompress(decompress, compression, chunk[start:stop], uncompressed_size)
        split_records(payload, 0, len(payload), count, records)
    return stop


def _decompress(decompress: Decompress, compression: int, data: bytes, size: int) -> bytes:
    try:
        payload = decompress(compression, data, size)
    except RStreamError:
        raise
    except Exception as exc:  # any codec failure means the batch is corrupt
        raise ProtocolError(
            f"cannot decompress sub-entry (compression {compression}): {exc}"
        ) from exc
    if len(payload) != size:
        raise ProtocolError(f"sub-entry decompressed to {len(payload)} bytes, announced {size}")
    return payload
