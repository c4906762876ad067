"""Codecs of the requests (client to server, plus Close and ConsumerUpdate from the server)."""

from __future__ import annotations

from rstream_core.errors import ProtocolError
from rstream_core.protocol._registry import (
    decodes,
    encodes,
    pack_command_versions,
    pack_offset_spec,
    read_command_versions,
    read_offset_spec,
    read_optional_string_map,
    request_header,
)
from rstream_core.protocol.constants import Key
from rstream_core.protocol.frames import (
    Close,
    ConsumerUpdate,
    CreateStream,
    CreateSuperStream,
    DeclarePublisher,
    DeletePublisher,
    DeleteStream,
    DeleteSuperStream,
    ExchangeCommandVersions,
    Frame,
    Metadata,
    Open,
    Partitions,
    PeerProperties,
    QueryOffset,
    QueryPublisherSequence,
    ResolveOffsetSpec,
    Route,
    SaslAuthenticate,
    SaslHandshake,
    StreamStats,
    Subscribe,
    Unsubscribe,
)
from rstream_core.protocol.wire import (
    U8,
    U16,
    WireReader,
    pack_nullable_bytes,
    pack_string,
    pack_string_map,
    pack_strings,
)


@encodes(DeclarePublisher)
def _encode_declare_publisher(frame: DeclarePublisher) -> bytes:
    return b"".join(
        (
            request_header(Key.DECLARE_PUBLISHER, frame.correlation_id),
            U8.pack(frame.publisher_id),
            pack_string(frame.reference),
            pack_string(frame.stream),
        )
    )


@decodes(Key.DECLARE_PUBLISHER)
def _decode_declare_publisher(reader: WireReader) -> Frame:
    return DeclarePublisher(
        correlation_id=reader.u32(),
        publisher_id=reader.u8(),
        reference=reader.string(),
        stream=reader.string(),
    )


@encodes(QueryPublisherSequence)
def _encode_query_publisher_sequence(frame: QueryPublisherSequence) -> bytes:
    return b"".join(
        (
            request_header(Key.QUERY_PUBLISHER_SEQUENCE, frame.correlation_id),
            pack_string(frame.reference),
            pack_string(frame.stream),
        )
    )


@decodes(Key.QUERY_PUBLISHER_SEQUENCE)
def _decode_query_publisher_sequence(reader: WireReader) -> Frame:
    return QueryPublisherSequence(
        correlation_id=reader.u32(), reference=reader.string(), stream=reader.string()
    )


@encodes(DeletePublisher)
def _encode_delete_publisher(frame: DeletePublisher) -> bytes:
    return request_header(Key.DELETE_PUBLISHER, frame.correlation_id) + U8.pack(frame.publisher_id)


@decodes(Key.DELETE_PUBLISHER)
def _decode_delete_publisher(reader: WireReader) -> Frame:
    return DeletePublisher(correlation_id=reader.u32(), publisher_id=reader.u8())


