"""Byte-exact vectors: every AMQP 1.0 type and message section, both ways."""

from __future__ import annotations

import datetime
import enum
import uuid
from collections import OrderedDict
from typing import Any

import pytest
from amqp_strategies import assert_same

from rstream_plugins.codec_amqp import (
    AmqpDecodeError,
    AmqpEncodeError,
    AMQPMessage,
    AmqpSequence,
    AmqpValue,
    Array,
    Byte,
    Char,
    DataSections,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    Double,
    Float,
    Header,
    Int,
    Long,
    Properties,
    SequenceSections,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
    amqp_decoder,
    decode_amqp,
    decode_value,
    encode_amqp,
    encode_value,
)


def h(text: str) -> bytes:
    """Bytes from hex, spaces allowed; a quoted part is taken as ASCII: h('a1 03 "abc"')."""
    out = b""
    for index, part in enumerate(text.split('"')):
        out += part.encode() if index % 2 else bytes.fromhex(part)
    return out


UUID = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")

# (value, its encoding): the encoder writes exactly these bytes (the smallest form) and the
# decoder gives back exactly this value, types included.
CANONICAL: list[tuple[Any, str]] = [
    (None, "40"),
    (True, "41"),
    (False, "42"),
    (UByte(0), "50 00"),
    (UByte(255), "50 ff"),
    (UShort(0x1234), "60 12 34"),
    (UInt(0), "43"),
    (UInt(7), "52 07"),
    (UInt(255), "52 ff"),
    (UInt(256), "70 00 00 01 00"),
    (UInt(2**32 - 1), "70 ff ff ff ff"),
    (ULong(0), "44"),
    (ULong(255), "53 ff"),
    (ULong(256), "80 00 00 00 00 00 00 01 00"),
    (ULong(2**64 - 1), "80 ff ff ff ff ff ff ff ff"),
    (Byte(-1), "51 ff"),
    (Byte(127), "51 7f"),
    (Short(-2), "61 ff fe"),
    (Int(-128), "54 80"),
    (Int(127), "54 7f"),
    (Int(128), "71 00 00 00 80"),
    (Int(-129), "71 ff ff ff 7f"),
    (0, "55 00"),
    (-128, "55 80"),
    (127, "55 7f"),
    (128, "81 00 00 00 00 00 00 00 80"),
    (-(2**63), "81 80 00 00 00 00 00 00 00"),
    (2**63 - 1, "81 7f ff ff ff ff ff ff ff"),
    (Float(1.5), "72 3f c0 00 00"),
    (Float(-0.0), "72 80 00 00 00"),
    (Float(float("inf")), "72 7f 80 00 00"),
    (1.5, "82 3f f8 00 00 00 00 00 00"),
    (float("-inf"), "82 ff f0 00 00 00 00 00 00"),
    (Char("a"), "73 00 00 00 61"),
    (Char("\u20ac"), "73 00 00 20 ac"),
    (Char("\U0001f600"), "73 00 01 f6 00"),
    (Timestamp(1_700_000_000_123), "83 00 00 01 8b cf e5 68 7b"),
    (Timestamp(-1), "83 ff ff ff ff ff ff ff ff"),
    (UUID, "98 12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f0"),
    (Decimal32(b"\x22\x50\x00\x01"), "74 22 50 00 01"),
    (Decimal64(bytes(range(8))), "84 00 01 02 03 04 05 06 07"),
    (Decimal128(bytes(range(16))), "94 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"),
    (b"", "a0 00"),
    (b"ab", "a0 02 61 62"),
    (b"x" * 255, "a0 ff" + "78" * 255),
    (b"x" * 256, "b0 00 00 01 00" + "78" * 256),
    ("", "a1 00"),
    ("\u00e9", "a1 02 c3 a9"),
    ("x" * 256, "b1 00 00 01 00" + "78" * 256),
    (Symbol("a"), "a3 01 61"),
    (Symbol("x" * 256), "b3 00 00 01 00" + "78" * 256),
    ([], "45"),
    ([None], "c0 02 01 40"),
    ([1, "a"], "c0 06 02 55 01 a1 01 61"),
    ([None] * 254, "c0 ff fe" + "40" * 254),
    ([None] * 255, "d0 00 00 01 03 00 00 00 ff" + "40" * 255),
    (["x" * 253], "d0 00 00 01 03 00 00 00 01 a1 fd" + "78" * 253),
    ([[[]]], "c0 05 01 c0 02 01 45"),
    ({}, "c1 01 00"),
    ({"a": 1}, "c1 06 02 a1 01 61 55 01"),
    ({Symbol("k"): [True], 5: None}, 'c1 0b 04 a3 01 "k" c0 02 01 41 55 05 40'),
    (Described(ULong(0x70), []), "00 53 70 45"),
    (Described(Symbol("x"), 5), "00 a3 01 78 55 05"),
    (Described(Described(ULong(1), None), "v"), "00 00 53 01 40 a1 01 76"),
    (Array(UInt, [UInt(1), UInt(2)]), "e0 0a 02 70 00 00 00 01 00 00 00 02"),
    (Array(UInt, []), "e0 02 00 70"),
    (Array(Long, [1, -1]), "e0 12 02 81 00 00 00 00 00 00 00 01 ff ff ff ff ff ff ff ff"),
    (Array(Symbol, [Symbol("a"), Symbol("bc")]), "e0 07 02 a3 01 61 02 62 63"),
    (Array(str, ["ab"]), "e0 05 01 a1 02 61 62"),
    (Array(bytes, [b"x" * 256]), "f0 00 00 01 09 00 00 00 01 b0 00 00 01 00" + "78" * 256),
    (Array(bool, [True, False]), "e0 04 02 56 01 00"),
    (Array(None, [None, None]), "e0 02 02 40"),
    (Array(None, [None] * 5), "e0 02 05 40"),  # more zero-width items than input bytes
    (Array(UByte, [UByte(1)] * 255), "f0 00 00 01 04 00 00 00 ff 50" + "01" * 255),
    (Array(Float, [Float(1.5)]), "e0 06 01 72 3f c0 00 00"),
    (Array(Double, [1.5]), "e0 0a 01 82 3f f8 00 00 00 00 00 00"),
    (Array(Char, [Char("a")]), "e0 06 01 73 00 00 00 61"),
    (Array(Timestamp, [Timestamp(1)]), "e0 0a 01 83 00 00 00 00 00 00 00 01"),
    (Array(uuid.UUID, [UUID]), "e0 12 01 98 12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f0"),
    (Array(Decimal32, [Decimal32(b"\x01\x02\x03\x04")]), "e0 06 01 74 01 02 03 04"),
    (Array(UInt, [UInt(1)], Symbol("d")), "e0 0a 01 00 a3 01 64 70 00 00 00 01"),
    (
        Array(list, [[1], []]),
        "e0 14 02 d0 00 00 00 06 00 00 00 01 55 01 00 00 00 04 00 00 00 00",
    ),
    (Array(dict, [{"a": None}]), "e0 0e 01 d1 00 00 00 08 00 00 00 02 a1 01 61 40"),
    (
        Array(Array, [Array(UByte, [UByte(1)])]),
        "e0 0c 01 f0 00 00 00 06 00 00 00 01 50 01",
    ),
]


