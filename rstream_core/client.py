"""Typed requests over one `Connection`: stream administration and per-command calls.

Producers, consumers and super streams talk to the broker only through these methods, so
every request shape and every accepted response code is written down once, here.
"""

from __future__ import annotations

import dataclasses

from rstream_core.arguments import (
    INITIAL_OFFSET_KEY,
    StreamArguments,
    SuperStreamCreationOption,
    arguments_map,
)
from rstream_core.connection import Connection
from rstream_core.errors import (
    OffsetNotFound,
    ServerError,
    StreamDoesNotExist,
    UnsupportedFeatureError,
)
from rstream_core.plugin_api import Address
from rstream_core.protocol.constants import Code, Key, OffsetType
from rstream_core.protocol.frames import (
    CreateStream,
    CreateSuperStream,
    Credit,
    DeclarePublisher,
    DeletePublisher,
    DeleteStream,
    DeleteSuperStream,
    Metadata,
    MetadataResponse,
    Partitions,
    PartitionsResponse,
    QueryOffset,
    QueryOffsetResponse,
    QueryPublisherSequence,
    QueryPublisherSequenceResponse,
    ResolveOffsetSpec,
    ResolveOffsetSpecResponse,
    Response,
    Route,
    RouteResponse,
    StoreOffset,
    StreamStats,
    StreamStatsResponse,
    Subscribe,
    Unsubscribe,
)


@dataclasses.dataclass(frozen=True)
class StreamInfo:
    """Where a stream lives: its leader and replicas as the broker advertises them."""

    stream: str
    code: int
    leader: Address | None
    replicas: tuple[Address, ...]


