"""Numbers of the stream protocol: command keys, response codes, offset types, compressions."""

from __future__ import annotations

from enum import IntEnum


class Key(IntEnum):
    """Command keys (the low 15 bits of a frame's key field)."""

    DECLARE_PUBLISHER = 0x01
    PUBLISH = 0x02
    PUBLISH_CONFIRM = 0x03
    PUBLISH_ERROR = 0x04
    QUERY_PUBLISHER_SEQUENCE = 0x05
    DELETE_PUBLISHER = 0x06
    SUBSCRIBE = 0x07
    DELIVER = 0x08
    CREDIT = 0x09
    STORE_OFFSET = 0x0A
    QUERY_OFFSET = 0x0B
    UNSUBSCRIBE = 0x0C
    CREATE_STREAM = 0x0D
    DELETE_STREAM = 0x0E
    METADATA = 0x0F
    METADATA_UPDATE = 0x10
    PEER_PROPERTIES = 0x11
    SASL_HANDSHAKE = 0x12
    SASL_AUTHENTICATE = 0x13
    TUNE = 0x14
    OPEN = 0x15
    CLOSE = 0x16
    HEARTBEAT = 0x17
    ROUTE = 0x18
    PARTITIONS = 0x19
    CONSUMER_UPDATE = 0x1A
    EXCHANGE_COMMAND_VERSIONS = 0x1B
    STREAM_STATS = 0x1C
    CREATE_SUPER_STREAM = 0x1D
    DELETE_SUPER_STREAM = 0x1E
    RESOLVE_OFFSET_SPEC = 0x1F


# Set on the key of every response (and of the client's Tune answer).
RESPONSE_BIT = 0x8000


class Code(IntEnum):
    """Response codes."""

    OK = 1
    STREAM_DOES_NOT_EXIST = 2
    SUBSCRIPTION_ID_ALREADY_EXISTS = 3
    SUBSCRIPTION_ID_DOES_NOT_EXIST = 4
    STREAM_ALREADY_EXISTS = 5
    STREAM_NOT_AVAILABLE = 6
    SASL_MECHANISM_NOT_SUPPORTED = 7
    AUTHENTICATION_FAILURE = 8
    SASL_ERROR = 9
    SASL_CHALLENGE = 10
    SASL_AUTHENTICATION_FAILURE_LOOPBACK = 11
    VIRTUAL_HOST_ACCESS_FAILURE = 12
    UNKNOWN_FRAME = 13
    FRAME_TOO_LARGE = 14
    INTERNAL_ERROR = 15
    ACCESS_REFUSED = 16
    PRECONDITION_FAILED = 17
    PUBLISHER_DOES_NOT_EXIST = 18
    NO_OFFSET = 19
    SASL_CANNOT_CHANGE_MECHANISM = 20
    SASL_CANNOT_CHANGE_USERNAME = 21


class OffsetType(IntEnum):
    """Where a subscription starts. NONE is only valid in a ConsumerUpdate response."""

    NONE = 0
    FIRST = 1
    LAST = 2
    NEXT = 3
    OFFSET = 4
    TIMESTAMP = 5


# The offset types followed by an 8-byte value on the wire (u64 offset, i64 timestamp).
OFFSET_TYPES_WITH_VALUE = frozenset({OffsetType.OFFSET, OffsetType.TIMESTAMP})


class CompressionId(IntEnum):
    """Compression of a sub-entry batch (3 bits on the wire)."""

    NONE = 0
    GZIP = 1
    SNAPPY = 2
    LZ4 = 3
    ZSTD = 4


class ChunkType(IntEnum):
    """Kind of an osiris chunk; subscriptions normally only see USER chunks."""

    USER = 0
    TRACKING_DELTA = 1
    TRACKING_SNAPSHOT = 2


DEFAULT_FRAME_MAX = 1048576
DEFAULT_HEARTBEAT = 60
# Servers from 4.3.5 on drop the socket for any frame above this size before Open succeeds,
# and the Java client caps inbound frames at the same value until then.
PRE_OPEN_FRAME_MAX = 8192
# After Open, Deliver frames carry whole chunks whatever frame_max says, so the negotiated
# frame_max cannot bound them; this does (a peer announcing more is dropped with a
# ProtocolError before anything is buffered for it). Chunks are far smaller in practice.
MAX_INBOUND_FRAME = 256 * 1024 * 1024

# A protocol string has an i16 length, and the server refuses -1 in requests.
MAX_STRING_BYTES = 0x7FFF
# The server reads Credit as a signed 16-bit number: anything above this turns negative.
MAX_CREDIT = 0x7FFF