@pytest.mark.parametrize(("value", "encoding"), CANONICAL, ids=[e for _, e in CANONICAL])
def test_canonical_vector_encodes(value: Any, encoding: str) -> None:
    assert encode_value(value) == h(encoding)


@pytest.mark.parametrize(("value", "encoding"), CANONICAL, ids=[e for _, e in CANONICAL])
def test_canonical_vector_decodes(value: Any, encoding: str) -> None:
    assert_same(value, decode_value(h(encoding)))


def test_nan_keeps_its_bits() -> None:
    for encoding in ("82 7f f8 00 00 00 00 00 01", "72 7f c0 00 00"):
        assert encode_value(decode_value(h(encoding))) == h(encoding)


# Every other encoding a decoder must accept: (encoding, value it decodes to).
WIDE_FORMS: list[tuple[str, Any]] = [
    ("56 01", True),
    ("56 00", False),
    ("70 00 00 00 05", UInt(5)),
    ("70 00 00 00 00", UInt(0)),
    ("80 00 00 00 00 00 00 00 05", ULong(5)),
    ("71 00 00 00 05", Int(5)),
    ("54 ff", Int(-1)),
    ("81 00 00 00 00 00 00 00 05", 5),
    ("b0 00 00 00 02 61 62", b"ab"),
    ("b1 00 00 00 01 61", "a"),
    ("b3 00 00 00 01 61", Symbol("a")),
    ("c0 01 00", []),
    ("d0 00 00 00 04 00 00 00 00", []),
    ("d0 00 00 00 06 00 00 00 01 55 01", [1]),
    ("d1 00 00 00 04 00 00 00 00", {}),
    ("d1 00 00 00 09 00 00 00 02 a3 01 61 55 01", {Symbol("a"): 1}),
    ("f0 00 00 00 06 00 00 00 01 50 07", Array(UByte, [UByte(7)])),
    # arrays whose element constructor is a compact form
    ("e0 02 03 41", Array(bool, [True] * 3)),
    ("e0 02 01 42", Array(bool, [False])),
    ("e0 02 02 43", Array(UInt, [UInt(0)] * 2)),
    ("e0 04 02 52 01 02", Array(UInt, [UInt(1), UInt(2)])),
    ("e0 02 01 44", Array(ULong, [ULong(0)])),
    ("e0 03 01 53 09", Array(ULong, [ULong(9)])),
    ("e0 03 01 54 ff", Array(Int, [Int(-1)])),
    ("e0 04 02 55 01 ff", Array(Long, [1, -1])),
    ("e0 02 02 45", Array(list, [[], []])),
    ("e0 05 01 c0 02 01 40", Array(list, [[None]])),
    ("e0 04 01 c1 01 00", Array(dict, [{}])),
    ("e0 05 01 e0 02 01 40", Array(Array, [Array(None, [None])])),
    ("e0 05 01 a0 02 61 62", Array(bytes, [b"ab"])),
    ("e0 07 01 b1 00 00 00 01 61", Array(str, ["a"])),
]


