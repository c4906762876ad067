"""Byte-exact vectors for every command, checked in both directions.

Vectors marked LIVE are the bytes docs/protocol.md recorded from a 4.3.6 broker; the others are
written by hand from docs/protocol.md section 2.
"""

from __future__ import annotations

import re

import pytest
from wire_hex import wire

from rstream_core.errors import ProtocolError
from rstream_core.protocol import frames as f
from rstream_core.protocol._registry import decodes, encodes
from rstream_core.protocol.codec import decode_frame, encode_frame, supported_commands
from rstream_core.protocol.constants import Key

CHUNK = wire("50 00 0001 00000001") + bytes(40) + wire('00000002 "hi"')

VECTORS: list[tuple[str, f.Frame, str]] = [
    # ---- requests -------------------------------------------------------------------------
    (
        "declare_publisher",
        f.DeclarePublisher(correlation_id=1, publisher_id=7, reference="ref", stream="s"),
        '0001 0001 00000001 07 0003"ref" 0001"s"',
    ),
    (
        "query_publisher_sequence",
        f.QueryPublisherSequence(correlation_id=2, reference="ref", stream="s"),
        '0005 0001 00000002 0003"ref" 0001"s"',
    ),
    (
        "delete_publisher",
        f.DeletePublisher(correlation_id=3, publisher_id=7),
        "0006 0001 00000003 07",
    ),
    (
        "subscribe_first",
        f.Subscribe(correlation_id=4, subscription_id=1, stream="s", offset_type=1, credit=10),
        '0007 0001 00000004 01 0001"s" 0001 000a 00000000',
    ),
    (
        "subscribe_offset_with_properties",
        f.Subscribe(
            correlation_id=4,
            subscription_id=1,
            stream="s",
            offset_type=4,
            offset=42,
            credit=10,
            properties={"name": "x"},
        ),
        '0007 0001 00000004 01 0001"s" 0004 000000000000002a 000a 00000001 0004"name" 0001"x"',
    ),
    (
        "subscribe_timestamp",
        f.Subscribe(
            correlation_id=4, subscription_id=1, stream="s", offset_type=5, offset=-1, credit=1
        ),
        '0007 0001 00000004 01 0001"s" 0005 ffffffffffffffff 0001 00000000',
    ),
    (
        "query_offset",
        f.QueryOffset(correlation_id=5, reference="ref", stream="s"),
        '000b 0001 00000005 0003"ref" 0001"s"',
    ),
    ("unsubscribe", f.Unsubscribe(correlation_id=6, subscription_id=1), "000c 0001 00000006 01"),
    (
        "create_stream",
        f.CreateStream(correlation_id=7, stream="s", arguments={"max-age": "3600s"}),
        '000d 0001 00000007 0001"s" 00000001 0007"max-age" 0005"3600s"',
    ),
    (
        "create_stream_no_arguments",
        f.CreateStream(correlation_id=7, stream="s"),
        '000d 0001 00000007 0001"s" 00000000',
    ),
    ("delete_stream", f.DeleteStream(correlation_id=8, stream="s"), '000e 0001 00000008 0001"s"'),
    (
        "metadata",
        f.Metadata(correlation_id=9, streams=("a", "bc")),
        '000f 0001 00000009 00000002 0001"a" 0002"bc"',
    ),
    (
        "peer_properties",
        f.PeerProperties(correlation_id=1, properties={"product": "rstream"}),
        '0011 0001 00000001 00000001 0007"product" 0007"rstream"',
    ),
    ("sasl_handshake", f.SaslHandshake(correlation_id=2), "0012 0001 00000002"),
    (
        "sasl_authenticate_plain",
        f.SaslAuthenticate(correlation_id=3, mechanism="PLAIN", data=b"\0guest\0guest"),
        '0013 0001 00000003 0005"PLAIN" 0000000c 00"guest"00"guest"',
    ),
    (
        "sasl_authenticate_null",
        f.SaslAuthenticate(correlation_id=3, mechanism="ANONYMOUS", data=None),
        '0013 0001 00000003 0009"ANONYMOUS" ffffffff',
    ),
    ("open", f.Open(correlation_id=4, virtual_host="/"), '0015 0001 00000004 0001"/"'),
    (
        "close",
        f.Close(correlation_id=1, code=13, reason="unknown frame"),
        '0016 0001 00000001 000d 000d"unknown frame"',
    ),
    (
        "route",
        f.Route(correlation_id=5, routing_key="rk", super_stream="ss"),
        '0018 0001 00000005 0002"rk" 0002"ss"',
    ),
    (
        "partitions",
        f.Partitions(correlation_id=6, super_stream="ss"),
        '0019 0001 00000006 0002"ss"',
    ),
    (
        "consumer_update_LIVE",
        f.ConsumerUpdate(correlation_id=0, subscription_id=1, active=True),
        "001a 0001 00000000 01 01",
    ),
    (
        "consumer_update_inactive",
        f.ConsumerUpdate(correlation_id=3, subscription_id=1, active=False),
        "001a 0001 00000003 01 00",
    ),
    (
        "exchange_command_versions",
        f.ExchangeCommandVersions(
            correlation_id=7, commands=(f.CommandVersion(key=8, min_version=1, max_version=2),)
        ),
        "001b 0001 00000007 00000001 0008 0001 0002",
    ),
    ("stream_stats", f.StreamStats(correlation_id=8, stream="s"), '001c 0001 00000008 0001"s"'),
    (
        "create_super_stream",
        f.CreateSuperStream(
            correlation_id=9,
            name="inv",
            partitions=("inv-0", "inv-1"),
            binding_keys=("0", "1"),
        ),
        '001d 0001 00000009 0003"inv" 00000002 0005"inv-0" 0005"inv-1"'
        ' 00000002 0001"0" 0001"1" 00000000',
    ),
    (
        "delete_super_stream",
        f.DeleteSuperStream(correlation_id=10, name="inv"),
        '001e 0001 0000000a 0003"inv"',
    ),
    (
        "resolve_offset_spec",
        f.ResolveOffsetSpec(correlation_id=11, stream="s", offset_type=4, offset=3),
        '001f 0001 0000000b 0001"s" 0004 0000000000000003 00000000',
    ),
    (
        "resolve_offset_spec_next",
        f.ResolveOffsetSpec(
            correlation_id=11, stream="s", offset_type=3, properties={"filter.0": "a"}
        ),
        '001f 0001 0000000b 0001"s" 0003 00000001 0008"filter.0" 0001"a"',
    ),
    # ---- responses ------------------------------------------------------------------------
    (
        "subscribe_response",
        f.Response(key=Key.SUBSCRIBE, correlation_id=4, code=1),
        "8007 0001 00000004 0001",
    ),
    (
        "close_response",
        f.Response(key=Key.CLOSE, correlation_id=1, code=1),
        "8016 0001 00000001 0001",
    ),
    (
        "query_publisher_sequence_response",
        f.QueryPublisherSequenceResponse(correlation_id=2, code=1, sequence=4),
        "8005 0001 00000002 0001 0000000000000004",
    ),
    (
        "query_offset_response_no_offset",
        f.QueryOffsetResponse(correlation_id=5, code=19, offset=0),
        "800b 0001 00000005 0013 0000000000000000",
    ),
    (
        "metadata_response_LIVE",
        f.MetadataResponse(
            correlation_id=0x18,
            brokers=(f.Broker(reference=0, host="localhost", port=5552),),
            streams=(
                f.StreamMetadata(stream="proto-probe-s1", code=1, leader=0, replicas=()),
                f.StreamMetadata(stream="nostream", code=2, leader=None, replicas=()),
            ),
        ),
        '800f 0001 00000018 00000001 0000 0009"localhost" 000015b0 00000002'
        ' 000e"proto-probe-s1" 0001 0000 00000000 0008"nostream" 0002 ffff 00000000',
    ),
    (
        "metadata_response_replicas",
        f.MetadataResponse(
            correlation_id=1,
            brokers=(),
            streams=(f.StreamMetadata(stream="s", code=1, leader=2, replicas=(0, 1)),),
        ),
        '800f 0001 00000001 00000000 00000001 0001"s" 0001 0002 00000002 0000 0001',
    ),
    (
        "peer_properties_response",
        f.PeerPropertiesResponse(correlation_id=1, code=1, properties={"version": "4.3.6"}),
        '8011 0001 00000001 0001 00000001 0007"version" 0005"4.3.6"',
    ),
    (
        "sasl_handshake_response_LIVE",
        f.SaslHandshakeResponse(
            correlation_id=2, code=1, mechanisms=("AMQPLAIN", "ANONYMOUS", "PLAIN")
        ),
        '8012 0001 00000002 0001 00000003 0008"AMQPLAIN" 0009"ANONYMOUS" 0005"PLAIN"',
    ),
    (
        "sasl_authenticate_response",
        f.SaslAuthenticateResponse(correlation_id=3, code=1),
        "8013 0001 00000003 0001",
    ),
    (
        "sasl_authenticate_response_challenge",
        f.SaslAuthenticateResponse(correlation_id=3, code=10, challenge=b"hi"),
        '8013 0001 00000003 000a 00000002"hi"',
    ),
    (
        "open_response_LIVE",
        f.OpenResponse(
            correlation_id=4,
            code=1,
            properties={"advertised_port": "5552", "advertised_host": "localhost"},
        ),
        '8015 0001 00000004 0001 00000002 000f"advertised_port" 0004"5552"'
        ' 000f"advertised_host" 0009"localhost"',
    ),
    (
        "open_response_refused",
        f.OpenResponse(correlation_id=4, code=12),
        "8015 0001 00000004 000c",
    ),
    (
        "route_response",
        f.RouteResponse(correlation_id=5, code=1, streams=("inv-1",)),
        '8018 0001 00000005 0001 00000001 0005"inv-1"',
    ),
    (
        "partitions_response",
        f.PartitionsResponse(correlation_id=6, code=1, streams=("inv-0", "inv-1")),
        '8019 0001 00000006 0001 00000002 0005"inv-0" 0005"inv-1"',
    ),
    (
        "consumer_update_response_none",
        f.ConsumerUpdateResponse(correlation_id=0, code=1, offset_type=0),
        "801a 0001 00000000 0001 0000",
    ),
    (
        "consumer_update_response_offset",
        f.ConsumerUpdateResponse(correlation_id=1, code=1, offset_type=4, offset=6),
        "801a 0001 00000001 0001 0004 0000000000000006",
    ),
    (
        "exchange_command_versions_response",
        f.ExchangeCommandVersionsResponse(
            correlation_id=7,
            code=1,
            commands=(
                f.CommandVersion(key=1, min_version=1, max_version=1),
                f.CommandVersion(key=2, min_version=1, max_version=2),
            ),
        ),
        "801b 0001 00000007 0001 00000002 0001 0001 0001 0002 0001 0002",
    ),
    (
        "stream_stats_response",
        f.StreamStatsResponse(correlation_id=8, code=1, stats={"first_chunk_id": -1}),
        '801c 0001 00000008 0001 00000001 000e"first_chunk_id" ffffffffffffffff',
    ),
    (
        "resolve_offset_spec_response",
        f.ResolveOffsetSpecResponse(correlation_id=11, code=1, offset_type=4, offset=2),
        "801f 0001 0000000b 0001 0004 0000000000000002",
    ),
    # ---- one-way --------------------------------------------------------------------------
    ("tune_from_server", f.Tune(frame_max=1048576, heartbeat=60), "0014 0001 00100000 0000003c"),
    (
        "tune_answer",
        f.Tune(frame_max=1048576, heartbeat=60, response=True),
        "8014 0001 00100000 0000003c",
    ),
    ("heartbeat_LIVE", f.Heartbeat(), "0017 0001"),
    (
        "publish",
        f.Publish(
            publisher_id=5,
            entries=(
                f.PublishEntry(publishing_id=1, data=b"abc"),
                f.PublishEntry(publishing_id=2, data=b""),
            ),
        ),
        '0002 0001 05 00000002 0000000000000001 00000003"abc" 0000000000000002 00000000',
    ),
    (
        "publish_sub_entry_gzip",
        f.Publish(
            publisher_id=5,
            entries=(
                f.SubEntryBatch(
                    publishing_id=10,
                    compression=1,
                    record_count=2,
                    uncompressed_size=10,
                    data=b"xyz",
                ),
            ),
        ),
        '0002 0001 05 00000001 000000000000000a 90 0002 0000000a 00000003"xyz"',
    ),
    (
        "publish_v2",
        f.PublishV2(
            publisher_id=5,
            entries=(
                f.FilteredEntry(publishing_id=1, filter_value="apple", data=b"a"),
                f.FilteredEntry(publishing_id=2, filter_value=None, data=b"b"),
            ),
        ),
        '0002 0002 05 00000002 0000000000000001 0005"apple" 00000001"a"'
        ' 0000000000000002 ffff 00000001"b"',
    ),
    (
        "publish_confirm",
        f.PublishConfirm(publisher_id=5, publishing_ids=(1, 2)),
        "0003 0001 05 00000002 0000000000000001 0000000000000002",
    ),
    (
        "publish_error_LIVE",
        f.PublishError(publisher_id=9, errors=((0x4D, 18),)),
        "0004 0001 09 00000001 000000000000004d 0012",
    ),
    ("deliver_v1", f.Deliver(subscription_id=1, chunk=CHUNK), "0008 0001 01" + CHUNK.hex()),
    (
        "deliver_v2",
        f.Deliver(subscription_id=1, committed_chunk_id=5, chunk=CHUNK),
        "0008 0002 01 0000000000000005" + CHUNK.hex(),
    ),
    ("credit", f.Credit(subscription_id=1, credit=10), "0009 0001 01 000a"),
    (
        "credit_response_LIVE",
        f.CreditResponse(code=4, subscription_id=0x2A),
        "8009 0001 0004 2a",
    ),
    (
        "store_offset",
        f.StoreOffset(reference="ref", stream="s", offset=8),
        '000a 0001 0003"ref" 0001"s" 0000000000000008',
    ),
    ("metadata_update", f.MetadataUpdate(code=6, stream="s"), '0010 0001 0006 0001"s"'),
]


