"""Requests: one frozen dataclass per frame, each followed by its codec.

A request carries a correlation id; it goes from client to server, except Close (either side)
and ConsumerUpdate (from the server). `correlation_id` defaults to 0: `Connection.request`
writes the id it allocates into the header (`codec.encode_request`), so callers leave it out.
Each encoder writes only the fields after the header (see `_registry.encodes_request`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rstream_core.errors import ProtocolError
from rstream_core.protocol._frame_checks import (
    SUBSCRIBE_OFFSET_TYPES,
    check_bytes,
    check_offset_spec,
    check_request,
    check_string,
    check_string_map,
    check_strings,
    check_uint,
)
from rstream_core.protocol._registry import (
    decodes,
    encodes_request,
    pack_offset_spec,
    read_offset_spec,
    read_optional_string_map,
)
from rstream_core.protocol.constants import Key
from rstream_core.protocol.wire import (
    I32,
    U8,
    U16,
    WireReader,
    pack_nullable_bytes,
    pack_string,
    pack_string_map,
    pack_strings,
)

if TYPE_CHECKING:
    from rstream_core.protocol.frames import Frame


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarePublisher:
    correlation_id: int = 0
    publisher_id: int
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("publisher_id", self.publisher_id, 8)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@encodes_request(DeclarePublisher, Key.DECLARE_PUBLISHER)
def _encode_declare_publisher(frame: DeclarePublisher) -> bytes:
    return b"".join(
        (U8.pack(frame.publisher_id), pack_string(frame.reference), pack_string(frame.stream))
    )


@decodes(Key.DECLARE_PUBLISHER)
def _decode_declare_publisher(reader: WireReader) -> Frame:
    return DeclarePublisher(
        correlation_id=reader.u32(),
        publisher_id=reader.u8(),
        reference=reader.string(),
        stream=reader.string(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryPublisherSequence:
    correlation_id: int = 0
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@encodes_request(QueryPublisherSequence, Key.QUERY_PUBLISHER_SEQUENCE)
def _encode_query_publisher_sequence(frame: QueryPublisherSequence) -> bytes:
    return pack_string(frame.reference) + pack_string(frame.stream)


@decodes(Key.QUERY_PUBLISHER_SEQUENCE)
def _decode_query_publisher_sequence(reader: WireReader) -> Frame:
    return QueryPublisherSequence(
        correlation_id=reader.u32(), reference=reader.string(), stream=reader.string()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletePublisher:
    correlation_id: int = 0
    publisher_id: int

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("publisher_id", self.publisher_id, 8)


@encodes_request(DeletePublisher, Key.DELETE_PUBLISHER)
def _encode_delete_publisher(frame: DeletePublisher) -> bytes:
    return U8.pack(frame.publisher_id)


@decodes(Key.DELETE_PUBLISHER)
def _decode_delete_publisher(reader: WireReader) -> Frame:
    return DeletePublisher(correlation_id=reader.u32(), publisher_id=reader.u8())


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscribe:
    """`offset` is given only for OffsetType.OFFSET (u64) and TIMESTAMP (signed ms)."""

    correlation_id: int = 0
    subscription_id: int
    stream: str
    offset_type: int
    offset: int | None = None
    credit: int
    properties: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("subscription_id", self.subscription_id, 8)
        check_string("stream", self.stream)
        check_offset_spec(self.offset_type, self.offset, SUBSCRIBE_OFFSET_TYPES)
        check_uint("credit", self.credit, 16)
        check_string_map("properties", self.properties)


@encodes_request(Subscribe, Key.SUBSCRIBE)
def _encode_subscribe(frame: Subscribe) -> bytes:
    return b"".join(
        (
            U8.pack(frame.subscription_id),
            pack_string(frame.stream),
            pack_offset_spec(frame.offset_type, frame.offset),
            U16.pack(frame.credit),
            pack_string_map(frame.properties),
        )
    )


@decodes(Key.SUBSCRIBE)
def _decode_subscribe(reader: WireReader) -> Frame:
    correlation_id = reader.u32()
    subscription_id = reader.u8()
    stream = reader.string()
    offset_type, offset = read_offset_spec(reader)
    return Subscribe(
        correlation_id=correlation_id,
        subscription_id=subscription_id,
        stream=stream,
        offset_type=offset_type,
        offset=offset,
        credit=reader.u16(),
        properties=read_optional_string_map(reader),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryOffset:
    correlation_id: int = 0
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@encodes_request(QueryOffset, Key.QUERY_OFFSET)
def _encode_query_offset(frame: QueryOffset) -> bytes:
    return pack_string(frame.reference) + pack_string(frame.stream)


@decodes(Key.QUERY_OFFSET)
def _decode_query_offset(reader: WireReader) -> Frame:
    return QueryOffset(
        correlation_id=reader.u32(), reference=reader.string(), stream=reader.string()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsubscribe:
    correlation_id: int = 0
    subscription_id: int

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("subscription_id", self.subscription_id, 8)


@encodes_request(Unsubscribe, Key.UNSUBSCRIBE)
def _encode_unsubscribe(frame: Unsubscribe) -> bytes:
    return U8.pack(frame.subscription_id)


@decodes(Key.UNSUBSCRIBE)
def _decode_unsubscribe(reader: WireReader) -> Frame:
    return Unsubscribe(correlation_id=reader.u32(), subscription_id=reader.u8())


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateStream:
    correlation_id: int = 0
    stream: str
    arguments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)
        check_string_map("arguments", self.arguments)


@encodes_request(CreateStream, Key.CREATE_STREAM)
def _encode_create_stream(frame: CreateStream) -> bytes:
    # The argument map is required on the wire, even when empty.
    return pack_string(frame.stream) + pack_string_map(frame.arguments)


@decodes(Key.CREATE_STREAM)
def _decode_create_stream(reader: WireReader) -> Frame:
    return CreateStream(
        correlation_id=reader.u32(), stream=reader.string(), arguments=reader.string_map()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteStream:
    correlation_id: int = 0
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)


@encodes_request(DeleteStream, Key.DELETE_STREAM)
def _encode_delete_stream(frame: DeleteStream) -> bytes:
    return pack_string(frame.stream)


@decodes(Key.DELETE_STREAM)
def _decode_delete_stream(reader: WireReader) -> Frame:
    return DeleteStream(correlation_id=reader.u32(), stream=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    correlation_id: int = 0
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_strings("stream", self.streams)


@encodes_request(Metadata, Key.METADATA)
def _encode_metadata(frame: Metadata) -> bytes:
    return pack_strings(frame.streams)


@decodes(Key.METADATA)
def _decode_metadata(reader: WireReader) -> Frame:
    return Metadata(correlation_id=reader.u32(), streams=reader.strings())


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerProperties:
    correlation_id: int = 0
    properties: dict[str, str]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string_map("properties", self.properties)


@encodes_request(PeerProperties, Key.PEER_PROPERTIES)
def _encode_peer_properties(frame: PeerProperties) -> bytes:
    return pack_string_map(frame.properties)


@decodes(Key.PEER_PROPERTIES)
def _decode_peer_properties(reader: WireReader) -> Frame:
    return PeerProperties(correlation_id=reader.u32(), properties=reader.string_map())


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslHandshake:
    correlation_id: int = 0

    def __post_init__(self) -> None:
        check_request(self.correlation_id)


@encodes_request(SaslHandshake, Key.SASL_HANDSHAKE)
def _encode_sasl_handshake(frame: SaslHandshake) -> bytes:
    # Only the header: the spec's Mechanism field does not exist (docs/protocol.md 1.3).
    return b""


@decodes(Key.SASL_HANDSHAKE)
def _decode_sasl_handshake(reader: WireReader) -> Frame:
    return SaslHandshake(correlation_id=reader.u32())


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslAuthenticate:
    """`data` None is sent as length -1 (null). It may hold a password: never in the repr."""

    correlation_id: int = 0
    mechanism: str
    data: bytes | None = field(repr=False)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("mechanism", self.mechanism)
        check_bytes("data", self.data, 0x7FFFFFFF)


@encodes_request(SaslAuthenticate, Key.SASL_AUTHENTICATE)
def _encode_sasl_authenticate(frame: SaslAuthenticate) -> bytes:
    return pack_string(frame.mechanism) + pack_nullable_bytes(frame.data)


@decodes(Key.SASL_AUTHENTICATE)
def _decode_sasl_authenticate(reader: WireReader) -> Frame:
    return SaslAuthenticate(
        correlation_id=reader.u32(), mechanism=reader.string(), data=reader.nullable_bytes()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Open:
    correlation_id: int = 0
    virtual_host: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("virtual_host", self.virtual_host)


@encodes_request(Open, Key.OPEN)
def _encode_open(frame: Open) -> bytes:
    return pack_string(frame.virtual_host)


@decodes(Key.OPEN)
def _decode_open(reader: WireReader) -> Frame:
    return Open(correlation_id=reader.u32(), virtual_host=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class Close:
    """Sent by either side; the answer is a `Response(key=Key.CLOSE, ...)`."""

    correlation_id: int = 0
    code: int
    reason: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("code", self.code, 16)
        check_string("reason", self.reason)


@encodes_request(Close, Key.CLOSE)
def _encode_close(frame: Close) -> bytes:
    return U16.pack(frame.code) + pack_string(frame.reason)


@decodes(Key.CLOSE)
def _decode_close(reader: WireReader) -> Frame:
    return Close(correlation_id=reader.u32(), code=reader.u16(), reason=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    correlation_id: int = 0
    routing_key: str
    super_stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("routing_key", self.routing_key)
        check_string("super_stream", self.super_stream)


@encodes_request(Route, Key.ROUTE)
def _encode_route(frame: Route) -> bytes:
    return pack_string(frame.routing_key) + pack_string(frame.super_stream)


@decodes(Key.ROUTE)
def _decode_route(reader: WireReader) -> Frame:
    return Route(
        correlation_id=reader.u32(), routing_key=reader.string(), super_stream=reader.string()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Partitions:
    correlation_id: int = 0
    super_stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("super_stream", self.super_stream)


@encodes_request(Partitions, Key.PARTITIONS)
def _encode_partitions(frame: Partitions) -> bytes:
    return pack_string(frame.super_stream)


@decodes(Key.PARTITIONS)
def _decode_partitions(reader: WireReader) -> Frame:
    return Partitions(correlation_id=reader.u32(), super_stream=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerUpdate:
    """A request from the server: answer it with a `ConsumerUpdateResponse`."""

    correlation_id: int = 0
    subscription_id: int
    active: bool

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("subscription_id", self.subscription_id, 8)


@encodes_request(ConsumerUpdate, Key.CONSUMER_UPDATE)
def _encode_consumer_update(frame: ConsumerUpdate) -> bytes:
    return U8.pack(frame.subscription_id) + U8.pack(1 if frame.active else 0)


@decodes(Key.CONSUMER_UPDATE)
def _decode_consumer_update(reader: WireReader) -> Frame:
    correlation_id = reader.u32()
    subscription_id = reader.u8()
    active = reader.u8()
    if active > 1:
        raise ProtocolError(f"active flag must be 0 or 1, got {active}")
    return ConsumerUpdate(
        correlation_id=correlation_id, subscription_id=subscription_id, active=active == 1
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandVersion:
    key: int
    min_version: int
    max_version: int

    def __post_init__(self) -> None:
        check_uint("key", self.key, 16)
        check_uint("min_version", self.min_version, 16)
        check_uint("max_version", self.max_version, 16)


COMMAND_VERSION = struct.Struct(">HHH")  # key, min version, max version


def pack_command_versions(commands: tuple[CommandVersion, ...]) -> bytes:
    parts = [
        COMMAND_VERSION.pack(command.key, command.min_version, command.max_version)
        for command in commands
    ]
    return I32.pack(len(parts)) + b"".join(parts)


def read_command_versions(reader: WireReader) -> tuple[CommandVersion, ...]:
    return tuple(
        [
            CommandVersion(key=reader.u16(), min_version=reader.u16(), max_version=reader.u16())
            for _ in range(reader.count(COMMAND_VERSION.size))
        ]
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeCommandVersions:
    correlation_id: int = 0
    commands: tuple[CommandVersion, ...]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)


@encodes_request(ExchangeCommandVersions, Key.EXCHANGE_COMMAND_VERSIONS)
def _encode_exchange_command_versions(frame: ExchangeCommandVersions) -> bytes:
    return pack_command_versions(frame.commands)


@decodes(Key.EXCHANGE_COMMAND_VERSIONS)
def _decode_exchange_command_versions(reader: WireReader) -> Frame:
    return ExchangeCommandVersions(
        correlation_id=reader.u32(), commands=read_command_versions(reader)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStats:
    correlation_id: int = 0
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)


@encodes_request(StreamStats, Key.STREAM_STATS)
def _encode_stream_stats(frame: StreamStats) -> bytes:
    return pack_string(frame.stream)


@decodes(Key.STREAM_STATS)
def _decode_stream_stats(reader: WireReader) -> Frame:
    return StreamStats(correlation_id=reader.u32(), stream=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateSuperStream:
    correlation_id: int = 0
    name: str
    partitions: tuple[str, ...]
    binding_keys: tuple[str, ...]
    arguments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("name", self.name)
        check_strings("partition", self.partitions)
        check_strings("binding key", self.binding_keys)
        if len(self.partitions) != len(self.binding_keys):
            raise ValueError("partitions and binding_keys must have the same length")
        check_string_map("arguments", self.arguments)


@encodes_request(CreateSuperStream, Key.CREATE_SUPER_STREAM)
def _encode_create_super_stream(frame: CreateSuperStream) -> bytes:
    return b"".join(
        (
            pack_string(frame.name),
            pack_strings(frame.partitions),
            pack_strings(frame.binding_keys),
            pack_string_map(frame.arguments),
        )
    )


@decodes(Key.CREATE_SUPER_STREAM)
def _decode_create_super_stream(reader: WireReader) -> Frame:
    return CreateSuperStream(
        correlation_id=reader.u32(),
        name=reader.string(),
        partitions=reader.strings(),
        binding_keys=reader.strings(),
        arguments=reader.string_map(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteSuperStream:
    correlation_id: int = 0
    name: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("name", self.name)


@encodes_request(DeleteSuperStream, Key.DELETE_SUPER_STREAM)
def _encode_delete_super_stream(frame: DeleteSuperStream) -> bytes:
    return pack_string(frame.name)


@decodes(Key.DELETE_SUPER_STREAM)
def _decode_delete_super_stream(reader: WireReader) -> Frame:
    return DeleteSuperStream(correlation_id=reader.u32(), name=reader.string())


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveOffsetSpec:
    """`offset` is given only for OffsetType.OFFSET (u64) and TIMESTAMP (signed ms)."""

    correlation_id: int = 0
    stream: str
    offset_type: int
    offset: int | None = None
    properties: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)
        check_offset_spec(self.offset_type, self.offset, SUBSCRIBE_OFFSET_TYPES)
        check_string_map("properties", self.properties)


@encodes_request(ResolveOffsetSpec, Key.RESOLVE_OFFSET_SPEC)
def _encode_resolve_offset_spec(frame: ResolveOffsetSpec) -> bytes:
    return b"".join(
        (
            pack_string(frame.stream),
            pack_offset_spec(frame.offset_type, frame.offset),
            pack_string_map(frame.properties),
        )
    )


@decodes(Key.RESOLVE_OFFSET_SPEC)
def _decode_resolve_offset_spec(reader: WireReader) -> Frame:
    correlation_id = reader.u32()
    stream = reader.string()
    offset_type, offset = read_offset_spec(reader)
    return ResolveOffsetSpec(
        correlation_id=correlation_id,
        stream=stream,
        offset_type=offset_type,
        offset=offset,
        properties=read_optional_string_map(reader),
    )