@pytest.mark.parametrize(("encoding", "value"), WIDE_FORMS, ids=[e for e, _ in WIDE_FORMS])
def test_every_form_decodes(encoding: str, value: Any) -> None:
    assert_same(value, decode_value(h(encoding)))


class _Number(enum.IntEnum):
    ONE = 1


# Python values that are not the decoded form of anything, and what they encode as.
ENCODE_ONLY: list[tuple[Any, str]] = [
    (Long(5), "55 05"),
    (Long(1000), "81 00 00 00 00 00 00 03 e8"),
    (Double(1.5), "82 3f f8 00 00 00 00 00 00"),
    ((1, 2), "c0 05 02 55 01 55 02"),
    (bytearray(b"ab"), "a0 02 61 62"),
    (memoryview(b"ab"), "a0 02 61 62"),
    (datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=datetime.UTC), "83 00 00 00 00 00 00 03 e8"),
    (datetime.datetime(1970, 1, 1, 0, 0, 1, 999), "83 00 00 00 00 00 00 03 e8"),
    (_Number.ONE, "55 01"),
    (OrderedDict(a=None), "c1 05 02 a1 01 61 40"),
    (Array(int, [1]), "e0 0a 01 81 00 00 00 00 00 00 00 01"),
    (Array(float, [1.5]), "e0 0a 01 82 3f f8 00 00 00 00 00 00"),
    (
        Array(Timestamp, [datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)]),
        "e0 0a 01 83" + "00" * 8,
    ),
    (Array(Symbol, ["a"]), "e0 04 01 a3 01 61"),
    (Array(bytes, [bytearray(b"a")]), "e0 04 01 a0 01 61"),
]


@pytest.mark.parametrize(("value", "encoding"), ENCODE_ONLY, ids=[e for _, e in ENCODE_ONLY])
def test_other_python_values_encode_as_their_amqp_type(value: Any, encoding: str) -> None:
    assert encode_value(value) == h(encoding)


@pytest.mark.parametrize(
    "value",
    [
        2**63,
        -(2**63) - 1,
        object(),
        {1, 2},
        "\ud800",
        Described(object(), 1),
        Array(bool, [1]),
        Array(None, [1]),
        Array(UInt, ["1"]),
        Array(UByte, [256]),
        Array(list, [1]),
        Array(str, [1]),
        Array(bytes, ["a"]),
        Array(Decimal32, [b"1"]),
    ],
    ids=repr,
)
def test_values_without_an_amqp_encoding_are_refused(value: Any) -> None:
    with pytest.raises(AmqpEncodeError):
        encode_value(value)


# --- message sections -------------------------------------------------------------------

