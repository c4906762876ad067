"""The fast paths for properties and application properties agree with the generic decoder.

For any section, the fast path (`fast_sections`) and the generic one
(`section_decoder.decode_section`) must give the same value, types included, or both raise
AmqpDecodeError. Also checked: the usual shapes really are decoded by the fast path.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from amqp_strategies import (
    APPLICATION_PROPERTIES,
    ASCII,
    BINARY,
    LONG,
    PROPERTIES,
    TEXT,
    UINT,
    ULONG,
    assert_same,
    scalars,
    values,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_amqp_vectors import h

from rstream_plugins.codec_amqp import (
    AmqpDecodeError,
    AMQPMessage,
    Int,
    Long,
    Properties,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    amqp_decoder,
    encode_value,
    fast_sections,
)
from rstream_plugins.codec_amqp.fast_sections import (
    decode_application_properties,
    decode_properties,
)
from rstream_plugins.codec_amqp.section_decoder import decode_section, scan_message

PROPERTIES_SLOT = 3
APPLICATION_PROPERTIES_SLOT = 4
FAST: dict[int, Callable[[bytes, tuple[int, int]], Any]] = {
    PROPERTIES_SLOT: decode_properties,
    APPLICATION_PROPERTIES_SLOT: decode_application_properties,
}
PREFIXES = {PROPERTIES_SLOT: h("00 53 73"), APPLICATION_PROPERTIES_SLOT: h("00 53 74")}
BODY = h("00 53 75 a0 00")


def _fields(value: Any) -> Any:
    """A Properties as the list of its fields (which assert_same compares type by type)."""
    if isinstance(value, Properties):
        return [getattr(value, field.name) for field in dataclasses.fields(value)]
    return value


def assert_both_agree(data: bytes, slot: int) -> Any:
    """Decode the section in `slot` both ways: the same value (returned), or both raise.

    Returns None when the message's framing is already refused (the fast paths only see
    sections that `scan_message` accepted).
    """
    try:
        _, sections = scan_message(data)
    except AmqpDecodeError:
        return None
    assert sections is not None
    where = sections[slot]
    try:
        expected = decode_section(data, where, slot)
    except AmqpDecodeError:
        with pytest.raises(AmqpDecodeError):
            FAST[slot](data, where)
        return None
    actual = FAST[slot](data, where)
    assert type(actual) is type(expected)
    assert_same(_fields(expected), _fields(actual))
    return actual


def section(slot: int, value: Any) -> bytes:
    """A message holding `value` (a list or map, encoded as is) as the section in `slot`."""
    return PREFIXES[slot] + encode_value(value) + BODY


# --- random sections, both ways ----------------------------------------------------------

# What properties fields usually hold, as decoded; any other value now and then.
FIELDS = st.one_of(
    st.none(),
    st.none(),
    TEXT,
    ASCII.map(Symbol),
    BINARY,
    ULONG.map(ULong),
    UINT.map(UInt),
    LONG.map(Timestamp),
    st.uuids(),
    scalars(),
    values(),
)
FIELD_LISTS = st.lists(FIELDS, max_size=14)  # 14: one more than a properties list may hold
# What application properties usually hold, and any other simple value.
APPLICATION_VALUES = st.one_of(
    TEXT,
    LONG,
    st.integers(-128, 127),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    scalars(),
)
APPLICATION_MAPS = st.one_of(
    st.dictionaries(TEXT, APPLICATION_VALUES, max_size=6),
    st.dictionaries(TEXT, APPLICATION_VALUES, max_size=6),
    st.dictionaries(TEXT, values(), max_size=2),  # values of any type
    st.dictionaries(st.one_of(ASCII.map(Symbol), scalars()), scalars(), max_size=2),  # keys too
)


@given(FIELD_LISTS)
@settings(max_examples=300)
def test_properties_lists_decode_the_same_both_ways(fields: list[Any]) -> None:
    assert_both_agree(section(PROPERTIES_SLOT, fields), PROPERTIES_SLOT)


@given(APPLICATION_MAPS)
@settings(max_examples=300)
def test_application_maps_decode_the_same_both_ways(pairs: dict[Any, Any]) -> None:
    assert_both_agree(section(APPLICATION_PROPERTIES_SLOT, pairs), APPLICATION_PROPERTIES_SLOT)


@given(PROPERTIES, APPLICATION_PROPERTIES)
@settings(max_examples=200)
def test_encoded_messages_decode_the_same_both_ways(
    properties: Properties, application_properties: dict[str, Any]
) -> None:
    data = bytes(
        AMQPMessage(b"", properties=properties, application_properties=application_properties)
    )
    assert_both_agree(data, PROPERTIES_SLOT)
    assert_both_agree(data, APPLICATION_PROPERTIES_SLOT)


@st.composite
def mutated_sections(draw: st.DrawFn) -> tuple[bytes, int]:
    """A valid section with a few bytes of its items changed, inserted or removed.

    The size of a list8 or map8 is then set to match, so that the message keeps its framing
    and the damage is inside the section.
    """
    slot = draw(st.sampled_from([PROPERTIES_SLOT, APPLICATION_PROPERTIES_SLOT]))
    value = draw(FIELD_LISTS if slot == PROPERTIES_SLOT else APPLICATION_MAPS)
    data = bytearray(section(slot, value)[: -len(BODY)])
    if len(data) < 6:
        return bytes(data) + BODY, slot  # list0: nothing inside to damage
    random = draw(st.randoms(use_true_random=False))
    for _ in range(random.randint(1, 3)):
        position = random.randrange(5, len(data) + 1)  # the count, or an item
        byte = random.choice((random.randrange(256), 0x40, 0x41, 0xA1, 0xA3, 0x55, 0x81))
        action = random.choice(("set", "insert", "delete"))
        if action == "insert":
            data.insert(position, byte)
        elif position == len(data) or len(data) == 6:
            continue
        elif action == "set":
            data[position] = byte
        else:
            del data[position]
    if data[3] in (0xC0, 0xC1) and len(data) < 260:
        data[4] = len(data) - 5
    return bytes(data) + BODY, slot


@given(mutated_sections())
@settings(max_examples=500)
def test_damaged_sections_decode_the_same_both_ways(case: tuple[bytes, int]) -> None:
    assert_both_agree(*case)


# --- vectors ------------------------------------------------------------------------------

UUID = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
ERROR = object()  # the section must be refused


def compound8(constructor: str, items: str) -> bytes:
    """A list8 or map8: `items` is the hex of the count and the items; the size is added."""
    payload = h(items)
    return h(constructor) + bytes((len(payload),)) + payload


def assert_vector(data: bytes, slot: int, expected: Any) -> None:
    scan_message(data)  # the framing is fine: only the section's content may be wrong
    decoded = assert_both_agree(data, slot)
    if expected is ERROR:
        message = amqp_decoder(data)
        with pytest.raises(AmqpDecodeError):
            getattr(message, "properties" if slot == PROPERTIES_SLOT else "application_properties")
    else:
        assert_same(_fields(expected), _fields(decoded))


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("00", Properties()),
        ('03 a1 02 "id" 40 a3 04 "text"', Properties("id", to=Symbol("text"))),
        ('07 53 07 40 40 40 40 40 a3 01 "t"', Properties(ULong(7), content_type=Symbol("t"))),
        (
            "0a" + " 40" * 9 + " 83 00 00 00 00 00 05 00 00",
            Properties(creation_time=Timestamp(5 << 16)),
        ),
        ('03 40 a0 01 "u" a1 02 "to"', Properties(user_id=b"u", to="to")),
        ("01 98 " + UUID.hex, Properties(UUID)),
        ("01 80 00 00 00 00 00 00 01 00", Properties(ULong(256))),
        ("02 44 43", Properties(ULong(0), UInt(0))),
        ("01 52 09", Properties(UInt(9))),
        ("01 70 00 00 01 00", Properties(UInt(256))),
        ("01 50 07", Properties(UByte(7))),
        ('01 b1 00 00 00 01 "x"', Properties("x")),
        ("01 55 05", Properties(Long(5))),  # a long in a numeric field is kept a Long
        ("03 40 40 55 05", Properties(to=5)),  # and elsewhere a plain int
        ("01 c0 01 00", Properties([])),  # a list where none is due: as it came
        ("03" + " 40" * 10, ERROR),  # 3 fields announced, 10 there
        ("0e" + " 40" * 14, ERROR),  # 14 fields: one too many
        ('02 a1 02 "ab" a1 09', ERROR),  # a string running past the section
        ("01 a1 02 c3 28", ERROR),  # not UTF-8
        ("01 a3 02 c3 a9", ERROR),  # a symbol is ASCII
        ("01 56 02", ERROR),  # a boolean byte is 0 or 1
        ("01 ff", ERROR),  # no such constructor
    ],
)
def test_properties_vectors(items: str, expected: Any) -> None:
    data = h("00 53 73") + compound8("c0", items) + BODY
    assert_vector(data, PROPERTIES_SLOT, expected)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("00", {}),
        ('02 a1 01 "s" a1 05 "value"', {"s": "value"}),
        ('02 a1 01 "n" 55 ff', {"n": -1}),
        ('02 a1 01 "n" 81 80 00 00 00 00 00 00 00', {"n": -(2**63)}),
        ('06 a1 01 "t" 41 a1 01 "f" 42 a1 01 "z" 40', {"t": True, "f": False, "z": None}),
        ('02 a1 01 "d" 82 3f f8 00 00 00 00 00 00', {"d": 1.5}),
        ('02 a1 01 "i" 54 fe', {"i": Int(-2)}),
        ('02 a1 01 "y" a3 03 "sym"', {"y": Symbol("sym")}),
        ('02 a1 01 "u" 52 05', {"u": UInt(5)}),
        ('02 a1 01 "u" 83 00 00 00 00 00 00 00 07', {"u": Timestamp(7)}),
        ('02 a1 01 "b" a0 03 "bin"', {"b": b"bin"}),
        ('04 a1 01 "k" 55 01 a1 01 "k" 55 02', {"k": 2}),  # the last one wins
        ('02 a3 01 "k" a1 01 "v"', {Symbol("k"): "v"}),  # a symbol key: as it came
        ('02 b1 00 00 00 01 "k" 40', {"k": None}),
        ('02 a1 01 "l" c0 01 00', {"l": []}),  # a list where none is due: as it came
        ("02 55 01 a1 00", ERROR),  # keys are strings
        ('03 a1 01 "k"', ERROR),  # an odd count
        ('02 a1 01 "k" a1 09', ERROR),  # a string running past the section
        ('02 a1 01 "k" 56 07', ERROR),  # a boolean byte is 0 or 1
        ('02 a1 01 "k" ff', ERROR),  # no such constructor
        ('02 a1 02 "k" 40', ERROR),  # the key swallows the value
        ('04 a1 01 "k" 40 40', ERROR),  # 2 pairs announced, 1 and a half there
    ],
)
def test_application_properties_vectors(items: str, expected: Any) -> None:
    data = h("00 53 74") + compound8("c1", items) + BODY
    assert_vector(data, APPLICATION_PROPERTIES_SLOT, expected)


@pytest.mark.parametrize(
    "head",
    [
        "00 80 00 00 00 00 00 00 00 {code}",  # a ulong descriptor
        "00 a3 {name}",  # a symbolic descriptor (its size, then its name)
    ],
)
@pytest.mark.parametrize(
    ("slot", "code", "name", "value", "expected"),
    [
        (PROPERTIES_SLOT, "73", '14 "amqp:properties:list"', ["id"], Properties("id")),
        (
            APPLICATION_PROPERTIES_SLOT,
            "74",
            '1f "amqp:application-properties:map"',
            {"k": 1},
            {"k": 1},
        ),
    ],
)
def test_other_descriptors_and_wide_forms_decode_too(
    head: str, slot: int, code: str, name: str, value: Any, expected: Any
) -> None:
    head_bytes = h(head.format(code=code, name=name))
    for encoding in (encode_value(value), _wide(encode_value(value))):
        assert_vector(head_bytes + encoding + BODY, slot, expected)
        assert_vector(PREFIXES[slot] + encoding + BODY, slot, expected)


def _wide(encoding: bytes) -> bytes:
    """The list32 or map32 form of a list8 or map8."""
    size, count, items = encoding[1], encoding[2], encoding[3:]
    return bytes((encoding[0] + 0x10,)) + (size + 3).to_bytes(4) + count.to_bytes(4) + items


# --- the fast paths are taken ---------------------------------------------------------------


@pytest.fixture
def no_generic_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes, where: tuple[int, int], slot: int) -> Any:
        raise AssertionError("the generic decoder was used")

    monkeypatch.setattr(fast_sections, "decode_section", refuse)


@pytest.mark.usefixtures("no_generic_decoder")
def test_usual_shapes_are_decoded_by_the_fast_paths() -> None:
    properties = Properties(
        message_id="id-1",
        user_id=b"user",
        to="queue",
        correlation_id=UUID,
        content_type="application/json",
        content_encoding="gzip",
        creation_time=1_700_000_000_000,
        group_id="group",
        group_sequence=3,
    )
    application_properties = {
        "region": "eu-west",
        "sequence": 123_456,
        "small": -3,
        "urgent": True,
        "late": False,
        "none": None,
        "ratio": 0.5,
        "typed": UInt(7),
    }
    for message_id in ("id-1", 42, 2**40, UUID, b"raw"):
        properties.message_id = message_id
        message = amqp_decoder(
            bytes(
                AMQPMessage(
                    b"x", properties=properties, application_properties=application_properties
                )
            )
        )
        assert message.properties == properties
        assert type(message.properties.content_type) is Symbol
        assert type(message.properties.group_sequence) is UInt
        assert_same(application_properties, message.application_properties)
    assert amqp_decoder(bytes(AMQPMessage(b"x", properties=Properties()))).properties == (
        Properties()
    )


def test_symbols_are_decoded_once_and_the_cache_is_bounded() -> None:
    data = section(PROPERTIES_SLOT, [None] * 6 + [Symbol("text/cached")])
    first = amqp_decoder(data).properties
    second = amqp_decoder(data).properties
    assert first is not None and second is not None
    assert first.content_type is second.content_type  # the same Symbol, from the cache
    for index in range(fast_sections._SYMBOLS_LIMIT + 10):
        data = section(PROPERTIES_SLOT, [None] * 6 + [Symbol(f"type/{index}")])
        decoded = amqp_decoder(data).properties
        assert decoded is not None and decoded.content_type == f"type/{index}"
    assert len(fast_sections._SYMBOLS) <= fast_sections._SYMBOLS_LIMIT