class Client:
    """Typed requests on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------ streams

    async def create_stream(
        self,
        stream: str,
        arguments: StreamArguments | dict[str, object] | None = None,
        exists_ok: bool = False,
    ) -> None:
        accept = (Code.OK, Code.STREAM_ALREADY_EXISTS) if exists_ok else (Code.OK,)
        mapped = arguments_map(arguments)
        if INITIAL_OFFSET_KEY in mapped and self.connection.server_version < (4, 4):
            # Older brokers ignore unknown arguments: the stream would silently start at 0.
            raise UnsupportedFeatureError(
                "initial_offset (stream-initial-offset) needs RabbitMQ 4.4 or newer; "
                f"this is {'.'.join(map(str, self.connection.server_version))}"
            )
        frame = CreateStream(stream=stream, arguments=mapped)
        await self.connection.request(frame, Response, accept=accept)

    async def delete_stream(self, stream: str, missing_ok: bool = False) -> None:
        accept = (Code.OK, Code.STREAM_DOES_NOT_EXIST) if missing_ok else (Code.OK,)
        await self.connection.request(DeleteStream(stream=stream), Response, accept=accept)

    async def metadata(self, *streams: str) -> dict[str, StreamInfo]:
        response = await self.connection.request(Metadata(streams=tuple(streams)), MetadataResponse)
        brokers = {b.reference: Address(host=b.host, port=b.port) for b in response.brokers}
        result = {}
        for entry in response.streams:
            leader = brokers.get(entry.leader) if entry.leader is not None else None
            replicas = tuple(brokers[r] for r in entry.replicas if r in brokers)
            result[entry.stream] = StreamInfo(entry.stream, entry.code, leader, replicas)
        return result

    async def stream_info(self, stream: str) -> StreamInfo:
        """Metadata of one stream; raises the typed error when it is missing or unavailable."""
        info = (await self.metadata(stream))[stream]
        if info.code != Code.OK:
            raise ServerError.for_code(info.code, stream)
        return info

    async def stream_exists(self, stream: str) -> bool:
        try:
            await self.stream_info(stream)
        except StreamDoesNotExist:
            return False
        return True

    async def stream_stats(self, stream: str) -> dict[str, int]:
        response = await self.connection.request(StreamStats(stream=stream), StreamStatsResponse)
        return dict(response.stats)

    # ------------------------------------------------------------ super streams

    async def create_super_stream(
        self,
        super_stream: str,
        option: SuperStreamCreationOption,
        exists_ok: bool = False,
    ) -> None:
        partitions, keys = option.partitions(super_stream)
        accept = (Code.OK, Code.STREAM_ALREADY_EXISTS) if exists_ok else (Code.OK,)
        frame = CreateSuperStream(
            name=super_stream,
            partitions=tuple(partitions),
            binding_keys=tuple(keys),
            arguments=arguments_map(option.arguments),
        )
        await self.connection.request(frame, Response, accept=accept)

    async def delete_super_stream(self, super_stream: str, missing_ok: bool = False) -> None:
        accept = (Code.OK, Code.STREAM_DOES_NOT_EXIST) if missing_ok else (Code.OK,)
        await self.connection.request(DeleteSuperStream(name=super_stream), Response, accept=accept)

    async def partitions(self, super_stream: str) -> list[str]:
        response = await self.connection.request(
            Partitions(super_stream=super_stream), PartitionsResponse
        )
        return list(response.streams)

    async def route(self, routing_key: str, super_stream: str) -> list[str]:
        response = await self.connection.request(
            Route(routing_key=routing_key, super_stream=super_stream),
            RouteResponse,
        )
        return list(response.streams)

    # ------------------------------------------------------------ publishers

    async def declare_publisher(self, publisher_id: int, reference: str, stream: str) -> None:
        frame = DeclarePublisher(publisher_id=publisher_id, reference=reference, stream=stream)
        await self.connection.request(frame, Response)

    async def delete_publisher(self, publisher_id: int) -> None:
        await self.connection.request(
            DeletePublisher(publisher_id=publisher_id),
            Response,
            accept=(Code.OK, Code.PUBLISHER_DOES_NOT_EXIST),
        )

    async def query_publisher_sequence(self, reference: str, stream: str) -> int:
        response = await self.connection.request(
            QueryPublisherSequence(reference=reference, stream=stream),
            QueryPublisherSequenceResponse,
        )
        return response.sequence

    @property
    def supports_filtering(self) -> bool:
        return self.connection.supports(Key.PUBLISH, 2)

    # ------------------------------------------------------------ consumers

    async def subscribe(
        self,
        subscription_id: int,
        stream: str,
        offset_type: OffsetType,
        offset: int | None,
        credit: int,
        properties: dict[str, str],
    ) -> None:
        frame = Subscribe(
            subscription_id=subscription_id,
            stream=stream,
            offset_type=offset_type,
            offset=offset,
            credit=credit,
            properties=properties,
        )
        await self.connection.request(frame, Response)

    async def unsubscribe(self, subscription_id: int) -> None:
        await self.connection.request(
            Unsubscribe(subscription_id=subscription_id),
            Response,
            accept=(Code.OK, Code.SUBSCRIPTION_ID_DOES_NOT_EXIST),
        )

    def credit(self, subscription_id: int, credit: int) -> None:
        self.connection.send(Credit(subscription_id=subscription_id, credit=credit))

    def store_offset(self, stream: str, reference: str, offset: int) -> None:
        """Fire and forget: the server reports no error (docs/protocol.md gotcha 22)."""
        self.connection.send(StoreOffset(reference=reference, stream=stream, offset=offset))

    async def query_offset(self, stream: str, reference: str) -> int:
        """The stored offset; raises `OffsetNotFound` when nothing was stored."""
        response = await self.connection.request(
            QueryOffset(reference=reference, stream=stream),
            QueryOffsetResponse,
        )
        return response.offset

    async def query_offset_or_none(self, stream: str, reference: str) -> int | None:
        try:
            return await self.query_offset(stream, reference)
        except OffsetNotFound:
            return None

    async def resolve_offset_spec(
        self,
        stream: str,
        offset_type: OffsetType,
        offset: int | None = None,
        properties: dict[str, str] | None = None,
    ) -> int:
        """The offset a spec resolves to (RabbitMQ 4.3+): the id of the chunk holding it."""
        response = await self.connection.request(
            ResolveOffsetSpec(
                stream=stream,
                offset_type=offset_type,
                offset=offset,
                properties=properties or {},
            ),
            ResolveOffsetSpecResponse,
        )
        return response.offset
