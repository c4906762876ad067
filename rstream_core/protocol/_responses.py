"""Responses: one frozen dataclass per frame, each followed by its codec.

A response carries a correlation id and a response code; it goes from server to client,
except ConsumerUpdateResponse (the client's answer to ConsumerUpdate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rstream_core.errors import ProtocolError
from rstream_core.protocol._frame_checks import (
    ALL_OFFSET_TYPES,
    I64_MAX,
    I64_MIN,
    NO_LEADER,
    check_bytes,
    check_offset_spec,
    check_range,
    check_response,
    check_string,
    check_string_map,
    check_strings,
    check_uint,
)
from rstream_core.protocol._registry import (
    REQUEST_HEADER,
    Decoder,
    decodes,
    encodes,
    pack_offset_spec,
    read_offset_spec,
    read_optional_string_map,
    response_header,
)
from rstream_core.protocol._requests import (
    CommandVersion,
    pack_command_versions,
    read_command_versions,
)
from rstream_core.protocol.constants import RESPONSE_BIT, Key
from rstream_core.protocol.wire import (
    I16,
    I32,
    U16,
    U32,
    U64,
    WireReader,
    pack_int64_map,
    pack_string,
    pack_string_map,
    pack_strings,
)

if TYPE_CHECKING:
    from rstream_core.protocol.frames import Frame

# Commands whose response is only a correlation id and a code.
GENERIC_RESPONSE_KEYS = frozenset(
    {
        Key.DECLARE_PUBLISHER,
        Key.DELETE_PUBLISHER,
        Key.SUBSCRIBE,
        Key.UNSUBSCRIBE,
        Key.CREATE_STREAM,
        Key.DELETE_STREAM,
        Key.CLOSE,
        Key.CREATE_SUPER_STREAM,
        Key.DELETE_SUPER_STREAM,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """The response of a command that answers with a code only.

    `key` is the command key *without* the response bit (e.g. Key.SUBSCRIBE).
    """

    key: int
    correlation_id: int
    code: int

    def __post_init__(self) -> None:
        if self.key not in GENERIC_RESPONSE_KEYS:
            names = ", ".join(sorted(Key(key).name for key in GENERIC_RESPONSE_KEYS))
            raise ValueError(f"key {self.key!r} has no code-only response; one of: {names}")
        check_response(self.correlation_id, self.code)


@encodes(Response)
def _encode_response(frame: Response) -> bytes:
    return response_header(Key(frame.key), frame.correlation_id, frame.code)


def _generic_response_decoder(key: Key) -> Decoder:
    def decode(reader: WireReader) -> Frame:
        return Response(key=key, correlation_id=reader.u32(), code=reader.u16())

    return decode


for _key in sorted(GENERIC_RESPONSE_KEYS):
    decodes(_key | RESPONSE_BIT)(_generic_response_decoder(_key))


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryPublisherSequenceResponse:
    correlation_id: int
    code: int
    sequence: int

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_uint("sequence", self.sequence, 64)


@encodes(QueryPublisherSequenceResponse)
def _encode_query_publisher_sequence_response(frame: QueryPublisherSequenceResponse) -> bytes:
    header = response_header(Key.QUERY_PUBLISHER_SEQUENCE, frame.correlation_id, frame.code)
    return header + U64.pack(frame.sequence)


@decodes(Key.QUERY_PUBLISHER_SEQUENCE | RESPONSE_BIT)
def _decode_query_publisher_sequence_response(reader: WireReader) -> Frame:
    return QueryPublisherSequenceResponse(
        correlation_id=reader.u32(), code=reader.u16(), sequence=reader.u64()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryOffsetResponse:
    correlation_id: int
    code: int
    offset: int

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_uint("offset", self.offset, 64)


@encodes(QueryOffsetResponse)
def _encode_query_offset_response(frame: QueryOffsetResponse) -> bytes:
    header = response_header(Key.QUERY_OFFSET, frame.correlation_id, frame.code)
    return header + U64.pack(frame.offset)


@decodes(Key.QUERY_OFFSET | RESPONSE_BIT)
def _decode_query_offset_response(reader: WireReader) -> Frame:
    return QueryOffsetResponse(correlation_id=reader.u32(), code=reader.u16(), offset=reader.u64())


@dataclass(frozen=True, slots=True, kw_only=True)
class Broker:
    reference: int
    host: str
    port: int

    def __post_init__(self) -> None:
        check_uint("reference", self.reference, 16)
        check_string("host", self.host)
        check_uint("port", self.port, 32)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamMetadata:
    """`leader` and `replicas` are Broker references; `leader` is None when there is none."""

    stream: str
    code: int
    leader: int | None
    replicas: tuple[int, ...]

    def __post_init__(self) -> None:
        check_string("stream", self.stream)
        check_uint("code", self.code, 16)
        if self.leader is not None:
            check_range("leader", self.leader, 0, NO_LEADER - 1)
        for replica in self.replicas:
            check_uint("replica", replica, 16)


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataResponse:
    """There is no top-level code on the wire: `code` is always 1 (OK)."""

    correlation_id: int
    code: int = 1
    brokers: tuple[Broker, ...]
    streams: tuple[StreamMetadata, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        if self.code != 1:
            raise ValueError("a Metadata response has no code on the wire: code must be 1")


def _pack_broker(broker: Broker) -> bytes:
    return U16.pack(broker.reference) + pack_string(broker.host) + U32.pack(broker.port)


def _pack_stream_metadata(stream: StreamMetadata) -> bytes:
    leader = NO_LEADER if stream.leader is None else stream.leader
    replicas = [U16.pack(replica) for replica in stream.replicas]
    return b"".join(
        (
            pack_string(stream.stream),
            U16.pack(stream.code),
            U16.pack(leader),
            I32.pack(len(replicas)),
            *replicas,
        )
    )


@encodes(MetadataResponse)
def _encode_metadata_response(frame: MetadataResponse) -> bytes:
    # No response code here: the list of brokers follows the correlation id.
    brokers = [_pack_broker(broker) for broker in frame.brokers]
    streams = [_pack_stream_metadata(stream) for stream in frame.streams]
    return b"".join(
        (
            REQUEST_HEADER.pack(Key.METADATA | RESPONSE_BIT, 1, frame.correlation_id),
            I32.pack(len(brokers)),
            *brokers,
            I32.pack(len(streams)),
            *streams,
        )
    )


def _read_broker(reader: WireReader) -> Broker:
    return Broker(reference=reader.u16(), host=reader.string(), port=reader.u32())


def _read_stream_metadata(reader: WireReader) -> StreamMetadata:
    stream = reader.string()
    code = reader.u16()
    leader = reader.u16()
    replicas = tuple([reader.u16() for _ in range(reader.count(2))])
    return StreamMetadata(
        stream=stream,
        code=code,
        leader=None if leader == NO_LEADER else leader,
        replicas=replicas,
    )


@decodes(Key.METADATA | RESPONSE_BIT)
def _decode_metadata_response(reader: WireReader) -> Frame:
    correlation_id = reader.u32()
    brokers = tuple([_read_broker(reader) for _ in range(reader.count(8))])
    streams = tuple([_read_stream_metadata(reader) for _ in range(reader.count(10))])
    return MetadataResponse(correlation_id=correlation_id, brokers=brokers, streams=streams)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerPropertiesResponse:
    correlation_id: int
    code: int
    properties: dict[str, str]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_string_map("properties", self.properties)


@encodes(PeerPropertiesResponse)
def _encode_peer_properties_response(frame: PeerPropertiesResponse) -> bytes:
    header = response_header(Key.PEER_PROPERTIES, frame.correlation_id, frame.code)
    return header + pack_string_map(frame.properties)


@decodes(Key.PEER_PROPERTIES | RESPONSE_BIT)
def _decode_peer_properties_response(reader: WireReader) -> Frame:
    return PeerPropertiesResponse(
        correlation_id=reader.u32(), code=reader.u16(), properties=reader.string_map()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslHandshakeResponse:
    correlation_id: int
    code: int
    mechanisms: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("mechanism", self.mechanisms)


@encodes(SaslHandshakeResponse)
def _encode_sasl_handshake_response(frame: SaslHandshakeResponse) -> bytes:
    header = response_header(Key.SASL_HANDSHAKE, frame.correlation_id, frame.code)
    return header + pack_strings(frame.mechanisms)


@decodes(Key.SASL_HANDSHAKE | RESPONSE_BIT)
def _decode_sasl_handshake_response(reader: WireReader) -> Frame:
    return SaslHandshakeResponse(
        correlation_id=reader.u32(), code=reader.u16(), mechanisms=reader.strings()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslAuthenticateResponse:
    """`challenge` is None when the server sent none (the usual case)."""

    correlation_id: int
    code: int
    challenge: bytes | None = None

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_bytes("challenge", self.challenge, 0x7FFFFFFF)


@encodes(SaslAuthenticateResponse)
def _encode_sasl_authenticate_response(frame: SaslAuthenticateResponse) -> bytes:
    header = response_header(Key.SASL_AUTHENTICATE, frame.correlation_id, frame.code)
    if frame.challenge is None:
        return header
    return header + I32.pack(len(frame.challenge)) + frame.challenge


def _read_challenge(reader: WireReader) -> bytes | None:
    """The spec says i32 length but the server writes an i16 one: accept both (docs/protocol.md §8).

    The two cannot be confused: an i16 length N read as an i32 gives at least N << 16.
    """
    data = reader.rest()
    if not data:
        return None
    if len(data) >= I32.size and I32.unpack_from(data)[0] == len(data) - I32.size:
        return data[I32.size :]
    if len(data) >= I16.size and I16.unpack_from(data)[0] == len(data) - I16.size:
        return data[I16.size :]
    raise ProtocolError(f"a challenge of {len(data)} bytes has neither an i32 nor an i16 length")


@decodes(Key.SASL_AUTHENTICATE | RESPONSE_BIT)
def _decode_sasl_authenticate_response(reader: WireReader) -> Frame:
    return SaslAuthenticateResponse(
        correlation_id=reader.u32(), code=reader.u16(), challenge=_read_challenge(reader)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenResponse:
    """On success the properties hold `advertised_host` and `advertised_port` (a string)."""

    correlation_id: int
    code: int
    properties: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_string_map("properties", self.properties)


@encodes(OpenResponse)
def _encode_open_response(frame: OpenResponse) -> bytes:
    # The server leaves the map out entirely when it is empty (e.g. on error).
    header = response_header(Key.OPEN, frame.correlation_id, frame.code)
    return header + pack_string_map(frame.properties) if frame.properties else header


@decodes(Key.OPEN | RESPONSE_BIT)
def _decode_open_response(reader: WireReader) -> Frame:
    return OpenResponse(
        correlation_id=reader.u32(),
        code=reader.u16(),
        properties=read_optional_string_map(reader),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteResponse:
    correlation_id: int
    code: int
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("stream", self.streams)


@encodes(RouteResponse)
def _encode_route_response(frame: RouteResponse) -> bytes:
    header = response_header(Key.ROUTE, frame.correlation_id, frame.code)
    return header + pack_strings(frame.streams)


@decodes(Key.ROUTE | RESPONSE_BIT)
def _decode_route_response(reader: WireReader) -> Frame:
    return RouteResponse(correlation_id=reader.u32(), code=reader.u16(), streams=reader.strings())


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionsResponse:
    correlation_id: int
    code: int
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("stream", self.streams)


@encodes(PartitionsResponse)
def _encode_partitions_response(frame: PartitionsResponse) -> bytes:
    header = response_header(Key.PARTITIONS, frame.correlation_id, frame.code)
    return header + pack_strings(frame.streams)


@decodes(Key.PARTITIONS | RESPONSE_BIT)
def _decode_partitions_response(reader: WireReader) -> Frame:
    return PartitionsResponse(
        correlation_id=reader.u32(), code=reader.u16(), streams=reader.strings()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerUpdateResponse:
    """The client's answer to ConsumerUpdate; OffsetType.NONE keeps the Subscribe spec."""

    correlation_id: int
    code: int
    offset_type: int
    offset: int | None = None

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_offset_spec(self.offset_type, self.offset, ALL_OFFSET_TYPES)