LIVE = h(
    '00 53 70 c0 06 05 42 40 40 41 43 00 53 72 c1 2e 04 a3 0d "x-routing-key" a1 0e'
    ' "proto-probe-s1" a3 0a "x-exchange" a1 00 00 53 73 c0 17 07 a1 03 "m-1" 40 40 40 40 40'
    ' a3 0a "text/plain" 00 53 74 c1 10 04 a1 02 "hk" a1 02 "hv" a1 03 "num" 55 2a'
    ' 00 53 75 a0 08 "from-091"'
)


def test_live_message_from_the_broker_decodes() -> None:
    message = decode_amqp(LIVE, lazy=False)
    assert message.header == Header(
        durable=False, priority=None, ttl=None, first_acquirer=True, delivery_count=0
    )
    assert message.message_annotations == {"x-routing-key": "proto-probe-s1", "x-exchange": ""}
    assert all(type(key) is Symbol for key in message.message_annotations)
    assert message.properties == Properties(message_id="m-1", content_type="text/plain")
    assert message.application_properties == {"hk": "hv", "num": 42}
    assert message.body == b"from-091"
    assert message.delivery_annotations is None
    assert message.footer is None


def test_live_message_reencodes_byte_for_byte() -> None:
    decoded = decode_amqp(LIVE, lazy=False)
    rebuilt = AMQPMessage(
        decoded.body,
        header=decoded.header,
        message_annotations=decoded.message_annotations,
        properties=decoded.properties,
        application_properties=decoded.application_properties,
    )
    assert bytes(rebuilt) == LIVE
    assert bytes(amqp_decoder(LIVE)) == LIVE


def test_live_message_built_from_plain_python_values() -> None:
    message = AMQPMessage(
        b"from-091",
        header=Header(durable=False, first_acquirer=True, delivery_count=0),
        message_annotations={"x-routing-key": "proto-probe-s1", "x-exchange": ""},
        properties=Properties(message_id="m-1", content_type="text/plain"),
        application_properties={"hk": "hv", "num": 42},
    )
    assert bytes(message) == LIVE


FULL_HEADER = (
    AMQPMessage(b"", header=Header(True, 5, 1000, False, 3)),
    "00 53 70 c0 0c 05 41 50 05 70 00 00 03 e8 42 52 03 00 53 75 a0 00",
)
FULL_PROPERTIES = (
    AMQPMessage(
        b"",
        properties=Properties(
            message_id=b"id",
            user_id=b"u",
            to="t",
            subject="s",
            reply_to="r",
            correlation_id=2**20,
            content_type="c",
            content_encoding="e",
            absolute_expiry_time=1000,
            creation_time=0,
            group_id="g",
            group_sequence=7,
            reply_to_group_id="rg",
        ),
    ),
    '00 53 73 c0 3b 0d a0 02 "id" a0 01 "u" a1 01 "t" a1 01 "s" a1 01 "r"'
    ' 80 00 00 00 00 00 10 00 00 a3 01 "c" a3 01 "e" 83 00 00 00 00 00 00 03 e8'
    ' 83 00 00 00 00 00 00 00 00 a1 01 "g" 52 07 a1 02 "rg" 00 53 75 a0 00',
)

