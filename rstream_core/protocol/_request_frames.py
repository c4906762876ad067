"""Request frames: they carry a correlation id (client to server unless noted)."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarePublisher:
    correlation_id: int
    publisher_id: int
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("publisher_id", self.publisher_id, 8)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryPublisherSequence:
    correlation_id: int
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletePublisher:
    correlation_id: int
    publisher_id: int

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("publisher_id", self.publisher_id, 8)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscribe:
    """`offset` is given only for OffsetType.OFFSET (u64) and TIMESTAMP (signed ms)."""

    correlation_id: int
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


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryOffset:
    correlation_id: int
    reference: str
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("reference", self.reference)
        check_string("stream", self.stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsubscribe:
    correlation_id: int
    subscription_id: int

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("subscription_id", self.subscription_id, 8)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateStream:
    correlation_id: int
    stream: str
    arguments: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)
        check_string_map("arguments", self.arguments)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteStream:
    correlation_id: int
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    correlation_id: int
    streams: tuple[str, ...]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_strings("stream", self.streams)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerProperties:
    correlation_id: int
    properties: dict[str, str]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string_map("properties", self.properties)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslHandshake:
    correlation_id: int

    def __post_init__(self) -> None:
        check_request(self.correlation_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class SaslAuthenticate:
    """`data` None is sent as length -1 (null). It may hold a password: never in the repr."""

    correlation_id: int
    mechanism: str
    data: bytes | None = field(repr=False)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("mechanism", self.mechanism)
        check_bytes("data", self.data, 0x7FFFFFFF)


@dataclass(frozen=True, slots=True, kw_only=True)
class Open:
    correlation_id: int
    virtual_host: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("virtual_host", self.virtual_host)


@dataclass(frozen=True, slots=True, kw_only=True)
class Close:
    """Sent by either side; the answer is a `Response(key=Key.CLOSE, ...)`."""

    correlation_id: int
    code: int
    reason: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("code", self.code, 16)
        check_string("reason", self.reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    correlation_id: int
    routing_key: str
    super_stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("routing_key", self.routing_key)
        check_string("super_stream", self.super_stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class Partitions:
    correlation_id: int
    super_stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("super_stream", self.super_stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerUpdate:
    """A request from the server: answer it with a `ConsumerUpdateResponse`."""

    correlation_id: int
    subscription_id: int
    active: bool

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_uint("subscription_id", self.subscription_id, 8)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandVersion:
    key: int
    min_version: int
    max_version: int

    def __post_init__(self) -> None:
        check_uint("key", self.key, 16)
        check_uint("min_version", self.min_version, 16)
        check_uint("max_version", self.max_version, 16)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeCommandVersions:
    correlation_id: int
    commands: tuple[CommandVersion, ...]

    def __post_init__(self) -> None:
        check_request(self.correlation_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStats:
    correlation_id: int
    stream: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateSuperStream:
    correlation_id: int
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


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteSuperStream:
    correlation_id: int
    name: str

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("name", self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolveOffsetSpec:
    """`offset` is given only for OffsetType.OFFSET (u64) and TIMESTAMP (signed ms)."""

    correlation_id: int
    stream: str
    offset_type: int
    offset: int | None = None
    properties: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_request(self.correlation_id)
        check_string("stream", self.stream)
        check_offset_spec(self.offset_type, self.offset, SUBSCRIBE_OFFSET_TYPES)
        check_string_map("properties", self.properties)
