"""Cross-check with Apache Qpid Proton: each side reads what the other writes, to equal values.

Proton's Python binding has limits we work around, not test: it has no footer, loses a
described value whose value is described (it reads its own encoding of one as None), reads binary
values as memoryviews (so binary map keys cannot be read at all), represents ttl and times
as float seconds, reads property strings as C strings (cut at a NUL), reads a missing
content type as symbol('None'), and reads only one
data or amqp-sequence section. The strategies below stay within what it can express.
"""

from __future__ import annotations

import uuid
from typing import Any

import proton
from amqp_strategies import (
    ARRAY_ITEMS,
    ASCII,
    BINARY,
    DESCRIPTORS,
    LONG,
    TEXT,
    UINT,
    ULONG,
    as_decoded,
    assert_same,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from rstream_plugins.codec_amqp import (
    AMQPMessage,
    AmqpSequence,
    AmqpValue,
    Array,
    Byte,
    Char,
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
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
    amqp_decoder,
    decode_amqp,
)

# --- our values <-> Proton's ---------------------------------------------------------------

_TO_PROTON: dict[type, Any] = {
    UByte: proton.ubyte,
    UShort: proton.ushort,
    UInt: proton.uint,
    ULong: proton.ulong,
    Byte: proton.byte,
    Short: proton.short,
    Int: proton.int32,
    Long: int,
    Float: proton.float32,
    Double: float,
    Char: proton.char,
    Timestamp: proton.timestamp,
    Symbol: proton.symbol,
    Decimal32: lambda value: proton.decimal32(int.from_bytes(value, "big")),
    Decimal64: lambda value: proton.decimal64(int.from_bytes(value, "big")),
    Decimal128: lambda value: proton.decimal128(bytes(value)),
}
_FROM_PROTON: dict[type, Any] = {
    proton.ubyte: UByte,
    proton.ushort: UShort,
    proton.uint: UInt,
    proton.ulong: ULong,
    proton.byte: Byte,
    proton.short: Short,
    proton.int32: Int,
    proton.float32: Float,
    proton.char: Char,
    proton.timestamp: Timestamp,
    proton.symbol: Symbol,
    proton.decimal32: lambda value: Decimal32(int(value).to_bytes(4, "big")),
    proton.decimal64: lambda value: Decimal64(int(value).to_bytes(8, "big")),
    proton.decimal128: lambda value: Decimal128(bytes(value)),
    memoryview: bytes,
}
_ARRAY_TYPES: dict[Any, int] = {
    None: proton.Data.NULL,
    bool: proton.Data.BOOL,
    UByte: proton.Data.UBYTE,
    UShort: proton.Data.USHORT,
    UInt: proton.Data.UINT,
    ULong: proton.Data.ULONG,
    Byte: proton.Data.BYTE,
    Short: proton.Data.SHORT,
    Int: proton.Data.INT,
    Long: proton.Data.LONG,
    Float: proton.Data.FLOAT,
    Double: proton.Data.DOUBLE,
    Char: proton.Data.CHAR,
    Timestamp: proton.Data.TIMESTAMP,
    uuid.UUID: proton.Data.UUID,
    Decimal32: proton.Data.DECIMAL32,
    Decimal64: proton.Data.DECIMAL64,
    Decimal128: proton.Data.DECIMAL128,
    bytes: proton.Data.BINARY,
    str: proton.Data.STRING,
    Symbol: proton.Data.SYMBOL,
    list: proton.Data.LIST,
    dict: proton.Data.MAP,
    Array: proton.Data.ARRAY,
}
_FROM_ARRAY_TYPES = {code: kind for kind, code in _ARRAY_TYPES.items()}


def to_proton(value: Any) -> Any:
    kind = type(value)
    if kind in _TO_PROTON:
        return _TO_PROTON[kind](value)
    if kind is list:
        return [to_proton(item) for item in value]
    if kind is dict:
        return {to_proton(key): to_proton(item) for key, item in value.items()}
    if kind is Described:
        return proton.Described(to_proton(value.descriptor), to_proton(value.value))
    if kind is Array:
        descriptor = proton.UNDESCRIBED if value.descriptor is None else value.descriptor
        element_type = _ARRAY_TYPES[value.element_type]
        items = [_to_proton_item(value.element_type, item) for item in value.items]
        return proton.Array(to_proton(descriptor), element_type, *items)
    return value


def _to_proton_item(element_type: Any, item: Any) -> Any:
    # Array items are plain values; Proton wants them in its own types.
    if element_type in _TO_PROTON:
        return _TO_PROTON[element_type](item)
    return to_proton(item)


def from_proton(value: Any) -> Any:
    kind = type(value)
    if kind in _FROM_PROTON:
        return _FROM_PROTON[kind](value)
    if kind is list:
        return [from_proton(item) for item in value]
    if kind is dict or isinstance(value, dict):  # Proton's AnnotationDict and PropertyDict
        return {from_proton(key): from_proton(item) for key, item in value.items()}
    if kind is proton.Described:
        return Described(from_proton(value.descriptor), from_proton(value.value))
    if kind is proton.Array:
        descriptor = None if value.descriptor is proton.UNDESCRIBED else value.descriptor
        element_type = _FROM_ARRAY_TYPES[value.type]
        items = [from_proton(item) for item in value.elements]
        return Array(element_type, items, from_proton(descriptor))
    return value


# --- strategies within Proton's reach -----------------------------------------------------

_HASHABLE = st.one_of(
    st.none(), st.booleans(), LONG, TEXT, ASCII.map(Symbol), ULONG.map(ULong), st.uuids()
)


@st.composite
def _arrays(draw: st.DrawFn) -> Array:
    element_type = draw(st.sampled_from(list(ARRAY_ITEMS)))
    items = draw(st.lists(ARRAY_ITEMS[element_type], max_size=5))
    return Array(element_type, items, draw(st.one_of(st.none(), DESCRIPTORS)))


def _not_described(value: Any) -> bool:
    return type(value) is not Described


def _proton_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        _HASHABLE,
        st.floats(allow_nan=False),
        BINARY,
        st.integers(0, 255).map(UByte),
        st.integers(0, 2**16 - 1).map(UShort),
        UINT.map(UInt),
        st.integers(-128, 127).map(Byte),
        st.integers(-(2**15), 2**15 - 1).map(Short),
        st.integers(-(2**31), 2**31 - 1).map(Int),
        st.floats(width=32, allow_nan=False).map(Float),
        st.characters().map(Char),
        LONG.map(Timestamp),
        st.binary(min_size=4, max_size=4).map(Decimal32),
        st.binary(min_size=8, max_size=8).map(Decimal64),
        st.binary(min_size=16, max_size=16).map(Decimal128),
        _arrays(),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(_HASHABLE, children, max_size=4),
            st.builds(Described, DESCRIPTORS, children.filter(_not_described)),
        ),
        max_leaves=10,
    )


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# Proton reads times as float seconds: keep them where a float is exact to the millisecond.
_TIMES = st.integers(0, 2**40)
# Proton reads property strings as C strings: they end at the first NUL.
_FIELD_TEXT = TEXT.filter(lambda text: "\x00" not in text)
_IDS = st.one_of(ULONG, _FIELD_TEXT, BINARY, st.uuids())
_CONTENT_TYPES = ASCII.filter(lambda text: text != "None" and "\x00" not in text)
_ANNOTATIONS = st.dictionaries(
    st.one_of(ASCII.map(Symbol), ULONG.map(ULong)), _proton_values(), max_size=3
)