@pytest.mark.parametrize(
    ("frame", "body_hex"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS]
)
def test_encode_matches_vector(frame: f.Frame, body_hex: str) -> None:
    body = wire(body_hex)
    assert encode_frame(frame) == len(body).to_bytes(4, "big") + body


@pytest.mark.parametrize(
    ("frame", "body_hex"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS]
)
def test_decode_matches_vector(frame: f.Frame, body_hex: str) -> None:
    body = wire(body_hex)
    assert decode_frame(body) == frame
    assert decode_frame(memoryview(body)) == frame


def test_every_frame_class_and_wire_command_has_a_vector() -> None:
    classes = {type(frame) for _, frame, _ in VECTORS}
    assert classes == set(f.REQUEST_FRAMES + f.RESPONSE_FRAMES + f.ONE_WAY_FRAMES)
    keys = {
        tuple(int.from_bytes(wire(body)[i : i + 2], "big") for i in (0, 2)) for *_, body in VECTORS
    }
    generic = {(key | 0x8000, 1) for key in f.GENERIC_RESPONSE_KEYS}
    assert set(supported_commands()) - generic <= keys


def test_heartbeat_full_frame_LIVE() -> None:
    assert encode_frame(f.Heartbeat()) == wire("00000004 0017 0001")


@pytest.mark.parametrize("key", sorted(f.GENERIC_RESPONSE_KEYS))
def test_generic_responses(key: Key) -> None:
    body = (key | 0x8000).to_bytes(2, "big") + wire("0001 0000002a 0011")
    frame = decode_frame(body)
    assert frame == f.Response(key=key, correlation_id=42, code=17)
    assert isinstance(frame, f.Response) and frame.key is key
    assert encode_frame(frame)[4:] == body