# (message, its encoding)
SECTIONS: list[tuple[AMQPMessage, str]] = [
    (AMQPMessage(b"hello"), '00 53 75 a0 05 "hello"'),
    (AMQPMessage(b""), "00 53 75 a0 00"),
    (AMQPMessage(b"x" * 300), "00 53 75 b0 00 00 01 2c" + "78" * 300),
    (AMQPMessage(DataSections([b"a", b"b"])), "00 53 75 a0 01 61 00 53 75 a0 01 62"),
    (AMQPMessage(AmqpSequence([1])), "00 53 76 c0 03 01 55 01"),
    (AMQPMessage(AmqpSequence()), "00 53 76 45"),
    (
        AMQPMessage(SequenceSections([AmqpSequence([1]), AmqpSequence()])),
        "00 53 76 c0 03 01 55 01 00 53 76 45",
    ),
    (AMQPMessage(AmqpValue(b"ab")), "00 53 77 a0 02 61 62"),
    (AMQPMessage("text"), '00 53 77 a1 04 "text"'),
    (AMQPMessage(None), "00 53 77 40"),
    (AMQPMessage([1]), "00 53 77 c0 03 01 55 01"),
    (AMQPMessage({"k": 1}), "00 53 77 c1 06 02 a1 01 6b 55 01"),
    (AMQPMessage(b"", header=Header()), "00 53 70 45 00 53 75 a0 00"),
    FULL_HEADER,
    (AMQPMessage(b"", header=Header(durable=True)), "00 53 70 c0 02 01 41 00 53 75 a0 00"),
    (AMQPMessage(b"", properties=Properties()), "00 53 73 45 00 53 75 a0 00"),
    (
        AMQPMessage(b"", properties=Properties(message_id=5)),
        "00 53 73 c0 03 01 53 05 00 53 75 a0 00",
    ),
    (
        AMQPMessage(b"", properties=Properties(correlation_id=UUID)),
        "00 53 73 c0 17 06 40 40 40 40 40 98"
        " 12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f0 00 53 75 a0 00",
    ),
    FULL_PROPERTIES,
    (
        AMQPMessage(b"", delivery_annotations={"x-d": 1}),
        '00 53 71 c1 08 02 a3 03 "x-d" 55 01 00 53 75 a0 00',
    ),
    (
        AMQPMessage(b"", message_annotations={"x-opt-a": 1, 7: "u"}),
        '00 53 72 c1 11 04 a3 07 "x-opt-a" 55 01 53 07 a1 01 "u" 00 53 75 a0 00',
    ),
    (
        AMQPMessage(b"", application_properties={"k": "v", "n": None}),
        '00 53 74 c1 0b 04 a1 01 "k" a1 01 "v" a1 01 "n" 40 00 53 75 a0 00',
    ),
    (
        AMQPMessage(b"", footer={Symbol("x-f"): b"h"}),
        '00 53 75 a0 00 00 53 78 c1 09 02 a3 03 "x-f" a0 01 "h"',
    ),
    (
        AMQPMessage(
            b"b",
            header=Header(durable=True),
            delivery_annotations={},
            message_annotations={},
            properties=Properties(subject="s"),
            application_properties={},
            footer={},
        ),
        "00 53 70 c0 02 01 41 00 53 71 c1 01 00 00 53 72 c1 01 00"
        ' 00 53 73 c0 07 04 40 40 40 a1 01 "s" 00 53 74 c1 01 00 00 53 75 a0 01 "b"'
        " 00 53 78 c1 01 00",
    ),
]


@pytest.mark.parametrize(("message", "encoding"), SECTIONS, ids=[e[:40] for _, e in SECTIONS])
def test_section_vector_encodes(message: AMQPMessage, encoding: str) -> None:
    assert bytes(message) == h(encoding)
    assert encode_amqp(message) == h(encoding)


@pytest.mark.parametrize(("message", "encoding"), SECTIONS, ids=[e[:40] for _, e in SECTIONS])
def test_section_vector_decodes(message: AMQPMessage, encoding: str) -> None:
    decoded = decode_amqp(h(encoding), lazy=False)
    assert decoded == message
    assert_same(message.body, decoded.body)


@pytest.mark.parametrize(
    "section",
    [
        "00 53 70 c0 0b 02 40 81 00 00 00 00 00 00 01 2c",  # priority: a long 300
        "00 53 73 c0 03 01 55 ff",  # message-id: a long -1
        "00 53 73 c0 0b 07 40 40 40 40 40 40 a1 02 c3 a9",  # content-type: a string, not ASCII
        '00 53 73 c0 06 03 40 40 a3 01 "t"',  # to: a symbol
        "00 53 73 c0 0c 0a 40 40 40 40 40 40 40 40 40 53 05",  # creation-time: a ulong
    ],
)
def test_fields_of_another_type_than_due_go_back_as_they_came(section: str) -> None:
    data = h(section + "00 53 75 a0 00")
    message = decode_amqp(data, lazy=False)
    rebuilt = AMQPMessage(b"", header=message.header, properties=message.properties)
    assert bytes(rebuilt) == data


def test_timestamp_fields_take_datetimes() -> None:
    epoch = datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=datetime.UTC)
    as_datetime = AMQPMessage(b"", properties=Properties(creation_time=epoch))
    as_int = AMQPMessage(b"", properties=Properties(creation_time=1000))
    assert bytes(as_datetime) == bytes(as_int)