def _messages() -> st.SearchStrategy[AMQPMessage]:
    body = st.one_of(
        BINARY,
        BINARY.map(AmqpValue),
        st.lists(_proton_values(), max_size=3).map(AmqpSequence),
        _proton_values().filter(lambda value: type(value) is not bytes),
    )
    header = st.builds(
        Header,
        durable=_optional(st.booleans()),
        priority=_optional(st.integers(0, 255)),
        ttl=_optional(st.integers(0, 2**31)),
        first_acquirer=_optional(st.booleans()),
        delivery_count=_optional(UINT),
    )
    properties = st.builds(
        Properties,
        message_id=_optional(_IDS),
        user_id=_optional(BINARY),
        to=_optional(_FIELD_TEXT),
        subject=_optional(_FIELD_TEXT),
        reply_to=_optional(_FIELD_TEXT),
        correlation_id=_optional(_IDS),
        content_type=_optional(_CONTENT_TYPES),
        content_encoding=_optional(_CONTENT_TYPES),
        absolute_expiry_time=_optional(_TIMES),
        creation_time=_optional(_TIMES),
        group_id=_optional(_FIELD_TEXT),
        group_sequence=_optional(UINT),
        reply_to_group_id=_optional(_FIELD_TEXT),
    )
    return st.builds(
        AMQPMessage,
        body,
        header=_optional(header),
        delivery_annotations=_optional(_ANNOTATIONS),
        message_annotations=_optional(_ANNOTATIONS),
        properties=_optional(properties),
        application_properties=_optional(
            st.dictionaries(TEXT, _HASHABLE | BINARY | UINT.map(UInt), max_size=3)
        ),
    )


# --- one view of both, with Proton's defaults ----------------------------------------------


