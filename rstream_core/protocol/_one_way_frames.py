"""One-way frames: no correlation id, no response."""

from __future__ import annotations

from dataclasses import dataclass

from rstream_core.protocol._frame_checks import (
    MAX_ENTRY_SIZE,
    check_bytes,
    check_range,
    check_string,
    check_uint,
)
from rstream_core.protocol.constants import MAX_CREDIT


@dataclass(frozen=True, slots=True, kw_only=True)
class Tune:
    """Sent by the server (key 0x0014); the client answers with `response=True` (key 0x8014)."""

    frame_max: int
    heartbeat: int
    response: bool = False

    def __post_init__(self) -> None:
        check_uint("frame_max", self.frame_max, 32)
        check_uint("heartbeat", self.heartbeat, 32)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat:
    pass


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishConfirm:
    publisher_id: int
    publishing_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishError:
    """`errors` holds (publishing id, response code) pairs."""

    publisher_id: int
    errors: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        check_uint("publisher_id", self.publisher_id, 8)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """Credit counts chunks. The server reads it as signed 16-bit, hence 0..32767."""

    subscription_id: int
    credit: int

    def __post_init__(self) -> None:
        check_uint("subscription_id", self.subscription_id, 8)
        check_range("credit", self.credit, 0, MAX_CREDIT)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditResponse:
    """Only sent when a Credit failed (key 0x8009, no correlation id)."""

    code: int
    subscription_id: int

    def __post_init__(self) -> None:
        check_uint("code", self.code, 16)
        check_uint("subscription_id", self.subscription_id, 8)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreOffset:
    reference: str
    stream: str
    offset: int

    def __post_init__(self) -> None:
        check_string("reference", self.reference)
        check_string("stream", self.stream)
        check_uint("offset", self.offset, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataUpdate:
    """The server dropped this connection's publishers and subscriptions on `stream`."""

    code: int
    stream: str

    def __post_init__(self) -> None:
        check_uint("code", self.code, 16)
        check_string("stream", self.stream)