@encodes(Subscribe)
def _encode_subscribe(frame: Subscribe) -> bytes:
    return b"".join(
        (
            request_header(Key.SUBSCRIBE, frame.correlation_id),
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


@encodes(QueryOffset)
def _encode_query_offset(frame: QueryOffset) -> bytes:
    return b"".join(
        (
            request_header(Key.QUERY_OFFSET, frame.correlation_id),
            pack_string(frame.reference),
            pack_string(frame.stream),
        )
    )


@decodes(Key.QUERY_OFFSET)
def _decode_query_offset(reader: WireReader) -> Frame:
    return QueryOffset(
        correlation_id=reader.u32(), reference=reader.string(), stream=reader.string()
    )


@encodes(Unsubscribe)
def _encode_unsubscribe(frame: Unsubscribe) -> bytes:
    return request_header(Key.UNSUBSCRIBE, frame.correlation_id) + U8.pack(frame.subscription_id)


@decodes(Key.UNSUBSCRIBE)
def _decode_unsubscribe(reader: WireReader) -> Frame:
    return Unsubscribe(correlation_id=reader.u32(), subscription_id=reader.u8())


@encodes(CreateStream)
def _encode_create_stream(frame: CreateStream) -> bytes:
    # The argument map is required on the wire, even when empty.
    return b"".join(
        (
            request_header(Key.CREATE_STREAM, frame.correlation_id),
            pack_string(frame.stream),
            pack_string_map(frame.arguments),
        )
    )


@decodes(Key.CREATE_STREAM)
def _decode_create_stream(reader: WireReader) -> Frame:
    return CreateStream(
        correlation_id=reader.u32(), stream=reader.string(), arguments=reader.string_map()
    )


@encodes(DeleteStream)
def _encode_delete_stream(frame: DeleteStream) -> bytes:
    return request_header(Key.DELETE_STREAM, frame.correlation_id) + pack_string(frame.stream)


@decodes(Key.DELETE_STREAM)
def _decode_delete_stream(reader: WireReader) -> Frame:
    return DeleteStream(correlation_id=reader.u32(), stream=reader.string())


@encodes(Metadata)
def _encode_metadata(frame: Metadata) -> bytes:
    return request_header(Key.METADATA, frame.correlation_id) + pack_strings(frame.streams)


@decodes(Key.METADATA)
def _decode_metadata(reader: WireReader) -> Frame:
    return Metadata(correlation_id=reader.u32(), streams=reader.strings())


@encodes(PeerProperties)
def _encode_peer_properties(frame: PeerProperties) -> bytes:
    return request_header(Key.PEER_PROPERTIES, frame.correlation_id) + pack_string_map(
        frame.properties
    )


@decodes(Key.PEER_PROPERTIES)
def _decode_peer_properties(reader: WireReader) -> Frame:
    return PeerProperties(correlation_id=reader.u32(), properties=reader.string_map())


@encodes(SaslHandshake)
def _encode_sasl_handshake(frame: SaslHandshake) -> bytes:
    return request_header(Key.SASL_HANDSHAKE, frame.correlation_id)


@decodes(Key.SASL_HANDSHAKE)
def _decode_sasl_handshake(reader: WireReader) -> Frame:
    return SaslHandshake(correlation_id=reader.u32())


@encodes(SaslAuthenticate)
def _encode_sasl_authenticate(frame: SaslAuthenticate) -> bytes:
    return b"".join(
        (
            request_header(Key.SASL_AUTHENTICATE, frame.correlation_id),
            pack_string(frame.mechanism),
            pack_nullable_bytes(frame.data),
        )
    )


@decodes(Key.SASL_AUTHENTICATE)
def _decode_sasl_authenticate(reader: WireReader) -> Frame:
    return SaslAuthenticate(
        correlation_id=reader.u32(), mechanism=reader.string(), data=reader.nullable_bytes()
    )


@encodes(Open)
def _encode_open(frame: Open) -> bytes:
    return request_header(Key.OPEN, frame.correlation_id) + pack_string(frame.virtual_host)


@decodes(Key.OPEN)
def _decode_open(reader: WireReader) -> Frame:
    return Open(correlation_id=reader.u32(), virtual_host=reader.string())


@encodes(Close)
def _encode_close(frame: Close) -> bytes:
    return b"".join(
        (
            request_header(Key.CLOSE, frame.correlation_id),
            U16.pack(frame.code),
            pack_string(frame.reason),
        )
    )


@decodes(Key.CLOSE)
def _decode_close(reader: WireReader) -> Frame:
    return Close(correlation_id=reader.u32(), code=reader.u16(), reason=reader.string())


@encodes(Route)
def _encode_route(frame: Route) -> bytes:
    return b"".join(
        (
            request_header(Key.ROUTE, frame.correlation_id),
            pack_string(frame.routing_key),
            pack_string(frame.super_stream),
        )
    )


@decodes(Key.ROUTE)
def _decode_route(reader: WireReader) -> Frame:
    return Route(
        correlation_id=reader.u32(), routing_key=reader.string(), super_stream=reader.string()
    )


@encodes(Partitions)
def _encode_partitions(frame: Partitions) -> bytes:
    return request_header(Key.PARTITIONS, frame.correlation_id) + pack_string(frame.super_stream)


@decodes(Key.PARTITIONS)
def _decode_partitions(reader: WireReader) -> Frame:
    return Partitions(correlation_id=reader.u32(), super_stream=reader.string())


@encodes(ConsumerUpdate)
def _encode_consumer_update(frame: ConsumerUpdate) -> bytes:
    header = request_header(Key.CONSUMER_UPDATE, frame.correlation_id)
    return header + U8.pack(frame.subscription_id) + U8.pack(1 if frame.active else 0)


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


@encodes(ExchangeCommandVersions)
def _encode_exchange_command_versions(frame: ExchangeCommandVersions) -> bytes:
    header = request_header(Key.EXCHANGE_COMMAND_VERSIONS, frame.correlation_id)
    return header + pack_command_versions(frame.commands)


@decodes(Key.EXCHANGE_COMMAND_VERSIONS)
def _decode_exchange_command_versions(reader: WireReader) -> Frame:
    return ExchangeCommandVersions(
        correlation_id=reader.u32(), commands=read_command_versions(reader)
    )


@encodes(StreamStats)
def _encode_stream_stats(frame: StreamStats) -> bytes:
    return request_header(Key.STREAM_STATS, frame.correlation_id) + pack_string(frame.stream)


@decodes(Key.STREAM_STATS)
def _decode_stream_stats(reader: WireReader) -> Frame:
    return StreamStats(correlation_id=reader.u32(), stream=reader.string())


@encodes(CreateSuperStream)
def _encode_create_super_stream(frame: CreateSuperStream) -> bytes:
    return b"".join(
        (
            request_header(Key.CREATE_SUPER_STREAM, frame.correlation_id),
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


@encodes(DeleteSuperStream)
def _encode_delete_super_stream(frame: DeleteSuperStream) -> bytes:
    return request_header(Key.DELETE_SUPER_STREAM, frame.correlation_id) + pack_string(frame.name)


@decodes(Key.DELETE_SUPER_STREAM)
def _decode_delete_super_stream(reader: WireReader) -> Frame:
    return DeleteSuperStream(correlation_id=reader.u32(), name=reader.string())


@encodes(ResolveOffsetSpec)
def _encode_resolve_offset_spec(frame: ResolveOffsetSpec) -> bytes:
    return b"".join(
        (
            request_header(Key.RESOLVE_OFFSET_SPEC, frame.correlation_id),
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