def test_typed_fields_decode_to_their_amqp_types() -> None:
    message = decode_amqp(h(FULL_PROPERTIES[1]), lazy=False)
    properties = message.properties
    assert properties is not None
    assert type(properties.correlation_id) is ULong
    assert type(properties.content_type) is Symbol
    assert type(properties.creation_time) is Timestamp
    assert type(properties.group_sequence) is UInt
    header = decode_amqp(h(FULL_HEADER[1]), lazy=False).header
    assert header is not None
    assert (type(header.priority), type(header.ttl)) == (UByte, UInt)


@pytest.mark.parametrize(
    "descriptor",
    [
        "53 75",
        "80 00 00 00 00 00 00 00 75",
        'a3 10 "amqp:data:binary"',
        'b3 00 00 00 10 "amqp:data:binary"',
    ],
)
def test_section_descriptor_forms(descriptor: str) -> None:
    data = h(f"00 {descriptor} a0 01 78")
    message = amqp_decoder(data)
    assert message.body == b"x"
    assert bytes(message) == data


_CODES = {
    "header": 0x70,
    "delivery_annotations": 0x71,
    "message_annotations": 0x72,
    "properties": 0x73,
    "application_properties": 0x74,
    "footer": 0x78,
}


@pytest.mark.parametrize(
    ("name", "value", "attribute"),
    [
        ("amqp:header:list", "c0 02 01 41", "header"),
        ("amqp:delivery-annotations:map", 'c1 05 02 a3 01 "a" 40', "delivery_annotations"),
        ("amqp:message-annotations:map", 'c1 05 02 a3 01 "a" 40', "message_annotations"),
        ("amqp:properties:list", 'c0 04 01 a1 01 "i"', "properties"),
        ("amqp:application-properties:map", 'c1 05 02 a1 01 "a" 40', "application_properties"),
        ("amqp:footer:map", 'c1 05 02 a3 01 "a" 40', "footer"),
    ],
)
def test_symbolic_section_descriptors(name: str, value: str, attribute: str) -> None:
    symbolic = h(f'00 a3 {len(name):02x} "{name}" {value}')
    long_form = h(f"00 80 00 00 00 00 00 00 00 {_CODES[attribute]:02x} {value}")
    canonical = h(f"00 53 {_CODES[attribute]:02x} {value}")
    body = h("00 53 75 a0 00")
    for section in (symbolic, long_form):
        data = body + section if attribute == "footer" else section + body
        assert bytes(amqp_decoder(data)) == data  # never read: the original bytes
        message = amqp_decoder(data)
        assert getattr(message, attribute) is not None  # read: it may change, so...
        expected = body + canonical if attribute == "footer" else canonical + body
        assert bytes(message) == expected  # ...it is encoded again, in the smallest form


def test_symbolic_body_descriptors() -> None:
    sequence = amqp_decoder(h('00 a3 17 "amqp:amqp-sequence:list" 45'))
    assert_same(AmqpSequence(), sequence.body)
    value = amqp_decoder(h('00 a3 11 "amqp:amqp-value:*" 55 05'))
    assert_same(5, value.body)


def test_lists_cut_short_leave_the_other_fields_null() -> None:
    message = decode_amqp(h('00 53 73 c0 05 01 a1 02 "id" 00 53 70 c0 02 01 41'), lazy=False)
    assert message.properties == Properties(message_id="id")
    assert message.header == Header(durable=True)
    assert message.body is None  # no body section at all


def test_wide_forms_in_sections_decode_and_are_kept_on_reencoding() -> None:
    """What Apache Qpid Proton writes: map32 and list32 everywhere."""
    properties = "00 53 73 d0 00 00 00 09 00 00 00 03 40 40 a1 01 73"
    annotations = '00 53 72 d1 00 00 00 0b 00 00 00 02 a3 03 "x-a" 55 01'
    data = h(annotations + properties + "00 53 75 a0 00")
    message = amqp_decoder(data)
    assert message.properties == Properties(to="s")
    message.application_properties = {"k": 1}  # a change: the message is encoded again...
    reencoded = bytes(message)
    # ...but the annotations, never read, are copied as they were (list32 and all).
    assert reencoded.startswith(h(annotations))
    assert h('00 53 74 c1 06 02 a1 01 "k" 55 01') in reencoded