@encodes(ConsumerUpdateResponse)
def _encode_consumer_update_response(frame: ConsumerUpdateResponse) -> bytes:
    header = response_header(Key.CONSUMER_UPDATE, frame.correlation_id, frame.code)
    return header + pack_offset_spec(frame.offset_type, frame.offset)


@decodes(Key.CONSUMER_UPDATE | RESPONSE_BIT)
def _decode_consumer_update_response(reader: WireReader) -> Frame:
    correlation_id = reader.u32()
    code = reader.u16()
    offset_type, offset = read_offset_spec(reader)
    return ConsumerUpdateResponse(
        correlation_id=correlation_id, code=code, offset_type=offset_type, offset=offset
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeCommandVersionsResponse:
    correlation_id: int
    code: int
    commands: tuple[CommandVersion, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)


@encodes(ExchangeCommandVersionsResponse)
def _encode_exchange_command_versions_response(frame: ExchangeCommandVersionsResponse) -> bytes:
    header = response_header(Key.EXCHANGE_COMMAND_VERSIONS, frame.correlation_id, frame.code)
    return header + pack_command_versions(frame.commands)


@decodes(Key.EXCHANGE_COMMAND_VERSIONS | RESPONSE_BIT)
def _decode_exchange_command_versions_response(reader: WireReader) -> Frame:
    return ExchangeCommandVersionsResponse(
        correlation_id=reader.u32(), code=reader.u16(), commands=read_command_versions(reader)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStatsResponse:
    """E.g. first_chunk_id, committed_chunk_id, last_chunk_id; -1 means an empty stream."""

    correlation_id: int
    code: int
    stats: dict[str, int]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        for name, value in self.stats.items():
            check_string("stat name", name)
            check_range(name, value, I64_MIN, I64_MAX)


@encodes(StreamStatsResponse)
def _encode_stream_stats_response(frame: StreamStatsResponse) -> bytes:
    header = response_header(Key.STREAM_STATS, frame.correlation_id, frame.code)
    return header + pack_int64_map(frame.stats)


@decodes(Key.STREAM_STATS | RESPONSE_BIT)
def _decode_stream_stats_response(reader: WireReader) -> Frame:
    return StreamStatsResponse(
        correlation_id=reader.u32(), code=reader.u16(), stats=reader.int64_map()
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveOffsetSpecResponse:
    """The server always answers OffsetType.OFFSET and the id of the chunk holding it."""

    correlation_id: int
    code: int
    offset_type: int
    offset: int

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_uint("offset_type", self.offset_type, 16)
        check_uint("offset", self.offset, 64)


@encodes(ResolveOffsetSpecResponse)
def _encode_resolve_offset_spec_response(frame: ResolveOffsetSpecResponse) -> bytes:
    header = response_header(Key.RESOLVE_OFFSET_SPEC, frame.correlation_id, frame.code)
    return header + U16.pack(frame.offset_type) + U64.pack(frame.offset)


@decodes(Key.RESOLVE_OFFSET_SPEC | RESPONSE_BIT)
def _decode_resolve_offset_spec_response(reader: WireReader) -> Frame:
    return ResolveOffsetSpecResponse(
        correlation_id=reader.u32(),
        code=reader.u16(),
        offset_type=reader.u16(),
        offset=reader.u64(),
    )