# Inputs that are valid but not what we would write: decoded, not re-encoded.
LENIENT: list[tuple[str, str, f.Frame]] = [
    (
        "subscribe_without_property_map",
        '0007 0001 00000004 01 0001"s" 0002 000a',
        f.Subscribe(correlation_id=4, subscription_id=1, stream="s", offset_type=2, credit=10),
    ),
    (
        "resolve_offset_spec_without_property_map",
        '001f 0001 0000000b 0001"s" 0001',
        f.ResolveOffsetSpec(correlation_id=11, stream="s", offset_type=1),
    ),
    (
        "sasl_challenge_with_i16_length_as_the_server_writes_it",
        '8013 0001 00000003 000a 0002"hi"',
        f.SaslAuthenticateResponse(correlation_id=3, code=10, challenge=b"hi"),
    ),
    (
        "open_response_with_empty_map",
        "8015 0001 00000004 0001 00000000",
        f.OpenResponse(correlation_id=4, code=1),
    ),
    (
        "tune_answer_with_request_key",
        "0014 0001 00010000 00000000",
        f.Tune(frame_max=65536, heartbeat=0),
    ),
]


@pytest.mark.parametrize(
    ("body_hex", "frame"), [v[1:] for v in LENIENT], ids=[v[0] for v in LENIENT]
)
def test_lenient_decoding(body_hex: str, frame: f.Frame) -> None:
    assert decode_frame(wire(body_hex)) == frame