MALFORMED: list[str] = [
    "",
    "00",
    "00 53",
    "00 53 75",
    "00 53 75 a0",
    "00 53 75 a0 05 68 65",  # truncated binary
    "00 53 75 b0 ff ff ff ff 00",  # length far beyond the data
    "01 53 75 a0 00",  # not a described section
    "00 53 99 a0 00",  # unknown section
    "00 53 79 a0 00",
    '00 a3 08 "amqp:foo" a0 00',  # unknown symbolic section
    "00 80 00 00 00 01 00 00 00 75 a0 00",  # ulong descriptor out of range
    "00 55 75 a0 00",  # descriptor of the wrong type
    "00 53 75 a1 00",  # data holding a string
    "00 53 76 a0 00",  # sequence holding a binary
    "00 53 73 c1 01 00 00 53 75 a0 00",  # properties holding a map
    "00 53 74 c0 01 00 00 53 75 a0 00",  # application properties holding a list
    "00 53 73 c0 ff 00 00 53 75 a0 00",  # section longer than the message
    "00 53 77 40 00 53 77 40",  # two amqp-values
    "00 53 75 a0 00 00 53 77 40",  # data and amqp-value
    "00 53 70 45 00 53 70 45 00 53 75 a0 00",  # header twice
    "00 53 77 ff",  # unknown constructor
    "00 53 77 a1 01 ff",  # invalid UTF-8
    "00 53 77 a3 01 ff",  # symbol not ASCII
    "00 53 77 56 02",  # boolean neither 0 nor 1
    "00 53 77 73 00 11 00 00",  # char beyond Unicode
    "00 53 77 98 00 01",  # truncated uuid
    "00 53 77 c0 01 05",  # 5 items in no bytes
    "00 53 77 c0 00",  # size smaller than the count byte
    "00 53 77 d0 00 00 00 02 00 00 00 00",  # size smaller than the count
    "00 53 77 c0 03 01 40 40",  # size larger than the items
    "00 53 77 c0 02 02 40 40",  # items larger than the size
    "00 53 77 c1 02 01 40",  # odd map
    "00 53 77 c1 04 02 45 40",  # unhashable key
    "00 53 77 e0 01 00",  # array without constructor
    "00 53 77 e0 03 01 00 53 01",  # described array without element constructor
    "00 53 77 e0 05 01 00 53 01 00 40",  # doubly described array
    "00 53 77 e0 02 01 00",  # described type as element constructor
    "00 53 77 e0 03 02 50 01",  # fewer items than the count
    "00 53 77 f0 00 00 00 05 ff ff ff ff 40",  # 4 billion nulls
    "00 53 77 f0 00 00 00 05 00 01 00 00 41",  # 65,536 trues: beyond the zero-width budget
    "00 53 77 00",  # described without descriptor
    "00 53 77 00 53 01",  # described without value
    "00 53 77" + "c0 01 01" * 70 + "45",  # lists nested 70 deep (and truncated)
    "00 53 77" + "00 53 01" * 70 + "40",  # descriptors chained 70 deep
    "00 53 77" + "e0 02 01 e0" * 10,  # truncated nested arrays
]


@pytest.mark.parametrize("encoding", MALFORMED)
def test_malformed_messages_raise_amqp_decode_error(encoding: str) -> None:
    with pytest.raises(AmqpDecodeError):
        decode_amqp(h(encoding), lazy=False)


def test_nesting_depth_is_capped() -> None:
    value: Any = []
    for _ in range(70):
        value = [value]
    deep = encode_value(value)  # we encode it; no one may make us decode it
    with pytest.raises(AmqpDecodeError, match="nested"):
        decode_value(deep)
    shallow: Any = []
    for _ in range(60):
        shallow = [shallow]
    assert decode_value(encode_value(shallow)) == shallow


@pytest.mark.parametrize(
    "section",
    [
        "00 53 70 c0 07 06 40 40 40 40 40 40",  # header with 6 fields
        "00 53 73 c0 03 01 40 40",  # list size larger than its item
        "00 53 74 c1 05 02 a1 01 ff 40",  # invalid UTF-8 key
        "00 53 74 c1 04 02 55 01 40",  # application property key not a string
    ],
)
def test_a_malformed_section_fails_when_read(section: str) -> None:
    data = h(section + "00 53 75 a0 00")
    with pytest.raises(AmqpDecodeError):
        decode_amqp(data, lazy=False)
    message = amqp_decoder(data)  # lazy: only the framing is checked now
    with pytest.raises(AmqpDecodeError):
        _ = (message.header, message.properties, message.application_properties)
    with pytest.raises(AmqpDecodeError):
        _ = message == amqp_decoder(data)  # equality reads every section
