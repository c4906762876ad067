"""Hypothesis strategies: one per frame class of rstream_core.protocol.frames."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rstream_core.protocol import frames as f
from rstream_core.protocol.constants import OffsetType

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, (1 << 64) - 1)
i64 = st.integers(-(1 << 63), (1 << 63) - 1)
text = st.text(max_size=12)
texts = st.lists(text, max_size=4).map(tuple)
string_map = st.dictionaries(text, text, max_size=4)
small_bytes = st.binary(max_size=40)


def offset_specs(types: list[OffsetType]) -> st.SearchStrategy[tuple[int, int | None]]:
    def value_for(offset_type: OffsetType) -> st.SearchStrategy[tuple[int, int | None]]:
        if offset_type == OffsetType.OFFSET:
            return u64.map(lambda offset: (offset_type, offset))
        if offset_type == OffsetType.TIMESTAMP:
            return i64.map(lambda timestamp: (offset_type, timestamp))
        return st.just((offset_type, None))

    return st.sampled_from(types).flatmap(value_for)


SUBSCRIBE_TYPES = [t for t in OffsetType if t != OffsetType.NONE]


def _with_offset_spec(
    builder: Any, types: list[OffsetType], **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return offset_specs(types).flatmap(
        lambda spec: st.builds(
            builder, offset_type=st.just(spec[0]), offset=st.just(spec[1]), **fields
        )
    )


command_versions = st.lists(
    st.builds(f.CommandVersion, key=u16, min_version=u16, max_version=u16), max_size=4
).map(tuple)

super_stream = st.integers(0, 3).flatmap(
    lambda n: st.builds(
        f.CreateSuperStream,
        correlation_id=u32,
        name=text,
        partitions=st.lists(text, min_size=n, max_size=n).map(tuple),
        binding_keys=st.lists(text, min_size=n, max_size=n).map(tuple),
        arguments=string_map,
    )
)

publish_entry = st.builds(f.PublishEntry, publishing_id=u64, data=small_bytes)
sub_entry_batch = st.builds(
    f.SubEntryBatch,
    publishing_id=u64,
    compression=st.integers(0, 7),
    record_count=u16,
    uncompressed_size=u32,
    data=small_bytes,
)
filtered_entry = st.builds(
    f.FilteredEntry, publishing_id=u64, filter_value=st.none() | text, data=small_bytes
)

stream_metadata = st.builds(
    f.StreamMetadata,
    stream=text,
    code=u16,
    leader=st.none() | st.integers(0, 0xFFFE),
    replicas=st.lists(u16, max_size=3).map(tuple),
)

FRAME_STRATEGIES: dict[type[Any], st.SearchStrategy[Any]] = {
    # requests
    f.DeclarePublisher: st.builds(
        f.DeclarePublisher, correlation_id=u32, publisher_id=u8, reference=text, stream=text
    ),
    f.QueryPublisherSequence: st.builds(
        f.QueryPublisherSequence, correlation_id=u32, reference=text, stream=text
    ),
    f.DeletePublisher: st.builds(f.DeletePublisher, correlation_id=u32, publisher_id=u8),
    f.Subscribe: _with_offset_spec(
        f.Subscribe,
        SUBSCRIBE_TYPES,
        correlation_id=u32,
        subscription_id=u8,
        stream=text,
        credit=u16,
        properties=string_map,
    ),
    f.QueryOffset: st.builds(f.QueryOffset, correlation_id=u32, reference=text, stream=text),
    f.Unsubscribe: st.builds(f.Unsubscribe, correlation_id=u32, subscription_id=u8),
    f.CreateStream: st.builds(
        f.CreateStream, correlation_id=u32, stream=text, arguments=string_map
    ),
    f.DeleteStream: st.builds(f.DeleteStream, correlation_id=u32, stream=text),
    f.Metadata: st.builds(f.Metadata, correlation_id=u32, streams=texts),
    f.PeerProperties: st.builds(f.PeerProperties, correlation_id=u32, properties=string_map),
    f.SaslHandshake: st.builds(f.SaslHandshake, correlation_id=u32),
    f.SaslAuthenticate: st.builds(
        f.SaslAuthenticate, correlation_id=u32, mechanism=text, data=st.none() | small_bytes
    ),
    f.Open: st.builds(f.Open, correlation_id=u32, virtual_host=text),
    f.Close: st.builds(f.Close, correlation_id=u32, code=u16, reason=text),
    f.Route: st.builds(f.Route, correlation_id=u32, routing_key=text, super_stream=text),
    f.Partitions: st.builds(f.Partitions, correlation_id=u32, super_stream=text),
    f.ConsumerUpdate: st.builds(
        f.ConsumerUpdate, correlation_id=u32, subscription_id=u8, active=st.booleans()
    ),
    f.ExchangeCommandVersions: st.builds(
        f.ExchangeCommandVersions, correlation_id=u32, commands=command_versions
    ),
    f.StreamStats: st.builds(f.StreamStats, correlation_id=u32, stream=text),
    f.CreateSuperStream: super_stream,
    f.DeleteSuperStream: st.builds(f.DeleteSuperStream, correlation_id=u32, name=text),
    f.ResolveOffsetSpec: _with_offset_spec(
        f.ResolveOffsetSpec,
        SUBSCRIBE_TYPES,
        correlation_id=u32,
        stream=text,
        properties=string_map,
    ),
    # responses
    f.Response: st.builds(
        f.Response,
        key=st.sampled_from(sorted(f.GENERIC_RESPONSE_KEYS)),
        correlation_id=u32,
        code=u16,
    ),
    f.QueryPublisherSequenceResponse: st.builds(
        f.QueryPublisherSequenceResponse, correlation_id=u32, code=u16, sequence=u64
    ),
    f.QueryOffsetResponse: st.builds(
        f.QueryOffsetResponse, correlation_id=u32, code=u16, offset=u64
    ),
    f.MetadataResponse: st.builds(
        f.MetadataResponse,
        correlation_id=u32,
        brokers=st.lists(st.builds(f.Broker, reference=u16, host=text, port=u32), max_size=3).map(
            tuple
        ),
        streams=st.lists(stream_metadata, max_size=3).map(tuple),
    ),
    f.PeerPropertiesResponse: st.builds(
        f.PeerPropertiesResponse, correlation_id=u32, code=u16, properties=string_map
    ),
    f.SaslHandshakeResponse: st.builds(
        f.SaslHandshakeResponse, correlation_id=u32, code=u16, mechanisms=texts
    ),
    f.SaslAuthenticateResponse: st.builds(
        f.SaslAuthenticateResponse,
        correlation_id=u32,
        code=u16,
        challenge=st.none() | small_bytes,
    ),
    f.OpenResponse: st.builds(f.OpenResponse, correlation_id=u32, code=u16, properties=string_map),
    f.RouteResponse: st.builds(f.RouteResponse, correlation_id=u32, code=u16, streams=texts),
    f.PartitionsResponse: st.builds(
        f.PartitionsResponse, correlation_id=u32, code=u16, streams=texts
    ),
    f.ConsumerUpdateResponse: _with_offset_spec(
        f.ConsumerUpdateResponse, list(OffsetType), correlation_id=u32, code=u16
    ),
    f.ExchangeCommandVersionsResponse: st.builds(
        f.ExchangeCommandVersionsResponse,
        correlation_id=u32,
        code=u16,
        commands=command_versions,
    ),
    f.StreamStatsResponse: st.builds(
        f.StreamStatsResponse,
        correlation_id=u32,
        code=u16,
        stats=st.dictionaries(text, i64, max_size=4),
    ),
    f.ResolveOffsetSpecResponse: st.builds(
        f.ResolveOffsetSpecResponse, correlation_id=u32, code=u16, offset_type=u16, offset=u64
    ),
    # one-way
    f.Tune: st.builds(f.Tune, frame_max=u32, heartbeat=u32, response=st.booleans()),
    f.Heartbeat: st.just(f.Heartbeat()),
    f.Publish: st.builds(
        f.Publish,
        publisher_id=u8,
        entries=st.lists(publish_entry | sub_entry_batch, max_size=4).map(tuple),
    ),
    f.PublishV2: st.builds(
        f.PublishV2, publisher_id=u8, entries=st.lists(filtered_entry, max_size=4).map(tuple)
    ),
    f.PublishConfirm: st.builds(
        f.PublishConfirm, publisher_id=u8, publishing_ids=st.lists(u64, max_size=5).map(tuple)
    ),
    f.PublishError: st.builds(
        f.PublishError,
        publisher_id=u8,
        errors=st.lists(st.tuples(u64, u16), max_size=4).map(tuple),
    ),
    f.Deliver: st.builds(
        f.Deliver, subscription_id=u8, committed_chunk_id=st.none() | u64, chunk=small_bytes
    ),
    f.Credit: st.builds(f.Credit, subscription_id=u8, credit=st.integers(0, 0x7FFF)),
    f.CreditResponse: st.builds(f.CreditResponse, code=u16, subscription_id=u8),
    f.StoreOffset: st.builds(f.StoreOffset, reference=text, stream=text, offset=u64),
    f.MetadataUpdate: st.builds(f.MetadataUpdate, code=u16, stream=text),
}

any_frame = st.one_of(list(FRAME_STRATEGIES.values()))
