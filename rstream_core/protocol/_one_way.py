"""One-way frames: one frozen dataclass per frame, each followed by its codec.

They carry no correlation id and get no response.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rstream_core.errors import ProtocolError
from rstream_core.protocol._frame_checks import (
    MAX_ENTRY_SIZE,
    check_bytes,
    check_range,
    check_string,
    check_uint,
)
from rstream_core.protocol._registry import HEADER, decodes, encodes
from rstream_core.protocol.constants import MAX_CREDIT, RESPONSE_BIT, Key
from rstream_core.protocol.publish import ENTRY_HEADER, encode_publish_v2, publish_header
from rstream_core.protocol.sub_entry import SUB_ENTRY_FLAG, compression_of, encode_sub_entry
from rstream_core.protocol.wire import (
    I32,
    U8,
    U16,
    U32,
    U64,
    WireReader,
    pack_string,
)

if TYPE_CHECKING:
    from rstream_core.protocol.frames import Frame


@dataclass(frozen=True, slots=True, kw_only=True)
class Tune:
    """Sent by the server (key 0x0014); the client answers with `response=True` (key 0x8014)."""

    frame_max: int
    heartbeat: int
    response: bool = False

    def __post_init__(self) -> None:
        check_uint("frame_max", self.frame_max, 32)
        check_uint("heartbeat", self.heartbeat, 32)


_TUNE = struct.Struct(">HHII")


@encodes(Tune)
def _encode_tune(frame: Tune) -> bytes:
    key = Key.TUNE | RESPONSE_BIT if frame.response else Key.TUNE
    return _TUNE.pack(key, 1, frame.frame_max, frame.heartbeat)


def _decode_tune(reader: WireReader, response: bool) -> Tune:
    return Tune(frame_max=reader.u32(), heartbeat=reader.u32(), response=response)


@decodes(Key.TUNE)
def _decode_tune_from_server(reader: WireReader) -> Frame:
    return _decode_tune(reader, response=False)


@decodes(Key.TUNE | RESPONSE_BIT)
def _decode_tune_answer(reader: WireReader) -> Frame:
    return _decode_tune(reader, response=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    pass


_HEARTBEAT = HEADER.pack(Key.HEARTBEAT, 1)


@encodes(Heartbeat)
def _encode_heartbeat(frame: Heartbeat) -> bytes:
    return _HEARTBEAT


@decodes(Key.HEARTBEAT)
def _decode_heartbeat(reader: WireReader) -> Frame:
    return Heartbeat()


# --------------------------------------------------------------------------------------------
# Publish (v1: simple entries and sub-entry batches; v2: simple entries with a filter value)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishEntry:
    publishing_id: int
    data: bytes

    def __post_init__(self) -> None:
        check_uint("publishing_id", self.publishing_id, 64)
        check_bytes("data", self.data, MAX_ENTRY_SIZE)


@dataclass(frozen=True, slots=True, kw_only=True)
class SubEntryBatch:
    """Several messages under one publishing id; `data` is (compressed) sub_entry_payload()."""

    publishing_id: int
    compression: int
    record_count: int
    uncompressed_size: int
    data: bytes

    def __post_init__(self) -> None:
        check_uint("publishing_id", self.publishing_id, 64)
        check_uint("compression", self.compression, 3)
        check_uint("record_count", self.record_count, 16)
        check_uint("uncompressed_size", self.uncompressed_size, 32)
        check_bytes("data", self.data, 0xFFFFFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish:
    """Publish v1. For speed, producers use `rstream_core.protocol.publish` instead."""

    publisher_id: int
    entries: tuple[PublishEntry | SubEntryBatch, ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


def _encode_entry(entry: PublishEntry | SubEntryBatch) -> bytes:
    if isinstance(entry, PublishEntry):
        return ENTRY_HEADER.pack(entry.publishing_id, len(entry.data)) + entry.data
    return encode_sub_entry(
        entry.publishing_id,
        entry.compression,
        entry.record_count,
        entry.uncompressed_size,
        entry.data,
    )


@encodes(Publish)
def _encode_publish(frame: Publish) -> bytes:
    entries = b"".join([_encode_entry(entry) for entry in frame.entries])
    header = publish_header(frame.publisher_id, len(frame.entries), len(entries))
    return header[U32.size :] + entries


def _read_entry(reader: WireReader) -> PublishEntry | SubEntryBatch:
    publishing_id = reader.u64()
    entry_type = reader.peek_u8()
    if not entry_type & SUB_ENTRY_FLAG:
        return PublishEntry(publishing_id=publishing_id, data=reader.raw(reader.u32()))
    reader.u8()
    if entry_type & 0x0F:
        raise ProtocolError(f"reserved bits set in sub-entry type 0x{entry_type:02x}")
    return SubEntryBatch(
        publishing_id=publishing_id,
        compression=compression_of(entry_type),
        record_count=reader.u16(),
        uncompressed_size=reader.u32(),
        data=reader.raw(reader.u32()),
    )


@decodes(Key.PUBLISH, 1)
def _decode_publish(reader: WireReader) -> Frame:
    publisher_id = reader.u8()
    count = reader.count(ENTRY_HEADER.size)
    entries = tuple([_read_entry(reader) for _ in range(count)])
    return Publish(publisher_id=publisher_id, entries=entries)


@dataclass(frozen=True, slots=True, kw_only=True)
class FilteredEntry:
    publishing_id: int
    filter_value: str | None
    data: bytes

    def __post_init__(self) -> None:
        check_uint("publishing_id", self.publishing_id, 64)
        if self.filter_value is not None:
            check_string("filter_value", self.filter_value)
        check_bytes("data", self.data, 0xFFFFFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishV2:
    """Publish v2: every entry may carry a filter value. No sub-entry batches."""

    publisher_id: int
    entries: tuple[FilteredEntry, ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


@encodes(PublishV2)
def _encode_publish_v2(frame: PublishV2) -> bytes:
    entries = frame.entries
    encoded = encode_publish_v2(
        frame.publisher_id,
        [entry.publishing_id for entry in entries],
        [entry.filter_value for entry in entries],
        [entry.data for entry in entries],
    )
    return encoded[U32.size :]


def _read_filtered_entry(reader: WireReader) -> FilteredEntry:
    return FilteredEntry(
        publishing_id=reader.u64(),
        filter_value=reader.nullable_string(),
        data=reader.raw(reader.u32()),
    )


@decodes(Key.PUBLISH, 2)
def _decode_publish_v2(reader: WireReader) -> Frame:
    publisher_id = reader.u8()
    count = reader.count(14)  # publishing id, filter length, size
    entries = tuple([_read_filtered_entry(reader) for _ in range(count)])
    return PublishV2(publisher_id=publisher_id, entries=entries)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishConfirm:
    publisher_id: int
    publishing_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


@encodes(PublishConfirm)
def _encode_publish_confirm(frame: PublishConfirm) -> bytes:
    ids = frame.publishing_ids
    return b"".join(
        (
            HEADER.pack(Key.PUBLISH_CONFIRM, 1),
            U8.pack(frame.publisher_id),
            I32.pack(len(ids)),
            struct.pack(f">{len(ids)}Q", *ids),
        )
    )


@decodes(Key.PUBLISH_CONFIRM)
def _decode_publish_confirm(reader: WireReader) -> Frame:
    return PublishConfirm(publisher_id=reader.u8(), publishing_ids=reader.u64_array())


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishError:
    """`errors` holds (publishing id, response code) pairs."""

    publisher_id: int
    errors: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


_PUBLISH_ERROR_ITEM = struct.Struct(">QH")


@encodes(PublishError)
def _encode_publish_error(frame: PublishError) -> bytes:
    items = [_PUBLISH_ERROR_ITEM.pack(*error) for error in frame.errors]
    return b"".join(
        (
            HEADER.pack(Key.PUBLISH_ERROR, 1),
            U8.pack(frame.publisher_id),
            I32.pack(len(items)),
            *items,
        )
    )


@decodes(Key.PUBLISH_ERROR)
def _decode_publish_error(reader: WireReader) -> Frame:
    publisher_id = reader.u8()
    count = reader.count(_PUBLISH_ERROR_ITEM.size)
    items = reader.raw(count * _PUBLISH_ERROR_ITEM.size)
    errors = tuple(_PUBLISH_ERROR_ITEM.iter_unpack(items))
    return PublishError(publisher_id=publisher_id, errors=errors)


# --------------------------------------------------------------------------------------------
# Consuming and the rest
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Deliver:
    """A whole chunk (see chunk.py). Deliver v2 when `committed_chunk_id` is not None."""

    subscription_id: int
    committed_chunk_id: int | None = None
    chunk: bytes

    def __post_init__(self) -> None:
        check_uint("subscription_id", self.subscription_id, 8)
        if self.committed_chunk_id is not None:
            check_uint("committed_chunk_id", self.committed_chunk_id, 64)


@encodes(Deliver)
def _encode_deliver(frame: Deliver) -> bytes:
    if frame.committed_chunk_id is None:
        header = HEADER.pack(Key.DELIVER, 1) + U8.pack(frame.subscription_id)
    else:
        header = (
            HEADER.pack(Key.DELIVER, 2)
            + U8.pack(frame.subscription_id)
            + U64.pack(frame.committed_chunk_id)
        )
    return header + frame.chunk


@decodes(Key.DELIVER, 1)
def _decode_deliver(reader: WireReader) -> Frame:
    # The chunk is copied once, out of the frame buffer; chunk.py parses it.
    return Deliver(subscription_id=reader.u8(), chunk=reader.rest())


@decodes(Key.DELIVER, 2)
def _decode_deliver_v2(reader: WireReader) -> Frame:
    return Deliver(
        subscription_id=reader.u8(), committed_chunk_id=reader.u64(), chunk=reader.rest()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """Credit counts chunks. The server reads it as signed 16-bit, hence 0..32767."""

    subscription_id: int
    credit: int

    def __post_init__(self) -> None:
        check_uint("subscription_id", self.subscription_id, 8)
        check_range("credit", self.credit, 0, MAX_CREDIT)


@encodes(Credit)
def _encode_credit(frame: Credit) -> bytes:
    return HEADER.pack(Key.CREDIT, 1) + U8.pack(frame.subscription_id) + U16.pack(frame.credit)


@decodes(Key.CREDIT)
def _decode_credit(reader: WireReader) -> Frame:
    return Credit(subscription_id=reader.u8(), credit=reader.u16())


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditResponse:
    """Only sent when a Credit failed (key 0x8009, no correlation id)."""

    code: int
    subscription_id: int

    def __post_init__(self) -> None:
        check_uint("code", self.code, 16)
        check_uint("subscription_id", self.subscription_id, 8)


@encodes(CreditResponse)
def _encode_credit_response(frame: CreditResponse) -> bytes:
    header = HEADER.pack(Key.CREDIT | RESPONSE_BIT, 1)
    return header + U16.pack(frame.code) + U8.pack(frame.subscription_id)


@decodes(Key.CREDIT | RESPONSE_BIT)
def _decode_credit_response(reader: WireReader) -> Frame:
    return CreditResponse(code=reader.u16(), subscription_id=reader.u8())


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreOffset:
    reference: str
    stream: str
    offset: int

    def __post_init__(self) -> None:
        check_string("reference", self.reference)
        check_string("stream", self.stream)
        check_uint("offset", self.offset, 64)


@encodes(StoreOffset)
def _encode_store_offset(frame: StoreOffset) -> bytes:
    return b"".join(
        (
            HEADER.pack(Key.STORE_OFFSET, 1),
            pack_string(frame.reference),
            pack_string(frame.stream),
            U64.pack(frame.offset),
        )
    )


@decodes(Key.STORE_OFFSET)
def _decode_store_offset(reader: WireReader) -> Frame:
    return StoreOffset(reference=reader.string(), stream=reader.string(), offset=reader.u64())


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataUpdate:
    """The server dropped this connection's publishers and subscriptions on `stream`."""

    code: int
    stream: str

    def __post_init__(self) -> None:
        check_uint("code", self.code, 16)
        check_string("stream", self.stream)


@encodes(MetadataUpdate)
def _encode_metadata_update(frame: MetadataUpdate) -> bytes:
    return HEADER.pack(Key.METADATA_UPDATE, 1) + U16.pack(frame.code) + pack_string(frame.stream)


@decodes(Key.METADATA_UPDATE)
def _decode_metadata_update(reader: WireReader) -> Frame:
    return MetadataUpdate(code=reader.u16(), stream=reader.string())