MALFORMED: list[tuple[str, str, str]] = [
    ("too_short", "001700", "no room for key and version"),
    ("unknown_version", "0007 0002 00000001", "Subscribe (key 0x0007) version 2"),
    ("unknown_key", "7fff 0001", "key 0x7fff"),
    ("unknown_response", "8017 0001", "Heartbeat response"),
    ("trailing_byte", "0017 0001 00", "malformed Heartbeat frame: 1 unexpected trailing bytes"),
    ("truncated", "0006 0001 000000", "malformed DeletePublisher frame: truncated"),
    ("negative_string_length", "000e 0001 00000008 ffff", "negative string length"),
    ("invalid_utf8", "000e 0001 00000008 0001 ff", "invalid UTF-8"),
    ("negative_count", "000f 0001 00000009 ffffffff", "negative count"),
    ("count_beyond_frame", "000f 0001 00000009 7fffffff", "does not fit"),
    (
        "credit_above_32767",
        "0009 0001 01 8000",
        "malformed Credit frame: credit must be in 0..32767",
    ),
    ("active_flag_2", "001a 0001 00000000 01 02", "active flag"),
    ("unknown_offset_type", '0007 0001 00000004 01 0001"s" 0009 000a', "unknown offset type 9"),
    (
        "none_offset_type_in_subscribe",
        '0007 0001 00000004 01 0001"s" 0000 000a',
        "offset_type 0 is not one of",
    ),
    (
        "sub_entry_reserved_bits",
        "0002 0001 05 00000001 0000000000000001 81 0000 00000000 00000000",
        "reserved bits",
    ),
    ("bad_challenge_length", "8013 0001 00000003 000a 0005 6869", "neither an i32 nor an i16"),
    ("metadata_response_without_stream_list", "800f 0001 00000001 00000000", "truncated"),
    ("negative_bytes_length", '0013 0001 00000003 0001"X" fffffffe', "negative bytes length"),
    (
        "negative_filter_length",
        "0002 0002 05 00000001 0000000000000001 fffe 00000000",
        "negative string",
    ),
]


@pytest.mark.parametrize(
    ("body_hex", "message"), [v[1:] for v in MALFORMED], ids=[v[0] for v in MALFORMED]
)
def test_malformed_frames_raise_protocol_error(body_hex: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(message)):
        decode_frame(wire(body_hex))


def test_a_second_codec_for_a_command_is_refused() -> None:
    with pytest.raises(RuntimeError, match="key 0x0007 version 1 already has a decoder"):
        decodes(Key.SUBSCRIBE)(lambda reader: f.Heartbeat())
    with pytest.raises(RuntimeError, match="Subscribe already has an encoder"):
        encodes(f.Subscribe)(lambda frame: b"")
    assert decode_frame(wire(VECTORS[3][2])) == VECTORS[3][1]
