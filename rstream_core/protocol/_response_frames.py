"""Response frames: they carry a correlation id and a response code."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from rstream_core.protocol._request_frames import CommandVersion
from rstream_core.protocol.constants import Key

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


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryPublisherSequenceResponse:
    correlation_id: int
    code: int
    sequence: int

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_uint("sequence", self.sequence, 64)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryOffsetResponse:
    correlation_id: int
    code: int
    offset: int

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_uint("offset", self.offset, 64)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerPropertiesResponse:
    correlation_id: int
    code: int
    properties: dict[str, str]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_string_map("properties", self.properties)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslHandshakeResponse:
    correlation_id: int
    code: int
    mechanisms: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("mechanism", self.mechanisms)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslAuthenticateResponse:
    """`challenge` is None when the server sent none (the usual case)."""

    correlation_id: int
    code: int
    challenge: bytes | None = None

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_bytes("challenge", self.challenge, 0x7FFFFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenResponse:
    """On success the properties hold `advertised_host` and `advertised_port` (a string)."""

    correlation_id: int
    code: int
    properties: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_string_map("properties", self.properties)


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteResponse:
    correlation_id: int
    code: int
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("stream", self.streams)


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionsResponse:
    correlation_id: int
    code: int
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)
        check_strings("stream", self.streams)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeCommandVersionsResponse:
    correlation_id: int
    code: int
    commands: tuple[CommandVersion, ...]

    def __post_init__(self) -> None:
        check_response(self.correlation_id, self.code)


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