def _ours(message: AMQPMessage) -> dict[str, Any]:
    header = message.header or Header()
    properties = message.properties or Properties()
    return {
        "durable": bool(header.durable),
        "priority": 4 if header.priority is None else header.priority,
        "ttl": header.ttl or 0,
        "first_acquirer": bool(header.first_acquirer),
        "delivery_count": header.delivery_count or 0,
        "id": properties.message_id,
        "user_id": properties.user_id or b"",
        "to": properties.to,
        "subject": properties.subject,
        "reply_to": properties.reply_to,
        "correlation_id": properties.correlation_id,
        "content_type": properties.content_type,
        "content_encoding": properties.content_encoding,
        "expiry_time": properties.absolute_expiry_time or 0,
        "creation_time": properties.creation_time or 0,
        "group_id": properties.group_id,
        "group_sequence": properties.group_sequence or 0,
        "reply_to_group_id": properties.reply_to_group_id,
    }


def _theirs(message: proton.Message) -> dict[str, Any]:
    def text(value: Any) -> Any:
        return None if value in (None, "None") else str(value)  # see the module docstring

    return {
        "durable": message.durable,
        "priority": message.priority,
        "ttl": round(message.ttl * 1000),
        "first_acquirer": message.first_acquirer,
        "delivery_count": message.delivery_count,
        "id": from_proton(message.id),
        "user_id": bytes(message.user_id),
        "to": message.address,
        "subject": message.subject,
        "reply_to": message.reply_to,
        "correlation_id": from_proton(message.correlation_id),
        "content_type": text(message.content_type),
        "content_encoding": text(message.content_encoding),
        "expiry_time": round(message.expiry_time * 1000),
        "creation_time": round(message.creation_time * 1000),
        "group_id": message.group_id,
        "group_sequence": message.group_sequence,
        "reply_to_group_id": message.reply_to_group_id,
    }


def _body_as_proton_reads_it(body: Any) -> tuple[Any, bool]:
    """(body, inferred): Proton flags data and amqp-sequence bodies as `inferred`."""
    if type(body) is bytes:
        return body, True
    if type(body) is AmqpValue:
        return body.value, False
    if type(body) is AmqpSequence:
        return list(body), True
    return body, False


@given(_messages())
@settings(max_examples=150)
def test_proton_reads_what_we_write(message: AMQPMessage) -> None:
    received = proton.Message()
    received.decode(bytes(message))
    assert _theirs(received) == _ours(message)
    body, inferred = _body_as_proton_reads_it(message.body)
    assert received.inferred is inferred
    assert_same(body, from_proton(received.body), "body")
    assert_same(message.delivery_annotations, from_proton(received.instructions), "instructions")
    assert_same(message.message_annotations, from_proton(received.annotations), "annotations")
    assert_same(message.application_properties, from_proton(received.properties), "properties")


def _seconds(milliseconds: int) -> float:
    """Seconds that Proton's setters (which truncate `seconds * 1000`) read as `milliseconds`."""
    return (milliseconds + 0.5) / 1000


def _proton_message(message: AMQPMessage) -> proton.Message:
    body, inferred = _body_as_proton_reads_it(message.body)
    sent = proton.Message(body=to_proton(body), inferred=inferred)
    fields = _ours(message)
    for name in ("durable", "priority", "first_acquirer", "delivery_count", "user_id"):
        setattr(sent, name, fields[name])
    sent.ttl = _seconds(fields["ttl"])
    sent.expiry_time = _seconds(fields["expiry_time"])
    sent.creation_time = _seconds(fields["creation_time"])
    sent.group_sequence = fields["group_sequence"]
    sent.address = fields["to"]
    for name in ("id", "correlation_id", "subject", "reply_to", "group_id", "reply_to_group_id"):
        setattr(sent, name, to_proton(fields[name]))
    for name in ("content_type", "content_encoding"):
        if fields[name] is not None:
            setattr(sent, name, fields[name])
    sent.instructions = to_proton(message.delivery_annotations)
    sent.annotations = to_proton(message.message_annotations)
    sent.properties = to_proton(message.application_properties)
    return sent


@given(_messages())
@settings(max_examples=150)
def test_we_read_what_proton_writes(message: AMQPMessage) -> None:
    sent = _proton_message(message)
    data = sent.encode()
    received = decode_amqp(data, lazy=False)
    assert _ours(received) == _ours(message)
    assert_same(
        _body_as_proton_reads_it(message.body)[0], _body_as_proton_reads_it(received.body)[0]
    )
    for name in ("delivery_annotations", "message_annotations"):
        expected = getattr(message, name)
        assert_same(expected or None, getattr(received, name) or None, name)
    properties = as_decoded(message.application_properties)  # decoded: an ApplicationProperties
    assert_same(properties or None, received.application_properties or None, "properties")
    assert bytes(amqp_decoder(data)) == data


def test_proton_writes_bytes_as_an_amqp_value_unless_inferred() -> None:
    plain = proton.Message(body=b"hi")
    assert amqp_decoder(plain.encode()).body == AmqpValue(b"hi")
    inferred = proton.Message(body=b"hi", inferred=True)
    assert amqp_decoder(inferred.encode()).body == b"hi"
