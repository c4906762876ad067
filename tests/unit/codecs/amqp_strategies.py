"""Hypothesis strategies for AMQP 1.0 values and messages, and a strict comparison.

Values are generated in their canonical decoded form (e.g. int, not Long; list, not tuple),
so that ``decode(encode(x))`` must give back exactly the same types.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any

from hypothesis import strategies as st

from rstream_plugins.codec_amqp import (
    AMQPMessage,
    AmqpSequence,
    AmqpValue,
    ApplicationProperties,
    Array,
    Byte,
    Char,
    DataSections,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    Float,
    Header,
    Int,
    Properties,
    SequenceSections,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
)

LONG = st.integers(-(2**63), 2**63 - 1)
UINT = st.integers(0, 2**32 - 1)
ULONG = st.integers(0, 2**64 - 1)
ASCII = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=20)
TEXT = st.text(max_size=20)
# Lengths around 255/256 exercise both the 8-bit and the 32-bit forms.
BINARY = st.one_of(st.binary(max_size=20), st.binary(min_size=250, max_size=260))


def _float32() -> st.SearchStrategy[Float]:
    return st.floats(width=32, allow_nan=False).map(Float)


def scalars() -> st.SearchStrategy[Any]:
    """Every primitive type, wrapped where the natural Python type would lose it.

    No NaN: it is not equal to itself, so it cannot show that a value came back equal
    (the vectors cover NaN).
    """
    return st.one_of(
        st.none(),
        st.booleans(),
        LONG,
        st.floats(allow_nan=False),
        TEXT,
        BINARY,
        ASCII.map(Symbol),
        st.integers(0, 255).map(UByte),
        st.integers(0, 2**16 - 1).map(UShort),
        UINT.map(UInt),
        ULONG.map(ULong),
        st.integers(-128, 127).map(Byte),
        st.integers(-(2**15), 2**15 - 1).map(Short),
        st.integers(-(2**31), 2**31 - 1).map(Int),
        _float32(),
        st.characters().map(Char),
        LONG.map(Timestamp),
        st.uuids(),
        st.binary(min_size=4, max_size=4).map(Decimal32),
        st.binary(min_size=8, max_size=8).map(Decimal64),
        st.binary(min_size=16, max_size=16).map(Decimal128),
    )


# Array element type -> strategy for its items (as an array holds them once decoded).
ARRAY_ITEMS: dict[Any, st.SearchStrategy[Any]] = {
    None: st.none(),
    bool: st.booleans(),
    UByte: st.integers(0, 255).map(UByte),
    UShort: st.integers(0, 2**16 - 1).map(UShort),
    UInt: UINT.map(UInt),
    ULong: ULONG.map(ULong),
    Byte: st.integers(-128, 127).map(Byte),
    Short: st.integers(-(2**15), 2**15 - 1).map(Short),
    Int: st.integers(-(2**31), 2**31 - 1).map(Int),
    int: LONG,
    Float: _float32(),
    float: st.floats(allow_nan=False),
    Char: st.characters().map(Char),
    Timestamp: LONG.map(Timestamp),
    uuid.UUID: st.uuids(),
    Decimal32: st.binary(min_size=4, max_size=4).map(Decimal32),
    Decimal64: st.binary(min_size=8, max_size=8).map(Decimal64),
    Decimal128: st.binary(min_size=16, max_size=16).map(Decimal128),
    bytes: BINARY,
    str: TEXT,
    Symbol: ASCII.map(Symbol),
}
DESCRIPTORS = st.one_of(ULONG.map(ULong), ASCII.map(Symbol))


@st.composite
def scalar_arrays(draw: st.DrawFn, element_types: list[Any] | None = None) -> Array:
    element_type = draw(st.sampled_from(element_types or list(ARRAY_ITEMS)))
    items = draw(st.lists(ARRAY_ITEMS[element_type], max_size=6))
    descriptor = draw(st.one_of(st.none(), DESCRIPTORS))
    return Array(element_type, items, descriptor)


@st.composite
def compound_arrays(draw: st.DrawFn, children: st.SearchStrategy[Any]) -> Array:
    """Arrays of lists, maps or arrays (encoded with the 32-bit forms inside)."""
    element_type = draw(st.sampled_from([list, dict, Array]))
    items: list[Any]
    if element_type is list:
        items = draw(st.lists(st.lists(children, max_size=3), max_size=3))
    elif element_type is dict:
        items = draw(st.lists(st.dictionaries(scalars(), children, max_size=3), max_size=3))
    else:
        items = draw(st.lists(scalar_arrays(), max_size=3))
    return Array(element_type, items)


def values() -> st.SearchStrategy[Any]:
    """Any AMQP value: scalars, described values, arrays, lists and maps, nested."""
    return st.recursive(
        st.one_of(scalars(), scalar_arrays()),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(scalars(), children, max_size=4),
            st.builds(Described, DESCRIPTORS, children),
            compound_arrays(children),
        ),
        max_leaves=12,
    )


def bodies() -> st.SearchStrategy[Any]:
    """Every kind of body: data (one or several), amqp-sequence (one or several), amqp-value."""
    sequence = st.lists(values(), max_size=4).map(AmqpSequence)
    return st.one_of(
        BINARY,
        st.lists(BINARY, min_size=2, max_size=4).map(DataSections),
        sequence,
        st.lists(sequence, min_size=2, max_size=3).map(SequenceSections),
        BINARY.map(AmqpValue),
        values().filter(lambda value: type(value) is not bytes),
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


HEADERS = st.builds(
    Header,
    durable=_optional(st.booleans()),
    priority=_optional(st.integers(0, 255)),
    ttl=_optional(UINT),
    first_acquirer=_optional(st.booleans()),
    delivery_count=_optional(UINT),
)
MESSAGE_IDS = st.one_of(ULONG, TEXT, BINARY, st.uuids())
PROPERTIES = st.builds(
    Properties,
    message_id=_optional(MESSAGE_IDS),
    user_id=_optional(BINARY),
    to=_optional(TEXT),
    subject=_optional(TEXT),
    reply_to=_optional(TEXT),
    correlation_id=_optional(MESSAGE_IDS),
    content_type=_optional(ASCII),
    content_encoding=_optional(ASCII),
    absolute_expiry_time=_optional(LONG),
    creation_time=_optional(LONG),
    group_id=_optional(TEXT),
    group_sequence=_optional(UINT),
    reply_to_group_id=_optional(TEXT),
)
ANNOTATIONS = st.dictionaries(st.one_of(ASCII.map(Symbol), ULONG.map(ULong)), values(), max_size=4)
APPLICATION_PROPERTIES = st.dictionaries(TEXT, scalars(), max_size=4)


def messages() -> st.SearchStrategy[AMQPMessage]:
    return st.builds(
        AMQPMessage,
        bodies(),
        header=_optional(HEADERS),
        delivery_annotations=_optional(ANNOTATIONS),
        message_annotations=_optional(ANNOTATIONS),
        properties=_optional(PROPERTIES),
        application_properties=_optional(APPLICATION_PROPERTIES),
        footer=_optional(ANNOTATIONS),
    )


def assert_same(expected: Any, actual: Any, where: str = "value") -> None:
    """Equal values of exactly the same types, all the way down (floats compared by bits)."""
    assert type(actual) is type(expected), f"{where}: {actual!r} is not {expected!r}"
    if isinstance(expected, float):  # by bits, so that 0.0 and -0.0 differ
        assert _bits(expected) == _bits(actual), f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{where}[{index}]")
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for (key, left), (other_key, right) in zip(expected.items(), actual.items(), strict=True):
            assert_same(key, other_key, f"{where} key")
            assert_same(left, right, f"{where}[{key!r}]")
    elif isinstance(expected, Described | AmqpValue):
        for field in expected.__slots__:
            assert_same(getattr(expected, field), getattr(actual, field), f"{where}.{field}")
    elif isinstance(expected, Array):
        assert actual.element_type is expected.element_type, f"{where}: {actual!r}"
        assert_same(expected.descriptor, actual.descriptor, f"{where}.descriptor")
        assert_same(expected.items, actual.items, f"{where}.items")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def as_decoded(application_properties: dict[str, Any] | None) -> ApplicationProperties | None:
    """Application properties as a decoder gives them back: the same items, in the subclass."""
    if application_properties is None:
        return None
    return ApplicationProperties(application_properties)


def _bits(number: float) -> bytes:
    return struct.pack(">f" if isinstance(number, Float) else ">d", number)
