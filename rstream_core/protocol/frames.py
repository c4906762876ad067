"""One frozen, slotted, keyword-only dataclass per frame of the stream protocol.

Field names follow docs/protocol.md section 2. Constructors check what is cheap to check (integer
ranges, string lengths, offset specs) and raise ValueError, so a frame that exists can be
encoded. Shapes:

* requests carry `correlation_id`;
* responses carry `correlation_id` and `code`;
* one-way frames (Tune, Heartbeat, Publish, PublishConfirm, PublishError, Deliver, Credit,
  CreditResponse, StoreOffset, MetadataUpdate) carry neither.

Close and ConsumerUpdate are requests the server may send too. A request's `correlation_id`
defaults to 0: `Connection.request` writes the id it allocates (`codec.encode_request`).

Each class lives beside its codec in `_requests`, `_responses` or `_one_way` (importing this
module registers every codec); import the classes from here.
"""

from __future__ import annotations

from typing import TypeAlias, get_args

from rstream_core.protocol._frame_checks import MAX_ENTRY_SIZE, NO_LEADER
from rstream_core.protocol._one_way import (
    Credit,
    CreditResponse,
    Deliver,
    FilteredEntry,
    Heartbeat,
    MetadataUpdate,
    Publish,
    PublishConfirm,
    PublishEntry,
    PublishError,
    PublishV2,
    StoreOffset,
    SubEntryBatch,
    Tune,
)
from rstream_core.protocol._requests import (
    Close,
    CommandVersion,
    ConsumerUpdate,
    CreateStream,
    CreateSuperStream,
    DeclarePublisher,
    DeletePublisher,
    DeleteStream,
    DeleteSuperStream,
    ExchangeCommandVersions,
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
from rstream_core.protocol._responses import (
    GENERIC_RESPONSE_KEYS,
    Broker,
    ConsumerUpdateResponse,
    ExchangeCommandVersionsResponse,
    MetadataResponse,
    OpenResponse,
    PartitionsResponse,
    PeerPropertiesResponse,
    QueryOffsetResponse,
    QueryPublisherSequenceResponse,
    ResolveOffsetSpecResponse,
    Response,
    RouteResponse,
    SaslAuthenticateResponse,
    SaslHandshakeResponse,
    StreamMetadata,
    StreamStatsResponse,
)

__all__ = [
    "GENERIC_RESPONSE_KEYS",
    "MAX_ENTRY_SIZE",
    "NO_LEADER",
    "ONE_WAY_FRAMES",
    "REQUEST_FRAMES",
    "RESPONSE_FRAMES",
    "Broker",
    "Close",
    "CommandVersion",
    "ConsumerUpdate",
    "ConsumerUpdateResponse",
    "CreateStream",
    "CreateSuperStream",
    "Credit",
    "CreditResponse",
    "DeclarePublisher",
    "DeletePublisher",
    "DeleteStream",
    "DeleteSuperStream",
    "Deliver",
    "ExchangeCommandVersions",
    "ExchangeCommandVersionsResponse",
    "FilteredEntry",
    "Frame",
    "Heartbeat",
    "Metadata",
    "MetadataResponse",
    "MetadataUpdate",
    "OneWayFrame",
    "Open",
    "OpenResponse",
    "Partitions",
    "PartitionsResponse",
    "PeerProperties",
    "PeerPropertiesResponse",
    "Publish",
    "PublishConfirm",
    "PublishEntry",
    "PublishError",
    "PublishV2",
    "QueryOffset",
    "QueryOffsetResponse",
    "QueryPublisherSequence",
    "QueryPublisherSequenceResponse",
    "RequestFrame",
    "ResolveOffsetSpec",
    "ResolveOffsetSpecResponse",
    "Response",
    "ResponseFrame",
    "Route",
    "RouteResponse",
    "SaslAuthenticate",
    "SaslAuthenticateResponse",
    "SaslHandshake",
    "SaslHandshakeResponse",
    "StoreOffset",
    "StreamMetadata",
    "StreamStats",
    "StreamStatsResponse",
    "SubEntryBatch",
    "Subscribe",
    "Tune",
    "Unsubscribe",
]

RequestFrame: TypeAlias = (
    DeclarePublisher
    | QueryPublisherSequence
    | DeletePublisher
    | Subscribe
    | QueryOffset
    | Unsubscribe
    | CreateStream
    | DeleteStream
    | Metadata
    | PeerProperties
    | SaslHandshake
    | SaslAuthenticate
    | Open
    | Close
    | Route
    | Partitions
    | ConsumerUpdate
    | ExchangeCommandVersions
    | StreamStats
    | CreateSuperStream
    | DeleteSuperStream
    | ResolveOffsetSpec
)

ResponseFrame: TypeAlias = (
    Response
    | QueryPublisherSequenceResponse
    | QueryOffsetResponse
    | MetadataResponse
    | PeerPropertiesResponse
    | SaslHandshakeResponse
    | SaslAuthenticateResponse
    | OpenResponse
    | RouteResponse
    | PartitionsResponse
    | ConsumerUpdateResponse
    | ExchangeCommandVersionsResponse
    | StreamStatsResponse
    | ResolveOffsetSpecResponse
)

OneWayFrame: TypeAlias = (
    Tune
    | Heartbeat
    | Publish
    | PublishV2
    | PublishConfirm
    | PublishError
    | Deliver
    | Credit
    | CreditResponse
    | StoreOffset
    | MetadataUpdate
)

Frame: TypeAlias = RequestFrame | ResponseFrame | OneWayFrame

# For isinstance() checks: the same three groups as tuples of classes.
REQUEST_FRAMES: tuple[type[RequestFrame], ...] = get_args(RequestFrame)
RESPONSE_FRAMES: tuple[type[ResponseFrame], ...] = get_args(ResponseFrame)
ONE_WAY_FRAMES: tuple[type[OneWayFrame], ...] = get_args(OneWayFrame)
